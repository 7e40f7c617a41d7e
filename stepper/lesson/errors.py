"""Lesson problems as the user reads them: file:line:col: where: what was expected."""

from __future__ import annotations

from dataclasses import dataclass


def quote(text: str, limit: int = 40) -> str:
    """A teacher's text inside a message: quoted, cut short, on one line."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return '"' + one_line(shown) + '"'


def one_line(text: str) -> str:
    """Control characters written as escapes, so every problem stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int  # 1-based; 0 when the problem has no place in the file (it cannot be read)
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        path = one_line(self.path)  # a file name may hold a newline; a problem stays one line
        if self.line <= 0:
            return f"{path}: {self.message}"
        return f"{path}:{self.line}:{self.column}: {self.message}"


class LessonError(Exception):
    """Every problem found in one lesson file, reported together."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
