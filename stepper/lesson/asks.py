"""Questions posed at a place: which one the cursor arrives at, its options, and its answer,
all computed from the numbers there, so a retrained lesson can never ask a stale question.

A question shows where a caption with the same selector would; --check poses every question
at every place it can show and reports the ones with no answer, two answers, or options
that read the same.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import numpy as np

from stepper.lesson.claims import ClaimError
from stepper.lesson.guards import check_guard, place_value, timesteps
from stepper.lesson.model import Ask, Lesson
from stepper.narration import caption_values, fill
from stepper.trace import Trace

#: Names that say where the place is, not what the network computed there.
PLACE_NAMES = frozenset({"t", "T", "V", "H"})


def reads_numbers(source: str) -> bool:
    """Whether an expression reads a recorded value: one that does not was typed in, and
    would go stale the first time the lesson is retrained."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return True  # the parser reports it
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return any(
        isinstance(n, ast.Name) and id(n) not in called and n.id not in PLACE_NAMES for n in ast.walk(tree)
    )


def shown_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


@dataclass(frozen=True)
class Posed:
    """A question at one place: what keys 1-4 choose, and which one is right."""

    ask: Ask
    question: str  # filled
    options: tuple[str, ...]  # () for a number the class types
    correct: int | None  # index into options
    answer: float | None  # a numeric question's answer
    answer_text: str  # as the reveal shows it
    explain: str  # filled
    problem: str = ""  # why it cannot be posed here ("" when it can)

    def accepts(self, typed: float) -> bool:
        """A typed number is right when it reads the same as the answer at the question's
        precision (half a unit of the last decimal either way)."""
        if self.answer is None or not math.isfinite(typed):
            return False
        return abs(typed - self.answer) <= 0.5 * 10.0 ** -self.ask.decimals + 1e-12


def pose(ask: Ask, trace: Trace, index: int, checkpoint: str, iteration: int) -> Posed:
    """The question at step `index`, or one whose `problem` says why it cannot be asked there."""
    step = trace.steps[index]
    t = step.t
    values = caption_values(trace, index, checkpoint, iteration)
    # The question reads what is known before the asked value is computed; the explanation, after.
    before = index - 1 if index > trace.phase_range(step.phase).start else index
    question = fill(ask.question, caption_values(trace, before, checkpoint, iteration))
    explain = fill(ask.explain, values)

    def failed(problem: str) -> Posed:
        return Posed(ask, question, (), None, None, "", explain, problem)

    if ask.symbols:  # the sample pass: the answer is the symbol drawn here
        drawn = int(np.asarray(step.output).ravel()[0])
        return Posed(ask, question, trace.vocab, drawn, None, trace.vocab[drawn], explain)
    if ask.when is not None:
        holds, measured = check_guard(ask.when, trace, t)
        if not holds:
            return failed(f"its guard is false, when: {ask.when}; {measured}")
    if ask.choices:
        holding = []
        for k, choice in enumerate(ask.choices):
            holds, measured = check_guard(choice.when, trace, t)
            if measured.startswith("cannot be evaluated"):
                return failed(f"choice {quote_text(choice.text)}: {measured}")
            if holds:
                holding.append(k)
        options = tuple(c.text for c in ask.choices)
        if len(holding) != 1:
            said = " and ".join(quote_text(options[k]) for k in holding)
            why = "no choice holds" if not holding else f"{said} all hold"
            return failed(f"{why}; exactly one choice must be the answer")
        right = holding[0]
        return Posed(ask, question, options, right, None, options[right], explain)
    assert ask.answer is not None
    try:
        numbers = [place_value(source, trace, t) for source in (ask.answer, *ask.distractors)]
    except ClaimError as exc:
        return failed(f"cannot be computed here: {exc}")
    texts = [shown_number(v, ask.decimals) for v in numbers]
    for source, value in zip((ask.answer, *ask.distractors), numbers, strict=True):
        if not math.isfinite(value):
            return failed(f"{source} gives {value} here, not a number to show")
    if len(set(texts)) < len(texts):
        same = next(s for s in texts if texts.count(s) > 1)
        which = "the answer and a distractor" if texts.count(texts[0]) > 1 else "two distractors"
        return failed(f"{which} both read {same} at {ask.decimals} decimals; options must differ")
    if not ask.distractors:
        return Posed(ask, question, (), None, numbers[0], texts[0], explain)
    order = sorted(range(len(numbers)), key=lambda k: numbers[k])  # in order of size: no positional hint
    options = tuple(texts[k] for k in order)
    return Posed(ask, question, options, order.index(0), numbers[0], texts[0], explain)


def quote_text(text: str) -> str:
    return '"' + (text if len(text) <= 30 else text[:27] + "...") + '"'


def picks(ask: Ask, trace: Trace, index: int, checkpoint: str | None, own: bool) -> bool:
    """Whether the question's selector (and its `if:`) picks step `index`."""
    step = trace.steps[index]
    if ask.op != step.op or ask.phase not in (None, step.phase) or ask.checkpoint not in (None, checkpoint):
        return False
    if ask.symbols:  # the sample pass counts the symbols it writes, not the playback's steps
        return ask.t is None or step.t == ask.t
    if ask.t is not None and step.t not in timesteps(ask.t, trace.length):
        return False
    if isinstance(ask.t, int) and ask.t > 0 and not own and ask.condition is None and ask.when is None:
        return False  # a fixed timestep speaks of the lesson's own sequence, as captions do
    return ask.condition is None or check_guard(ask.condition, trace, step.t)[0]


def posed_at(lesson: Lesson, trace: Trace, index: int, checkpoint: str, iteration: int) -> Posed | None:
    """The first question (file order) picked at step `index` that can be posed there."""
    own = (*trace.inputs, *trace.targets[-1:]) == lesson.playback
    for ask in lesson.asks:
        if picks(ask, trace, index, checkpoint, own):
            posed = pose(ask, trace, index, checkpoint, iteration)
            if not posed.problem:
                return posed
    return None
