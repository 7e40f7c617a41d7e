"""Work done in slices between frames, so the window answers while it goes on and Esc can
cancel it: a lesson's training, a pass's GIF."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from stepper.lesson import Lesson
from stepper.train import TrainResult


class Sliced:
    """Work done in slices between frames, so the window answers (and Esc cancels): `steps`
    yields how far it got and returns the result."""

    steps: Generator
    done: int

    def advance(self, budget: float):
        """Work for up to `budget` seconds: the result once done, else None."""
        deadline = time.perf_counter() + budget
        try:
            while time.perf_counter() < deadline:
                self.done = next(self.steps)
        except StopIteration as finished:
            return finished.value
        return None


@dataclass
class Opening(Sliced):
    """A lesson whose training is under way."""

    path: Path
    lesson: Lesson
    steps: Generator[int, None, TrainResult]
    done: int = 0  # iterations trained so far


@dataclass
class Saving(Sliced):
    """A pass's GIF being drawn (G); nothing is written until its last frame is drawn."""

    target: Path  # the name it is meant to get (the next free one if another takes it first)
    steps: Generator[int, None, tuple[bytes, int]]
    total: int  # frames
    done: int = 0  # frames drawn so far
