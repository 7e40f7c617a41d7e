"""Arrays laid out left to right as grids of numbered cells, wrapping to new rows: what the
update and sample views draw their operands and results with. The current op's arrays come
first: the largest sizes that fit win, and where not everything fits at 24 px, context
arrays (the ones the current line neither reads nor writes) give way, and are named."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stepper.scene import Cell, Primitive, Rect, Text
from stepper.theme import Theme, ink_on
from stepper.views.frame import Box, Measure
from stepper.views.numbers import block_exponent, factor_text, number_text, top_magnitude

#: (size of the current op's numbers, size of the others) tried in turn, at zoom 1.
SIZES = ((30, 20), (26, 20), (24, 18), (24, 16))
#: ... and once context arrays have given way, smaller sizes for the current op's own.
LAST_RESORT = ((20, 16), (16, 16))


@dataclass(frozen=True)
class Shown:
    title: str  # "W before", "dW", "mem"...
    name: str  # the array's name for hover and tags
    value: np.ndarray | None  # None: not computed yet at the cursor
    role: str = ""  # "operand" | "result" | "" (context)


#: Decimals in these views' cells: an update changes a weight in its third decimal, and
#: sampling compares u with sums of p to three.
DIGITS = 3


def _cells(value: np.ndarray | None, shape: tuple[int, ...]) -> tuple[int, int]:
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
    return rows, cols


def _layout(arrays, width, theme, measure, big, small):
    """Positions (x, y, cell w, cell h, size) per array, and the height used."""
    gap = theme.px(14)
    x, y, row_h, placed = 0, 0, 0, []
    for a in arrays:
        size = theme.px(big if a.role else small)
        shape = a.shape
        rows, cols = _cells(None, shape)
        cw = max(measure(text, size, "sans", False) for text in a.widest) + theme.px(10)
        ch = max(int(size * 1.2), size + 3)
        title_h = int(theme.size("small") * 1.25) + theme.px(3)  # and the ring drawn round the cells
        w = max(cols * cw, measure(a.label, theme.size("small"), "sans", True))
        h = title_h + rows * ch
        if x and x + w > width:
            x, y, row_h = 0, y + row_h + gap, 0
        placed.append((x, y, cw, ch, size, title_h))
        x += w + gap
        row_h = max(row_h, h)
    return placed, y + row_h


_EIGHTS = str.maketrans("0123456789", "8888888888")


@dataclass(frozen=True)
class _Entry:
    title: str
    name: str
    value: np.ndarray | None
    role: str
    shape: tuple[int, ...]

    @cached_property
    def exponent(self) -> int:
        """One scale factor for the whole array, the diagram's rule: tiny ones (a gradient,
        Adam's v) read as `dW ×1e-4` over readable digits, never two formats side by side."""
        if self.value is None or np.asarray(self.value).dtype.kind in "iu":
            return 0
        return block_exponent(top_magnitude(self.value))

    @property
    def label(self) -> str:
        """The title as drawn: with the array's scale factor, when it has one."""
        return f"{self.title} {factor_text(self.exponent)}".strip()

    @cached_property
    def widest(self) -> tuple[str, ...]:
        """The labels that may be the widest, measured instead of all: their forms with every
        digit an 8 (the font's digits share one width), the longest few."""
        if self.value is None:
            return ("-8.888",)
        labels = {number_text(float(v), self.exponent, DIGITS) for v in np.ravel(self.value)}
        forms = {text.translate(_EIGHTS) for text in labels}
        longest = max(len(text) for text in forms)
        return tuple(text for text in forms if len(text) >= longest - 1)


def _within(placed, entries, width: int, measure: Measure) -> bool:
    """Every array ends inside the width (one wider than the box fits at no height)."""
    return all(
        x + max(_cells(None, e.shape)[1] * cw, measure(e.label, size, "sans", True)) <= width
        for (x, _, cw, _, size, _), e in zip(placed, entries, strict=True)
    )


def _fitting(entries: list[_Entry], box: Box, theme: Theme, measure: Measure):
    """(entries kept, placements, height used) at the largest sizes that fit; context arrays
    drop out from the end before the current op's numbers go below 24 px; None if nothing fits."""
    kept = list(entries)
    while True:
        for big, small in SIZES:
            placed, used = _layout(kept, box.w, theme, measure, big, small)
            if used <= box.h and _within(placed, kept, box.w, measure):
                return kept, placed, used
        context = [k for k, e in enumerate(kept) if not e.role]
        if not context:
            break
        del kept[context[-1]]
    for big, small in LAST_RESORT:
        placed, used = _layout(kept, box.w, theme, measure, big, small)
        if used <= box.h and _within(placed, kept, box.w, measure):
            return kept, placed, used
    return None


def draw_arrays(
    shown: list[Shown], shapes: list[tuple[int, ...]], box: Box, theme: Theme, measure: Measure, scale: float
) -> tuple[list[Primitive], int, list[str]] | None:
    """The arrays in `box`, the height used and the titles of context arrays left out for
    room; None if even the current op's arrays do not fit at the smallest size."""
    entries = [
        _Entry(s.title, s.name, s.value, s.role, shape) for s, shape in zip(shown, shapes, strict=True)
    ]
    fitting = _fitting(entries, box, theme, measure)
    if fitting is None:
        return None
    kept, placed, used = fitting
    left_out = [e.title for e in entries if not any(e is k for k in kept)]
    entries = kept
    items: list[Primitive] = []
    for e, (x, y, cw, ch, size, title_h) in zip(entries, placed, strict=True):
        x, y = box.x + x, box.y + y
        color = theme.result if e.role == "result" else theme.text
        items.append(Text(x, y, e.label, theme.size("small"), color, bold=True, tag=f"array-title:{e.name}"))
        rows, cols = _cells(e.value, e.shape)
        grid = None if e.value is None else np.asarray(e.value, dtype=np.float64).reshape(rows, cols)
        top = y + title_h
        for r in range(rows):
            for c in range(cols):
                v = None if grid is None else float(grid[r, c])
                fill = theme.blank if v is None else theme.diverging(v, scale)
                label = "" if v is None else number_text(v, e.exponent, DIGITS)  # an index exactly
                index = (r, c) if len(e.shape) == 2 else (c,)
                items.append(
                    Cell(
                        x + c * cw,
                        top + r * ch,
                        cw - 2,
                        ch - 2,
                        fill,
                        label,
                        size,
                        ink_on(fill),
                        e.name,
                        index,
                        v,
                    )
                )
        if e.role:
            outline = theme.result if e.role == "result" else theme.operand
            items.append(
                Rect(
                    x - 3,
                    top - 3,
                    cols * cw + 4,
                    rows * ch + 4,
                    None,
                    outline,
                    theme.px(3),
                    tag=f"{e.role}:{e.name}",
                )
            )
    return items, used, left_out


def panels_waiting(frame_panels: tuple[str, ...], phase: str) -> str:
    """The line a pass with its own diagram shows about the open panels it leaves out."""
    waiting = [p for p in frame_panels if p != "compare"]
    if not waiting:
        return ""
    return (
        f"Open panels ({', '.join(waiting)}) wait in the forward and backward passes (B): "
        f"the {phase} pass needs their room for its numbers."
    )
