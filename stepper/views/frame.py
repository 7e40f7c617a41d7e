"""What every view reads: the state plus the trace and lesson it points into."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stepper.lesson.asks import Posed
from stepper.lesson.model import Lesson
from stepper.navigation import Cursor
from stepper.state import ViewState
from stepper.trace import Step, Trace

#: (text, size px, font "sans"|"mono", bold) -> width in px; the app passes real font metrics.
Measure = Callable[[str, int, str, bool], int]


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def inset(self, d: int) -> Box:
        return Box(self.x + d, self.y + d, max(0, self.w - 2 * d), max(0, self.h - 2 * d))


@dataclass(frozen=True, eq=False)
class Frame:
    """One frame's inputs. Views derive everything else from these."""

    state: ViewState
    lesson: Lesson
    trace: Trace
    iteration: int  # of the shown checkpoint
    checkpoints: tuple[str, ...]
    problem: str = ""  # training diverged, weights refused...: shown on screen
    loss_history: np.ndarray | None = None  # mean loss per symbol, one per training iteration
    marks: tuple[tuple[str, int], ...] = ()  # (checkpoint name, iteration), in training order
    baseline: Trace | None = None  # the same sequence under the first checkpoint (untrained)
    label: str = ""  # names this frame in a side-by-side view ("untrained, iteration 0")
    partner: Frame | None = None  # the other frame of a side-by-side view
    partner_first: bool = False  # on the partner: draw it on the left (the earlier checkpoint)
    errors: tuple[str, ...] = ()  # a broken edit of the lesson file, over its last good version
    posed: Posed | None = None  # the open question (state.quiz), as posed at its place

    @property
    def cursor(self) -> Cursor:
        return self.state.cursor

    @property
    def step(self) -> Step:
        return self.trace.steps[self.cursor.index]

    @cached_property
    def env(self) -> dict[str, np.ndarray]:
        return self.trace.env(self.cursor.index)

    @cached_property
    def previous(self) -> Step | None:
        span = self.trace.phase_range(self.cursor.phase)
        return self.trace.steps[self.cursor.index - 1] if self.cursor.index > span.start else None
