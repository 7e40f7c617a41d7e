"""Big numbers (Z): the current op alone, as a worked equation across the screen, every
operand and the result with its name and every one of its numbers, large enough to copy
from the back of a room. A long equation wraps onto more rows before its text shrinks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepper.scene import Line, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.code import Operand, equation
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import format_array

#: Text px at 1280x720, scaled with the window: the largest size that fits is used.
LARGEST_PX = 40
SMALLEST_PX = 24
REFERENCE = (1280, 720)
CONDENSE_ABOVE = (256, 64, 16)  # arrays with more numbers are named with their shape, in turn
CUT_NOTE = "… more of this equation in a larger window"


@dataclass(frozen=True)
class _Piece:
    """One thing placed on an equation row: a word of code, or a named array."""

    w: int
    above: int  # from the row's axis (the middle of the numbers) up
    below: int
    text: str = ""
    operand: Operand | None = None
    role: str = "operand"  # "operand" | "result"
    condensed: bool = False  # named with its shape: too many numbers for the window


class _Style:
    """Sizes of one attempt: text px, and whether names go over arrays or before them."""

    def __init__(self, px: int, label_px: int, label_left: bool, measure: Measure) -> None:
        self.px, self.label_px, self.label_left, self.measure = px, label_px, label_left, measure
        self.line = round(px * 1.2)  # a row of numbers
        self.char = measure("0", px, "mono", False)
        self.bracket = max(6, px // 3)
        self.label_h = round(label_px * 1.25)

    def text_w(self, text: str) -> int:
        return self.measure(text, self.px, "mono", False)

    def label_w(self, name: str) -> int:
        return self.measure(name, self.label_px, "mono", True)

    def grid(self, cells: list[list[str]]) -> tuple[int, int, list[int]]:
        widths = [max(self.text_w(row[j]) for row in cells) for j in range(len(cells[0]))]
        w = sum(widths) + self.char * (len(widths) - 1) + 2 * (self.bracket + self.char // 2)
        return w, self.line * len(cells), widths


def _cells(operand: Operand) -> list[list[str]]:
    """Each number as the rest of the app writes it, in rows (a vector is one row)."""
    value = np.asarray(operand.value)
    if value.ndim == 0:
        if operand.name == "target":  # an index into the vocabulary, not a measurement
            return [[str(int(value))]]
        return [[format_array(value)]]
    grid = value.reshape(1, -1) if value.ndim == 1 else value.reshape(value.shape[0], -1)
    return [[format_array(v) for v in row] for row in grid]


def _shape_note(operand: Operand) -> str:
    shape = "x".join(str(n) for n in np.shape(operand.value))
    return f"({shape}: too many numbers to show here)"


def _pieces(name: str, parts, result: Operand, style: _Style, most: int | None) -> list[_Piece]:
    """The equation as pieces: `name =`, the right side, then `= result`."""
    half = style.line // 2
    pieces: list[_Piece] = []

    def words(text: str) -> None:
        for word in text.split():
            pieces.append(_Piece(style.text_w(word), half, style.line - half, text=word))

    def array(operand: Operand, role: str) -> None:
        condensed = most is not None and np.size(operand.value) > most
        if condensed:  # a user's 64 x 64 matrix: its name and shape, said plainly
            w, h = style.text_w(_shape_note(operand)), style.line
        else:
            w, h, _ = style.grid(_cells(operand))
        label = style.label_w(operand.name)
        if style.label_left:
            w, above = label + style.char // 2 + w, max(h // 2, style.label_h // 2)
            below = max(h - h // 2, style.label_h - style.label_h // 2)
        else:
            w, above, below = max(w, label), style.label_h + h // 2, h - h // 2
        pieces.append(_Piece(w, above, below, operand=operand, role=role, condensed=condensed))

    words(f"{name} =")
    for part in parts:
        if isinstance(part, Operand):
            array(part, "operand")
        else:
            words(part)
    words("=")
    array(result, "result")
    return pieces


def _rows(pieces: list[_Piece], width: int, space: int) -> list[list[_Piece]]:
    """Greedy wrapping: a piece that does not fit the row starts the next one."""
    rows: list[list[_Piece]] = [[]]
    x = 0
    for piece in pieces:
        if rows[-1] and x + piece.w > width:
            rows.append([])
            x = 0
        rows[-1].append(piece)
        x += piece.w + space
    return rows


def _height(row: list[_Piece]) -> tuple[int, int]:
    return max(p.above for p in row), max(p.below for p in row)


@dataclass(frozen=True)
class _Layout:
    style: _Style
    rows: list[list[_Piece]]
    gap: int  # between rows
    height: int


def _layout(name, parts, result, area: Box, style: _Style, most: int | None) -> _Layout:
    pieces = _pieces(name, parts, result, style, most)
    rows = _rows(pieces, area.w, style.char)
    gap = round(style.px * 0.4)
    height = sum(sum(_height(r)) for r in rows) + gap * (len(rows) - 1)
    return _Layout(style, rows, gap, height)


def _fits(layout: _Layout, area: Box) -> bool:
    return layout.height <= area.h and all(p.w <= area.w for row in layout.rows for p in row)


def _choose(name, parts, result, area: Box, largest: int, smallest: int, measure: Measure) -> _Layout:
    """The largest text that fits, wrapping onto more rows first (names over the arrays,
    else before them); only when even the smallest text cannot hold every number are the
    largest arrays named with their shape instead."""
    for most in (None, *CONDENSE_ABOVE):
        for px in range(largest, smallest - 1, -1):
            label_px = max(smallest, round(px * 0.75))
            for label_left in (False, True):
                layout = _layout(name, parts, result, area, _Style(px, label_px, label_left, measure), most)
                if _fits(layout, area):
                    return layout
    style = _Style(smallest, smallest, True, measure)
    return _layout(name, parts, result, area, style, CONDENSE_ABOVE[-1])


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
    layout = _choose(name, parts, Operand(name, step.output), area, largest, smallest, measure)
    style = layout.style
    y = area.y + max(0, (area.h - layout.height) // 2)
    widest = max(sum(p.w for p in r) + style.char * (len(r) - 1) for r in layout.rows)
    left = area.x + max(0, (area.w - widest) // 2)
    for row in layout.rows:
        above, below = _height(row)
        if y + above + below > area.bottom:  # only in a window too small for any layout
            note_y = box.bottom - pad - round(smallest * 1.25)
            items.append(Text(area.x, note_y, CUT_NOTE, smallest, theme.bad, tag="big-cut"))
            break
        axis, x = y + above, left
        for piece in row:
            if piece.operand is None:
                top = axis - style.line // 2 + (style.line - style.px) // 2
                items.append(Text(x, top, piece.text, style.px, theme.text, font="mono", tag="big-code"))
            else:
                items += _array(piece, x, axis, style, theme)
            x += piece.w + style.char
        y += above + below + layout.gap
    return items


def _array(piece: _Piece, x: int, axis: int, style: _Style, theme: Theme) -> list[Primitive]:
    """A named array: its name over (or before) a bracketed grid of its numbers, columns
    right-aligned so the decimal points line up."""
    operand = piece.operand
    assert operand is not None
    color = theme.result if piece.role == "result" else theme.text
    key = "result" if piece.role == "result" else operand.name
    items: list[Primitive] = []
    if style.label_left:
        label_y = axis - round(style.label_px * 1.17) // 2
        items.append(
            Text(
                x, label_y, operand.name, style.label_px, color, font="mono", bold=True, tag=f"big-name:{key}"
            )
        )
        x += style.label_w(operand.name) + style.char // 2
    if piece.condensed:
        note = _shape_note(operand)
        top = axis - style.line // 2
        items.append(Text(x, top, note, style.px, theme.dim, font="mono", tag=f"big-shape:{key}"))
    else:
        cells = _cells(operand)
        w, h, widths = style.grid(cells)
        top = axis - h // 2
        inner = x + style.bracket + style.char // 2
        for i, row in enumerate(cells):
            cx = inner
            for j, label in enumerate(row):
                items.append(
                    Text(
                        cx + widths[j] - style.text_w(label),
                        top + i * style.line + (style.line - round(style.px * 1.17)) // 2,
                        label,
                        style.px,
                        color,
                        font="mono",
                        tag=f"big-value:{key}:{_index(operand.value, i, j)}",
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
    if not style.label_left:
        items.append(
            Text(
                x,
                top - style.label_h,
                operand.name,
                style.label_px,
                color,
                font="mono",
                bold=True,
                tag=f"big-name:{key}",
            )
        )
    return items


def _index(value: np.ndarray, i: int, j: int) -> str:
    """The element's index as numpy writes it: "" for a scalar, "2" in a vector, "1,2"."""
    ndim = np.ndim(value)
    return "" if ndim == 0 else str(j) if ndim == 1 else f"{i},{j}"
