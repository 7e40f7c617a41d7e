"""The built-in course: six lesson files, in the order a class meets them.

They live in `lessons/` at the top of the repository and are installed inside the package as
`stepper.course` (see pyproject.toml), so an installed app finds them with importlib.resources.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: File stems in course order: from "no memory needed" to "memory that fades".
COURSE = ("alternating", "one-one-zero", "gru-gates", "lstm-gates", "vanishing-gradients", "hello")


def lessons_folder() -> Path:
    """Where the installed course is: `stepper.course` (the repository's `lessons/` in an
    editable install). An installed package is a folder on disk, never a zip, so this is a Path.
    A checkout run as `python main.py` without installing has no `stepper.course`: there the
    course is the checkout's own `lessons/`."""
    try:
        return Path(str(resources.files("stepper.course")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "lessons"


def builtin_lessons() -> list[Path]:
    return [lessons_folder() / f"{stem}.yaml" for stem in COURSE]


def course_lesson(name: str) -> Path | None:
    """A built-in lesson by its course name ("alternating", "one-one-zero"), else None."""
    return lessons_folder() / f"{name}.yaml" if name in COURSE else None
