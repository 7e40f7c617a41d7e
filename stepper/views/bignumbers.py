"""Big numbers (Z): the current op alone, as a worked equation across the screen, every
operand and the result with its name and every one of its numbers, large enough to copy
from the back of a room. A long equation wraps onto more rows before its text shrinks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from stepper.scene import Line, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.code import Operand, equation
from stepper.views.frame import Box, Frame, Measure
from stepper.views.numbers import factor_text, number_text

#: Text px at 1280x720, scaled with the window: the largest size that fits is used.
LARGEST_PX = 40
SMALLEST_PX = 24
REFERENCE = (1280, 720)
CONDENSE_ABOVE = (256, 64, 16)  # arrays with more numbers are named with their shape, in turn
CUT_NOTE = "… more of this equation in a larger window"


@dataclass(frozen=True)
class _Piece:
    """One thing placed on an equation row: a word of code, or a named array (or a run of
    its columns, when the whole is wider than the row)."""

    w: int
    above: int  # from the row's axis (the middle of the numbers) up
    below: int
    text: str = ""
    operand: Operand | None = None
    role: str = "operand"  # "operand" | "result"
    condensed: bool = False  # named with its shape: too many numbers for the window
    cols: range | None = None  # the columns shown here; None: all of them
    label: str = ""  # the array's name as shown (with its columns, when only some are)
    reach: int = 0  # its width with a name wider than its numbers (over the code after it)
    glued: bool = False  # written against the piece before it (`W.T`, `tanh(a`): no break between

    @property
    def right(self) -> int:
        return max(self.w, self.reach)


class _Style:
    """Sizes of one attempt: text px, and whether names go over arrays or before them."""

    def __init__(
        self, px: int, label_px: int, label_left: bool, measure: Measure, upright: bool = False
    ) -> None:
        self.px, self.label_px, self.label_left, self.measure = px, label_px, label_left, measure
        self.upright = upright  # vectors drawn as columns (where the grid can)
        self.line = round(px * 1.2)  # a row of numbers
        self.char = measure("0", px, "mono", False)
        self.bracket = max(6, px // 3)
        self.label_h = round(label_px * 1.25)

    def text_w(self, text: str) -> int:
        return self.measure(text, self.px, "mono", False)

    def label_w(self, name: str) -> int:
        return self.measure(name, self.label_px, "mono", True)


class Grid(Protocol):
    """How an equation draws an array's numbers: measured, then drawn, at a style's size."""

    uprights: tuple[bool, ...]  # the ways it can draw a vector, tried in turn: as a column, a row

    def shape(self, operand: Operand, style: _Style) -> tuple[int, int]:
        """(rows, columns) it draws the array in."""
        ...

    def size(self, operand: Operand, cols: range | None, style: _Style) -> tuple[int, int]:
        """(w, h) of the numbers of these columns."""
        ...

    def factor(self, operand: Operand) -> str:
        """What the name adds when the numbers are scaled (`×1e-3`), else ""."""
        ...

    def draw(
        self, operand: Operand, cols: range | None, x: int, top: int, style: _Style, theme: Theme, role: str
    ) -> list[Primitive]: ...


def _cells(operand: Operand, exponent: int) -> list[list[str]]:
    """Each number as the rest of the app writes it (divided by 10**exponent, the factor
    on the array's name), in rows (a vector is one row)."""
    value = np.asarray(operand.value)
    if value.ndim == 0:
        if operand.name == "target":  # an index into the vocabulary, not a measurement
            return [[str(int(value))]]
        return [[number_text(float(value), exponent)]]
    grid = value.reshape(1, -1) if value.ndim == 1 else value.reshape(value.shape[0], -1)
    return [[number_text(float(v), exponent) for v in row] for row in grid]


def columns(value: np.ndarray) -> int:
    """How many columns an equation draws an array in (a vector is one row)."""
    shape = np.shape(value)
    return int(np.prod(shape[1:])) if len(shape) > 1 else shape[0] if shape else 1


def grid_index(value: np.ndarray, i: int, j: int) -> tuple[int, ...]:
    """The element's index as numpy has it: (0,) for a scalar, (j,) in a vector, (i, j)."""
    ndim = np.ndim(value)
    return (0,) if ndim == 0 else (j,) if ndim == 1 else (i, j)


class TextGrid:
    """The big-numbers view's arrays: bracketed numbers, columns right-aligned so the
    decimal points line up. `exponent` gives each array's scale factor (its name's power of
    ten), the diagram's own, so a tiny gradient keeps readable digits here too."""

    uprights = (False,)

    def __init__(self, exponent: Callable[[Operand], int]) -> None:
        self.exponent = exponent

    def shape(self, operand: Operand, style: _Style) -> tuple[int, int]:
        shape = np.shape(operand.value)
        return (shape[0] if len(shape) > 1 else 1), columns(operand.value)

    def _texts(self, operand: Operand, cols: range | None, style: _Style):
        cells = _cells(operand, self.exponent(operand))
        if cols is not None:
            cells = [row[cols.start : cols.stop] for row in cells]
        widths = [max(style.text_w(row[j]) for row in cells) for j in range(len(cells[0]))]
        return cells, widths

    def size(self, operand: Operand, cols: range | None, style: _Style) -> tuple[int, int]:
        cells, widths = self._texts(operand, cols, style)
        w = sum(widths) + style.char * (len(widths) - 1) + 2 * (style.bracket + style.char // 2)
        return w, style.line * len(cells)

    def factor(self, operand: Operand) -> str:
        return factor_text(self.exponent(operand))

    def draw(
        self, operand: Operand, cols: range | None, x: int, top: int, style: _Style, theme: Theme, role: str
    ) -> list[Primitive]:
        color = theme.result if role == "result" else theme.text
        key = "result" if role == "result" else operand.name
        cells, widths = self._texts(operand, cols, style)
        w, h = self.size(operand, cols, style)
        first = cols.start if cols is not None else 0
        items: list[Primitive] = []
        inner = x + style.bracket + style.char // 2
        for i, row in enumerate(cells):
            cx = inner
            for j, label in enumerate(row):
                index = ",".join(map(str, grid_index(operand.value, i, first + j)[: np.ndim(operand.value)]))
                items.append(
                    Text(
                        cx + widths[j] - style.text_w(label),
                        top + i * style.line + (style.line - round(style.px * 1.17)) // 2,
                        label,
                        style.px,
                        color,
                        font="mono",
                        tag=f"big-value:{key}:{index}",
                    )
                )
                cx += widths[j] + style.char
        bottom = top + h
        for side, edge in ((1, x + 2), (-1, x + w - 2)):
            items += [
                Line(edge, top, edge, bottom, color, 2, tag="big-bracket"),
                Line(edge, top, edge + side * style.bracket, top, color, 2, tag="big-bracket"),
                Line(edge, bottom, edge + side * style.bracket, bottom, color, 2, tag="big-bracket"),
            ]
        return items


def _shape_note(operand: Operand) -> str:
    shape = "x".join(str(n) for n in np.shape(operand.value))
    return f"({shape}: too many numbers to show here)"


def _slice_name(operand: Operand, cols: range | None) -> str:
    """`Wxh[:, 0:5]`: the columns a piece shows, the way the code would slice them."""
    if cols is None:
        return operand.name
    cut = f"{cols.start}:{cols.stop}"
    return f"{operand.name}[:, {cut}]" if np.ndim(operand.value) == 2 else f"{operand.name}[{cut}]"


def _pieces(
    name: str, parts, result: Operand, style: _Style, grid: Grid, most: int | None, width: int | None
) -> list[_Piece]:
    """The equation as pieces: `name =`, the right side, then `= result`. With a `width`, an
    array wider than that is cut into runs of its columns, each named with its slice."""
    half = style.line // 2
    pieces: list[_Piece] = []

    def words(text: str) -> None:
        for k, word in enumerate(text.split()):
            glued = k == 0 and bool(pieces) and not text[:1].isspace()
            pieces.append(_Piece(style.text_w(word), half, style.line - half, text=word, glued=glued))

    def piece(operand: Operand, role: str, cols: range | None, condensed: bool) -> _Piece:
        if condensed:  # a user's 64 x 64 matrix: its name and shape, said plainly
            w, h = style.text_w(_shape_note(operand)), style.line
        else:
            w, h = grid.size(operand, cols, style)
        factor = grid.factor(operand)
        label = f"{_slice_name(operand, cols)} {factor}".strip()
        label_w = style.label_w(label)
        if style.label_left:
            w, above = label_w + style.char // 2 + w, max(h // 2, style.label_h // 2)
            below = max(h - h // 2, style.label_h - style.label_h // 2)
            reach = w
        else:  # a name wider than the numbers may reach over the code words after them
            reach, above, below = max(w, label_w), style.label_h + h // 2, h - h // 2
        return _Piece(w, above, below, "", operand, role, condensed, cols, label, reach)

    def array(operand: Operand, role: str, glued: bool) -> None:
        condensed = most is not None and np.size(operand.value) > most
        whole = replace(piece(operand, role, None, condensed), glued=glued)
        n = grid.shape(operand, style)[1]
        if condensed or width is None or whole.right <= width or n < 2:
            pieces.append(whole)
            return
        for runs in range(2, n + 1):  # as few runs as fit, of near-equal widths
            step = -(-n // runs)
            cut = [piece(operand, role, range(a, min(n, a + step)), False) for a in range(0, n, step)]
            if all(p.right <= width for p in cut) or runs == n:
                pieces.extend(cut)
                return

    words(f"{name} =")
    text = ""  # code between two arrays, whole: `.T @`, not `. T @`
    for part in parts:
        if isinstance(part, Operand):
            words(text)
            array(part, "operand", bool(text) and not text[-1:].isspace())
            text = ""
        else:
            text += part
    words(text)
    words("=")
    array(result, "result", False)
    return pieces


def _rows(pieces: list[_Piece], width: int, space: int) -> list[list[tuple[int, _Piece]]]:
    """Greedy wrapping, each piece with its x in the row: a piece that does not fit the row
    starts the next one, with the pieces it is glued to. An array starts after the name of
    the array before it."""
    rows: list[list[tuple[int, _Piece]]] = [[]]
    x = free = 0  # where the next piece may start; the next array

    def place(piece: _Piece) -> None:
        nonlocal x, free
        start = x if piece.operand is None else max(x, free)
        rows[-1].append((start, piece))
        x = start + piece.w + space
        if piece.operand is not None:
            free = start + piece.right + space

    for piece in pieces:
        start = x if piece.operand is None else max(x, free)
        if rows[-1] and start + piece.right > width:
            carried = [piece]
            while carried[0].glued and len(rows[-1]) > 1:
                carried.insert(0, rows[-1].pop()[1])
            rows.append([])
            x = free = 0
            for moved in carried:
                place(moved)
        else:
            place(piece)
    return rows


def _height(row: list[tuple[int, _Piece]]) -> tuple[int, int]:
    return max(p.above for _, p in row), max(p.below for _, p in row)


@dataclass(frozen=True)
class Layout:
    """A worked equation laid out for a box: its rows of pieces at one style."""

    style: _Style
    rows: list[list[tuple[int, _Piece]]]  # each piece with its x in the row
    gap: int  # between rows
    height: int
    most: int | None  # arrays with more numbers named with their shape (None: none)
    cut: bool  # arrays wider than the box cut into runs of columns

    @property
    def width(self) -> int:
        return max(x + p.right for r in self.rows for x, p in r)

    @property
    def whole(self) -> bool:
        """Every number shown (no array named with its shape instead)."""
        return not any(p.condensed for row in self.rows for _, p in row)


def _layout(name, parts, result, area: Box, style: _Style, grid: Grid, most, cut: bool) -> Layout:
    pieces = _pieces(name, parts, result, style, grid, most, area.w if cut else None)
    rows = _rows(pieces, area.w, style.char)
    gap = round(style.px * 0.4)
    height = sum(sum(_height(r)) for r in rows) + gap * (len(rows) - 1)
    return Layout(style, rows, gap, height, most, cut)


def lay_out_again(layout: Layout, name, parts, result, area: Box, grid: Grid) -> Layout:
    """The same equation laid out as `layout` was (its size, names' place, cuts), with the
    values of another place: what a remembered layout draws."""
    return _layout(name, parts, result, area, layout.style, grid, layout.most, layout.cut)


def _fits(layout: Layout, area: Box) -> bool:
    return layout.height <= area.h and layout.width <= area.w


def lay_out(
    name,
    parts,
    result,
    area: Box,
    largest: int,
    smallest: int,
    measure: Measure,
    grid: Grid,
    condense: bool = True,
    names_px: int | None = None,
) -> Layout | None:
    """The largest text that fits, wrapping onto more rows first (vectors as the grid draws
    them, names over the arrays, else before them; names at `names_px` or more, by default
    `smallest`); then arrays wider than the box cut into runs of columns; only when even the
    smallest text cannot hold every number (and `condense`) are the largest arrays named with
    their shape instead (None when not). Its last resort may not fit."""
    attempts = [(None, False), (None, True)] + ([(most, True) for most in CONDENSE_ABOVE] if condense else [])
    least = smallest if names_px is None else names_px
    too_wide = False  # some array wider than the box: cutting it into runs may help
    for most, cut in attempts:
        if cut and not too_wide and most is None:
            continue  # nothing to cut: the same layouts again
        for px in range(largest, smallest - 1, -1):
            label_px = max(least, round(px * 0.75))
            for upright in grid.uprights:
                for label_left in (False, True):
                    style = _Style(px, label_px, label_left, measure, upright)
                    layout = _layout(name, parts, result, area, style, grid, most, cut)
                    if _fits(layout, area):
                        return layout
                    too_wide = too_wide or layout.width > area.w
    if not condense:
        return None
    style = _Style(smallest, smallest, True, measure)
    return _layout(name, parts, result, area, style, grid, CONDENSE_ABOVE[-1], True)


def draw_layout(
    layout: Layout, area: Box, grid: Grid, theme: Theme, prefix: str, middle: bool = True
) -> tuple[list[Primitive], bool]:
    """The equation's rows in the area, centred across it (and down it when `middle`);
    whether every row fit."""
    style = layout.style
    y = area.y + (max(0, (area.h - layout.height) // 2) if middle else 0)
    left = area.x + max(0, (area.w - layout.width) // 2)
    items: list[Primitive] = []
    for row in layout.rows:
        above, below = _height(row)
        if y + above + below > area.bottom:  # only in a window too small for any layout
            return items, False
        axis = y + above
        for start, piece in row:
            x = left + start
            if piece.operand is None:
                top = axis - style.line // 2 + (style.line - style.px) // 2
                items.append(
                    Text(x, top, piece.text, style.px, theme.text, font="mono", tag=f"{prefix}-code")
                )
            else:
                items += _array(piece, x, axis, style, grid, theme, prefix)
        y += above + below + layout.gap
    return items, True


def build_big_numbers(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """The status bar below says where this op is and how to go back."""
    step = frame.step
    scale = min(box.w / REFERENCE[0], (box.h + theme.px(44)) / REFERENCE[1])
    smallest = max(theme.size("small"), round(SMALLEST_PX * scale))
    largest = max(smallest, round(LARGEST_PX * scale))
    pad = max(theme.px(12), round(16 * scale))
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, None, tag="big-numbers")]
    area = Box(box.x + pad, box.y + pad, box.w - 2 * pad, box.h - 2 * pad)
    name, parts = equation(frame)
    from stepper.views.diagram import shown_exponent  # the diagram lays out with this module

    grid = TextGrid(lambda operand: shown_exponent(frame, operand))
    layout = lay_out(name, parts, Operand(name, step.output), area, largest, smallest, measure, grid)
    assert layout is not None
    drawn, whole = draw_layout(layout, area, grid, theme, "big")
    items += drawn
    if not whole:
        note_y = box.bottom - pad - round(smallest * 1.25)
        items.append(Text(area.x, note_y, CUT_NOTE, smallest, theme.bad, tag="big-cut"))
    return items


def _array(
    piece: _Piece, x: int, axis: int, style: _Style, grid: Grid, theme: Theme, prefix: str
) -> list[Primitive]:
    """A named array: its name over (or before) its numbers."""
    operand = piece.operand
    assert operand is not None
    color = theme.result if piece.role == "result" else theme.text
    key = "result" if piece.role == "result" else operand.name
    items: list[Primitive] = []
    name_tag = f"{prefix}-name:{key}"
    if style.label_left:
        label_y = axis - round(style.label_px * 1.17) // 2
        items.append(
            Text(x, label_y, piece.label, style.label_px, color, font="mono", bold=True, tag=name_tag)
        )
        x += style.label_w(piece.label) + style.char // 2
    if piece.condensed:
        note = _shape_note(operand)
        top = axis - style.line // 2
        items.append(Text(x, top, note, style.px, theme.dim, font="mono", tag=f"{prefix}-shape:{key}"))
    else:
        h = grid.size(operand, piece.cols, style)[1]
        top = axis - h // 2
        items += grid.draw(operand, piece.cols, x, top, style, theme, piece.role)
    if not style.label_left:
        items.append(
            Text(
                x,
                top - style.label_h,
                piece.label,
                style.label_px,
                color,
                font="mono",
                bold=True,
                tag=name_tag,
            )
        )
    return items
