"""The built-in course: six lesson files, in the order a class meets them."""

from __future__ import annotations

from pathlib import Path

import stepper

#: File stems in course order: from "no memory needed" to "memory that fades".
COURSE = ("alternating", "one-one-zero", "gru-gates", "lstm-gates", "vanishing-gradients", "hello")


def lessons_folder() -> Path:
    """`lessons/` beside the package, where the course ships."""
    return Path(stepper.__file__).parent.parent / "lessons"


def builtin_lessons() -> list[Path]:
    return [lessons_folder() / f"{stem}.yaml" for stem in COURSE]
