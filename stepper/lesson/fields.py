"""Typed reads of YAML nodes for the lesson schema.

Each read either returns a value or records a Problem (at the node's line and
column, naming the key path and what was expected) and returns None, so one
pass over a file collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Sequence as Seq

from stepper.lesson.errors import Problem, one_line, quote
from stepper.lesson.nodes import Mapping, Mark, Node, Refused, Scalar, Sequence

_NUMBER = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")
_MAX_NUMBER_TEXT = 40


def describe(node: Node) -> str:
    """How a value reads back to the teacher in 'got ...'."""
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Scalar):
        if node.is_null:
            return "nothing"
        if node.plain and _NUMBER.fullmatch(node.value):
            return node.value
        return quote(node.value)
    return "a refused value"


def near_miss(word: str, options: Seq[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def suggestion(word: str, options: Seq[str]) -> str:
    """'; did you mean "x"?' for a near miss, else the full list of options."""
    close = near_miss(word, options)
    return f'; did you mean "{close}"?' if close else f"; expected one of: {', '.join(options)}"


def _showable(char: str) -> bool:
    """Printable, a line break, or a space of any width; not a control, format (such as a
    right-to-left override), surrogate, private-use or unassigned character."""
    return char == "\n" or char.isprintable() or unicodedata.category(char) == "Zs"


class Reader:
    """Collects the problems of one file while its nodes are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def report(self, mark: Mark, where: str, message: str) -> None:
        text = f"{where}: {message}" if where else message
        self.problems.append(Problem(self.path, mark.line, mark.column, one_line(text)))

    def expected(self, node: Node, where: str, what: str) -> None:
        if not isinstance(node, Refused):  # already reported where it stands
            self.report(node.mark, where, f"expected {what}, got {describe(node)}")

    def expected_number(self, node: Node, where: str, what: str) -> None:
        quoted = isinstance(node, Scalar) and not node.plain and _NUMBER.fullmatch(node.value.strip())
        self.expected(node, where, what + (" (numbers go without quotes)" if quoted else ""))

    def mapping(
        self, node: Node, where: str, required: Seq[str], optional: Seq[str] = ()
    ) -> dict[str, Node] | None:
        """The known keys of a mapping; unknown and missing keys are problems."""
        if not isinstance(node, Mapping):
            self.expected(node, where, f"a mapping with {', '.join(required or optional)}")
            return None
        allowed = [*required, *optional]
        found: dict[str, Node] = {}
        suggested = set()  # a typo is reported once, as unknown, not again as missing
        for key, value in node.pairs:
            if key.value in allowed:
                found[key.value] = value
                continue
            suggested.add(near_miss(key.value, allowed))
            self.report(key.mark, where, f"unknown key {quote(key.value)}{suggestion(key.value, allowed)}")
        for name in required:
            if name not in found and name not in suggested:
                self.report(node.mark, where, f'missing "{name}"')
        return found

    def sequence(self, node: Node, where: str, what: str) -> tuple[Node, ...] | None:
        if isinstance(node, Sequence):
            return node.items
        self.expected(node, where, what)
        return None

    def text(self, node: Node, where: str, max_length: int, what: str = "a text") -> str | None:
        if not isinstance(node, Scalar) or node.is_null or not node.value.strip():
            self.expected(node, where, what)
            return None
        if len(node.value) > max_length:
            self.report(node.mark, where, f"longer than {max_length} characters ({len(node.value)})")
            return None
        value = node.value.expandtabs(4)  # a tab is harmless: shown as spaces
        bad = next((k for k, c in enumerate(value) if not _showable(c)), None)
        if bad is not None:
            char = value[bad]
            kind = "a lone surrogate" if 0xD800 <= ord(char) <= 0xDFFF else "a control character"
            name = unicodedata.name(char, kind)
            self.report(
                node.mark,
                where,
                f"character {bad + 1} is U+{ord(char):04X} ({name.lower()}), which cannot be shown; "
                "remove it (YAML escapes such as \\0 or \\u202e count too)",
            )
            return None
        return value.strip()

    def choice(self, node: Node, where: str, options: Seq[str]) -> str | None:
        if not isinstance(node, Scalar) or node.is_null:
            self.expected(node, where, f"one of {', '.join(options)}")
            return None
        if node.value not in options:
            close = near_miss(node.value, options)
            hint = f'; did you mean "{close}"?' if close else ""
            self.report(node.mark, where, f"{quote(node.value)} is not one of {', '.join(options)}{hint}")
            return None
        return node.value

    def number(self, node: Node, where: str, low: float, high: float, what: str) -> float | None:
        """A finite number with low < value <= high; `what` says so in words."""
        value = self._number(node)
        if value is None or not low < value <= high:
            self.expected_number(node, where, what)
            return None
        return value

    def integer(
        self, node: Node, where: str, low: int, high: int, what: str = "a whole number", note: str = ""
    ) -> int | None:
        """A whole number from low to high; 1e3 and 20_000 are fine, 2.5 is not."""
        value = self._number(node)
        if value is None or not value.is_integer() or not low <= value <= high:
            self.expected_number(node, where, f"{what} from {low:,} to {high:,}{note}")
            return None
        return int(value)

    @staticmethod
    def _number(node: Node) -> float | None:
        """Numbers are unquoted; YAML 1.1 would read 1e-3 as text, so we parse them ourselves."""
        if not (isinstance(node, Scalar) and node.plain and len(node.value) <= _MAX_NUMBER_TEXT):
            return None
        if not _NUMBER.fullmatch(node.value):
            return None
        try:
            value = float(node.value)
        except ValueError:  # misplaced underscores, such as 1__0
            return None
        return value if math.isfinite(value) else None
