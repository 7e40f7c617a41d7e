"""Lessons that reload as they are written: the loop polls the file's stamp (no thread), and a
new version retrains only when what training reads changed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stepper.lesson.model import Lesson

#: How often the loop looks at the lesson file: a saved edit shows within a second.
POLL_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Stamp:
    """What changes when an editor saves: modification time and size."""

    mtime_ns: int
    size: int


def stamp(path: Path) -> Stamp | None:
    """The file's stamp, or None while it is missing (an editor may save by delete and rename)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return Stamp(info.st_mtime_ns, info.st_size)


def needs_training(old: Lesson, new: Lesson) -> bool:
    """Training reads the model, the training settings and the data: anything else (words,
    playback, questions, panels) is shown with the checkpoints already trained."""
    return old.train_config() != new.train_config() or old.data != new.data
