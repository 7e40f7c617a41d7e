"""`--check`: validate, train and verify each lesson's claims against the real numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stepper.lesson.claims import ClaimError, claim_values, evaluate, parse_claim, value_shapes
from stepper.lesson.errors import LessonError, Problem, one_line, quote
from stepper.lesson.guards import check_guard, timesteps
from stepper.lesson.load import load_lesson
from stepper.lesson.model import Caption, Claim, Lesson
from stepper.narration import caption_values, fill
from stepper.session import Session
from stepper.trace import BACKWARD, FORWARD, SAMPLE, UPDATE
from stepper.train import train


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    holds: bool
    measured: str  # "min(prob) = 0.9953": the numbers that decided it


@dataclass(frozen=True)
class Report:
    """What --check found for one lesson file."""

    path: str
    problems: tuple[Problem, ...]  # loading problems, divergence, failed claims
    seconds: float | None  # training time to the last checkpoint
    results: tuple[ClaimResult, ...] = ()
    compare: str | None = None  # the comparison cell, trained too
    compare_seconds: float | None = None
    places: int = 0  # (caption, place) pairs checked
    longest: int = 0  # the longest caption text, filled, at any place

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if not self.ok:
            return [str(p) for p in self.problems]
        extra = f"; {self.compare} compare trained in {self.compare_seconds:.2f} s" if self.compare else ""
        narration = f"captions true at {self.places:,} places, longest {self.longest:,} characters"
        return [
            f"{one_line(self.path)}: ok (trained in {self.seconds:.2f} s, {len(self.results)} claims hold, "
            f"{narration}{extra})"
        ]


def check_lesson(path: str | Path) -> Report:
    shown = str(path)
    try:
        lesson = load_lesson(path)
    except LessonError as exc:
        return Report(shown, exc.problems, None)
    session = Session.open(lesson)
    result = session.result
    problems = []
    if result.divergence is not None:
        problems.append(Problem(shown, 0, 0, f"training diverged: {result.divergence.reason}"))
    results = tuple(_verify(claim, lesson, session) for claim in lesson.claims)
    for r in results:
        if not r.holds:
            c = r.claim
            message = f'claim "{c.text}" does not hold at checkpoint {c.checkpoint}: {c.check}; {r.measured}'
            problems.append(Problem(shown, c.line, c.column, one_line(message)))
    places, longest, false = _check_narration(lesson, session)
    problems.extend(false)
    compare_seconds = None
    other = lesson.compare_lesson()
    if other is not None:
        compared = train(other.train_config(), other.data)
        compare_seconds = compared.seconds
        if compared.divergence is not None:
            reason = compared.divergence.reason
            problems.append(Problem(shown, 0, 0, f"the {other.model.cell} compare model diverged: {reason}"))
    return Report(
        shown, tuple(problems), result.seconds, results, lesson.compare_cell, compare_seconds, places, longest
    )


def _check_narration(lesson: Lesson, session: Session) -> tuple[int, int, list[Problem]]:
    """Every caption at every place its selector (and its `if:`) picks, at every checkpoint, on
    the lesson's sequence: its `when:` guard must hold there. Also fills each one at the last
    place it is picked in each pass and timestep, to measure the longest.

    Returns the places checked, the longest filled caption and one problem per false caption
    (and per caption that never shows).
    """
    names = [name for name in lesson.checkpoint_names if name in session.checkpoint_names]
    iterations = dict(lesson.training.checkpoints)
    places = longest = 0
    failures: dict[int, list[str]] = {}
    shown = [False] * len(lesson.captions)
    for name in names:
        trace = session.trace(name)
        values: dict[int, dict[str, object]] = {}  # per step, shared by the captions shown there
        for number, caption in enumerate(lesson.captions):
            if caption.checkpoint not in (None, name):
                continue
            if caption.phase in (UPDATE, SAMPLE):  # every step of its own pass; no timesteps there
                steps = list(trace.phase_range(caption.phase))
                places += len(steps)
                shown[number] = shown[number] or bool(steps)
                if steps:
                    values.setdefault(steps[-1], caption_values(trace, steps[-1], name, iterations[name]))
                    longest = max(longest, len(fill(caption.text, values[steps[-1]])))
                continue
            for t in timesteps(caption.t, trace.length):
                steps = [
                    i
                    for phase in (FORWARD, BACKWARD)
                    if caption.phase in (None, phase)
                    for i in trace.timestep_range(phase, t)
                    if caption.op in (None, trace.steps[i].op)
                ]
                if not steps or (caption.condition and not check_guard(caption.condition, trace, t)[0]):
                    continue  # not picked here: `if:` is part of the selector
                places += len(steps)
                shown[number] = True
                if caption.when is not None:
                    holds, measured = check_guard(caption.when, trace, t)
                    if not holds:
                        failures.setdefault(number, []).append(f"checkpoint {name}, t = {t}: {measured}")
                        continue
                # Filled where the most values exist: the last place picked in each pass.
                for i in {trace.steps[i].phase: i for i in steps}.values():
                    if i not in values:
                        values[i] = caption_values(trace, i, name, iterations[name])
                    longest = max(longest, len(fill(caption.text, values[i])))
    problems = [_false_caption(lesson, lesson.captions[n], n, where) for n, where in failures.items()]
    reached = session.result.divergence is None  # else the divergence is the problem to report
    for number, caption in enumerate(lesson.captions):
        if reached and not shown[number]:
            message = f"narration[{number}]: caption {quote(caption.text)} never shows on the playback"
            problems.append(Problem(str(lesson.path), caption.line, caption.column, one_line(message)))
    return places, longest, problems


def _false_caption(lesson: Lesson, caption: Caption, number: int, where: list[str]) -> Problem:
    more = f" (and {len(where) - 1} more places)" if len(where) > 1 else ""
    message = (
        f"narration[{number}]: caption {quote(caption.text)} is shown where its guard is false, "
        f"when: {caption.when}; at {where[0]}{more}"
    )
    return Problem(str(lesson.path), caption.line, caption.column, one_line(message))


def _verify(claim: Claim, lesson: Lesson, session: Session) -> ClaimResult:
    if claim.checkpoint not in session.checkpoint_names:
        return ClaimResult(claim, False, "measured nothing: training stopped before this checkpoint")
    trace = session.trace(claim.checkpoint)
    values = claim_values(trace, session.result.checkpoint(claim.checkpoint).loss)
    shapes = value_shapes(lesson.model.cell, trace.length, len(lesson.vocab), lesson.model.hidden_size)
    try:
        outcome = evaluate(parse_claim(claim.check, shapes), claim.check, values)
    except ClaimError as exc:  # the load-time dry run makes this unreachable for valid lessons
        return ClaimResult(claim, False, f"could not be evaluated: {exc}")
    return ClaimResult(claim, outcome.holds, f"measured {outcome.measured_text}")


def check_lessons(paths: Sequence[str]) -> int:
    """Print one line per lesson (or its problems); 0 if every lesson passed, else 1."""
    failed = 0
    for path in paths:
        report = check_lesson(path)
        failed += not report.ok
        for line in report.lines():
            print(line, flush=True)
    return 1 if failed else 0
