"""The lesson layer: YAML files in, validated frozen Lesson objects out."""

from stepper.lesson.errors import LessonError, Problem
from stepper.lesson.load import load_lesson
from stepper.lesson.model import Caption, Claim, Lesson, Model, Training

__all__ = [
    "Caption",
    "Claim",
    "Lesson",
    "LessonError",
    "Model",
    "Problem",
    "Training",
    "load_lesson",
]
