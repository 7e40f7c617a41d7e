"""Work counted, not timed: the function calls a piece of code makes, stopped at a budget.

A count is the same on every machine and under any load, so a bound on it is a test that
neither flakes on a busy machine nor passes on a fast one; how long things take is the
speed sheet's business (benchmarks/run.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from stepper.lesson import LessonError, builtin_lessons, parse_lesson


class OverBudget(Exception):
    """More calls than the budget allows: the work is not bounded as it should be."""


def calls(run: Callable[[], object], budget: int) -> int:
    """Python and C function calls made by `run()`; past `budget`, OverBudget stops it."""
    made = 0

    def count(frame, event, arg) -> None:
        nonlocal made
        if event in ("call", "c_call"):
            made += 1
            if made > budget:
                raise OverBudget(f"more than {budget:,} calls")

    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return made


def load_or_refuse(data: bytes, name: str = "counted.yaml") -> None:
    """parse_lesson, with a LessonError as one of the two ways to end."""
    with contextlib.suppress(LessonError):
        parse_lesson(data, name)


def course_load_calls() -> int:
    """Calls to load the largest built-in lesson, each loaded once before it is counted (a
    first load also fills caches): the unit lesson budgets are set in."""
    sources = [Path(p).read_bytes() for p in builtin_lessons()]
    for data in sources:
        load_or_refuse(data)
    return max(calls(lambda data=data: load_or_refuse(data), 10**7) for data in sources)


class FuzzBudget:
    """Bounded work for fuzzed lessons. Every COUNT_EVERY-th case is counted, and every case
    slower than COUNT_AFTER_S: the clock only picks which cases are counted; whether a
    counted case passes does not depend on it. The budget is TIMES the calls loading the
    largest built-in lesson takes (each of tests/test_fuzz_bytes.py's 10,000 cases, all
    counted once, took at most 1.12 times)."""

    COUNT_EVERY = 100
    COUNT_AFTER_S = 0.2
    TIMES = 10

    def __init__(self) -> None:
        self.budget = self.TIMES * course_load_calls()
        self.counted: list[int] = []

    def check(self, case: int, data: bytes, name: str, seconds: float) -> None:
        """Raises OverBudget if a counted case makes more calls than the budget."""
        if case % self.COUNT_EVERY == 0 or seconds > self.COUNT_AFTER_S:
            self.counted.append(calls(lambda: load_or_refuse(data, name), self.budget))

    def report(self) -> str:
        most = max(self.counted, default=0)
        return f"{len(self.counted)} counted, at most {most:,} calls (budget {self.budget:,})"
