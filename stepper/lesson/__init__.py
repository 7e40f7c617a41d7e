"""The lesson layer: YAML files in, validated frozen Lesson objects out.

The loader (and with it yaml) is imported on first use, so modules that only
read Lesson objects, such as the views, stay free of yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stepper.lesson.catalog import COURSE, builtin_lessons, course_lesson, lessons_folder
from stepper.lesson.errors import LessonError, Problem
from stepper.lesson.model import Caption, Claim, Lesson, Model, Training

if TYPE_CHECKING:
    from stepper.lesson.load import load_lesson, parse_lesson

__all__ = [
    "COURSE",
    "Caption",
    "Claim",
    "Lesson",
    "LessonError",
    "Model",
    "Problem",
    "Training",
    "builtin_lessons",
    "course_lesson",
    "lessons_folder",
    "load_lesson",
    "parse_lesson",
]


def __getattr__(name: str) -> Any:
    if name in ("load_lesson", "parse_lesson"):
        from stepper.lesson import load

        return getattr(load, name)
    raise AttributeError(f"module 'stepper.lesson' has no attribute {name!r}")
