"""Text fitting shared by every panel: nothing may run off its box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stepper.views.frame import Measure

if TYPE_CHECKING:
    from stepper.scene import Text
    from stepper.theme import Theme
    from stepper.views.frame import Box


def fit(text: str, width: int, size: int, measure: Measure, font: str = "sans", bold: bool = False) -> str:
    """`text`, cut with an ellipsis if it is wider than `width` px."""
    if measure(text, size, font, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid] + "…", size, font, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def wrap(text: str, width: int, size: int, measure: Measure, font: str = "sans") -> list[str]:
    """Greedy word wrap; a word wider than a line is broken over several, so none of it is lost."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if measure(candidate, size, font, False) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while len(word) > 1 and measure(word, size, font, False) > width:
                cut = _fitting(word, width, size, measure, font)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _fitting(word: str, width: int, size: int, measure: Measure, font: str) -> int:
    """How many leading characters of `word` fit in `width` px (at least one)."""
    lo, hi = 1, min(len(word) - 1, max(1, width))  # no glyph is narrower than a pixel
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(word[:mid], size, font, False) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def format_array(value: object, digits: int = 2) -> str:
    """[0.31, -0.02, 0.90] for vectors, nested for matrices, plain for scalars."""
    import numpy as np

    arr = np.asarray(value)
    if arr.ndim == 0:
        v = arr.item()
        return str(v) if isinstance(v, int) else f"{float(v):.{digits}f}"
    return "[" + ", ".join(format_array(v, digits) for v in arr) + "]"


def panel_title(box: Box, text: str, theme: Theme, measure: Measure, tag: str = "") -> Text:
    """A panel's bold title in its top-left corner, cut to the panel's width."""
    from stepper.scene import Text

    pad = theme.px(14)
    size = theme.size("title")
    shown = fit(text, box.w - 2 * pad, size, measure, bold=True)
    return Text(box.x + pad, box.y + pad, shown, size, theme.text, bold=True, tag=tag)
