"""Predict before you see: a question (or, in "you compute it", the next op's value) opens when
a step forward would land on its place; the class answers by keys or a typed number; reveal
moves onto the place. Pure: a state (and what it points into) in, a new state out."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from stepper import places
from stepper.lesson.asks import Posed, posed_at
from stepper.lesson.model import Lesson
from stepper.navigation import Cursor
from stepper.state import Quiz, ViewState
from stepper.trace import Trace

#: A typed value is right within two decimals: half a hundredth, plus 1% of a large value.
ABSOLUTE, RELATIVE = 0.005, 0.01


def place_key(state: ViewState, target: int) -> tuple:
    """Where a question was asked: the same question at the same place is not asked twice."""
    return (state.checkpoint, state.iteration, state.sequence, state.sample, state.cursor.phase, target)


def checkpoint_of(state: ViewState) -> str:
    """The checkpoint a question reads (an iteration's own chunk belongs to none)."""
    return state.checkpoint if state.iteration is None else ""


def question_at(state: ViewState, lesson: Lesson, trace: Trace, index: int, iteration: int) -> Posed | None:
    return posed_at(lesson, trace, index, checkpoint_of(state), iteration)


def arrive(state: ViewState, lesson: Lesson, trace: Trace, iteration: int, moved: Cursor) -> ViewState:
    """One step forward onto `moved`: its question opens instead (the cursor stays, so the value
    stays hidden) when questions are on and it has one not yet answered; in compute mode the
    class is asked for the value. Otherwise (or while training live) the cursor simply moves."""
    target = moved.index
    if moved.phase != state.cursor.phase or target != state.cursor.index + 1 or state.training:
        return replace(state, cursor=moved)  # (training live, the values change under the class)
    if state.questions and place_key(state, target) not in state.answered:
        posed = question_at(state, lesson, trace, target, iteration)
        if posed is not None:
            quiz = Quiz("ask", target, lesson.asks.index(posed.ask), len(posed.options))
            quiz = replace(quiz, votes=(0,) * quiz.options)
            opened = replace(state, quiz=quiz, playing=False, message="", hover=None)
            return replace(opened, mode="question") if quiz.options else places.open_entry(opened, "answer")
    if state.compute:
        opened = replace(state, quiz=Quiz("compute", target), hover=None)
        return places.open_entry(opened, "answer")
    return replace(state, cursor=moved)


def vote(state: ViewState, key: str) -> ViewState:
    """One hand (or one student's answer) for choice `key` ("1".."4")."""
    quiz = state.quiz
    if quiz is None or quiz.revealed or not key.isdigit() or not 1 <= int(key) <= quiz.options:
        return state
    k = int(key) - 1
    votes = tuple(v + (i == k) for i, v in enumerate(quiz.votes))
    return replace(state, quiz=replace(quiz, votes=votes), message="")


def numbers(text: str) -> tuple[float, ...] | None:
    """The numbers typed, or None if something typed is not a number."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        return None
    return values if values and all(math.isfinite(v) for v in values) else None


def reveal(state: ViewState) -> ViewState:
    """The answer shows: the cursor lands on the asked place, the card stays until the next key."""
    quiz = state.quiz
    if quiz is None:
        return state
    if quiz.revealed:
        return close(state)
    cursor = Cursor(state.cursor.phase, quiz.target)
    return replace(state, quiz=replace(quiz, revealed=True), cursor=cursor, progress=1.0, message="")


def typed_answer(state: ViewState) -> ViewState:
    """Enter in the answer entry: the typed number is kept (the entry closes) and revealed."""
    return reveal(replace(state, mode="question"))


def close(state: ViewState) -> ViewState:
    """Back to stepping, on the asked place; its question is not asked again there."""
    quiz = state.quiz
    if quiz is None:
        return replace(state, mode="step", entry="")
    cursor = Cursor(state.cursor.phase, quiz.target)
    answered = state.answered | {place_key(replace(state, cursor=cursor), quiz.target)}
    return replace(state, quiz=None, mode="step", entry="", cursor=cursor, answered=answered)


def skip(state: ViewState) -> ViewState:
    """Esc: the value shows without an answer (nothing scored)."""
    return replace(close(state), message="skipped")


def check_typed(state: ViewState, trace: Trace) -> ViewState:
    """Enter on a typed number: a question's answer is revealed beside it; a computed value
    is checked against the step's own output, scored, and shown."""
    quiz = state.quiz
    if quiz is None:
        return state
    values = numbers(state.entry)
    if values is None:
        return replace(state, message="type a number first (Esc skips)")
    if quiz.kind == "ask":
        if len(values) != 1:
            return replace(state, message="type one number")
        return typed_answer(state)
    step = trace.steps[quiz.target]
    flat = np.ravel(np.asarray(step.output, dtype=float))
    if len(values) not in (1, flat.size):
        return replace(state, message=f"type {step.op}[0], or all {flat.size} numbers of {step.op}")
    want = flat[: len(values)]
    right = bool(np.all(np.abs(np.asarray(values) - want) <= ABSOLUTE + RELATIVE * np.abs(want)))
    score = (state.score[0] + right, state.score[1] + 1)
    shown = f"{step.op}[0]" if len(values) == 1 and flat.size > 1 else step.op
    true = ", ".join(f"{v:.3g}" for v in want)
    verdict = "right" if right else "not quite"
    message = f"{verdict}: {shown} = {true}  (typed {state.entry.strip()})   score {score[0]} of {score[1]}"
    moved = replace(state, quiz=None, mode="step", entry="", cursor=Cursor(state.cursor.phase, quiz.target))
    return replace(moved, score=score, message=message, progress=1.0)


def typed_right(typed: str, posed: Posed) -> bool | None:
    """Whether a typed answer to a numeric question reads as its answer (None: nothing typed)."""
    values = numbers(typed)
    return None if values is None or len(values) != 1 else posed.accepts(values[0])
