"""`--check`: validate, train and verify each lesson's claims against the real numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stepper.lesson.claims import ClaimError, claim_values, evaluate, parse_claim, value_shapes
from stepper.lesson.errors import LessonError, Problem, one_line
from stepper.lesson.load import load_lesson
from stepper.lesson.model import Claim, Lesson
from stepper.session import Session
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

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if not self.ok:
            return [str(p) for p in self.problems]
        extra = f"; {self.compare} compare trained in {self.compare_seconds:.2f} s" if self.compare else ""
        held = f"{len(self.results)} claims hold{extra}"
        return [f"{one_line(self.path)}: ok (trained in {self.seconds:.2f} s, {held})"]


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
    compare_seconds = None
    other = lesson.compare_lesson()
    if other is not None:
        compared = train(other.train_config(), other.data)
        compare_seconds = compared.seconds
        if compared.divergence is not None:
            reason = compared.divergence.reason
            problems.append(Problem(shown, 0, 0, f"the {other.model.cell} compare model diverged: {reason}"))
    return Report(shown, tuple(problems), result.seconds, results, lesson.compare_cell, compare_seconds)


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
