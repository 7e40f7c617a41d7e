"""What every look-inside panel shares: its card and title, which values exist yet at
the cursor, number formats, colour keys, log axes, grids of cells, and memoising.

Panels are rebuilt only when something they show changes: the builders key their
output on a few cursor-derived numbers, and the renderer skips a layer whose
primitives are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from stepper.navigation import Cursor
from stepper.scene import Cell, Primitive, Raster, Rect, Text
from stepper.theme import RGB, Theme, ink_on
from stepper.trace import BACKWARD, FORWARD, Trace
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
TICK_GAP = 6  # px at zoom 1 between a tick label and what it labels
RASTER_BELOW = 12  # px: cells smaller than this are drawn as one image, as the diagram does

# ----- which values exist at the cursor ------------------------------------------------

_OPS: WeakKeyDictionary[Trace, dict[tuple[str, str], np.ndarray]] = WeakKeyDictionary()


def op_steps(trace: Trace, phase: str, op: str) -> np.ndarray:
    """Step index at which `op` is written in each timestep of `phase` (-1: never)."""
    table = _OPS.setdefault(trace, {})
    found = table.get((phase, op))
    if found is None:
        found = np.full(trace.length, -1, dtype=np.int64)
        ops = [line.op for line in trace.listing(phase).ops]  # every block runs them in order
        if op in ops:
            k = ops.index(op)
            for t in range(trace.length):
                span = trace.timestep_range(phase, t)
                if k < len(span):
                    found[t] = span[k]
        table[(phase, op)] = found
    return found


def known(trace: Trace, cursor: Cursor, phase: str, op: str) -> np.ndarray:
    """Per timestep: has `op` of `phase` been computed when the cursor stands where it
    does? Panels follow the cursor like the diagram: nothing is shown before it exists.
    Going backward, every forward value is known; going forward, no gradient is."""
    if cursor.phase != phase:
        return np.full(trace.length, phase == FORWARD and cursor.phase == BACKWARD)
    steps = op_steps(trace, phase, op)
    return (steps >= 0) & (steps <= cursor.index)


# ----- memo ---------------------------------------------------------------------------

_MEMO: WeakKeyDictionary[Trace, dict[tuple, list[Primitive]]] = WeakKeyDictionary()
MEMO_LIMIT = 256  # built panels kept per trace


def memo(trace: Trace, key: tuple, build: Callable[[], list[Primitive]]) -> list[Primitive]:
    """The panel built for `key` on this trace, built once; forgotten with the trace."""
    kept = _MEMO.setdefault(trace, {})
    items = kept.get(key)
    if items is None:
        if len(kept) >= MEMO_LIMIT:
            kept.clear()
        items = kept[key] = build()
    return items


#: (array name, index) of the cell pointed at: where the pointer is inside it does not matter
Pointed = tuple[str, tuple[int, ...]]


def panel_hover(frame: Frame, panel: str) -> Pointed | None:
    """The cell pointed at, if it is one of this panel's (their names are 'panel:array')."""
    hover = frame.state.hover
    if hover is not None and hover.kind == "cell" and hover.name.startswith(panel + ":"):
        return hover.name, hover.index
    return None


@dataclass(frozen=True)
class Reading:
    """The value under the pointer, for a panel's readout line."""

    name: str
    index: tuple[int, ...]
    value: float


#: array name -> (values, known): what a raster stands for, so pointing at it still reads a value
Grids = Mapping[str, tuple[np.ndarray, np.ndarray]]


def hovered_cell(
    items: Sequence[Primitive], pointed: Pointed | None, grids: Grids | None = None
) -> Reading | None:
    """What the pointer reads in this panel: a cell's value, or a raster's value from its array."""
    if pointed is None:
        return None
    name, index = pointed
    for item in items:
        if isinstance(item, Cell) and (item.name, item.index) == pointed and item.value is not None:
            return Reading(name, index, item.value)
        if isinstance(item, Raster) and item.name == name and grids and name in grids:
            values, shown = grids[name]
            index = index if len(index) == 2 else (index[0], 0)
            if all(0 <= i < n for i, n in zip(index, values.shape, strict=True)) and shown[index]:
                return Reading(name, index, float(values[index]))
    return None


# ----- numbers ------------------------------------------------------------------------


def number(value: float | None, digits: int = 3) -> str:
    """`digits` significant figures, exponent form for the very small or large."""
    if value is None:
        return "not yet"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
        return f"{value:.{decimals}f}"
    return f"{value:.{max(0, digits - 1)}e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def power_of_ten(k: int) -> str:
    """10^k as people write it on an axis: 0.01, 0.1, 1, 10, 100, then 10⁻³ and 10³."""
    if -2 <= k <= 2:
        return {-2: "0.01", -1: "0.1", 0: "1", 1: "10", 2: "100"}[k]
    return "10" + str(k).translate(SUPERSCRIPT)


def cell_label(value: float, width: int, height: int, size: int, measure: Measure) -> str:
    """The number in a cell when it fits its box; else nothing (the readout has it)."""
    if height < size + 2:
        return ""
    if math.isnan(value) or math.isinf(value):
        text = number(value)
    elif abs(value) < 0.005 and value != 0:
        text = f"{value:.0e}".replace("e-0", "e-")
    else:
        text = f"{value:.2f}"
        if text in ("0.00", "-0.00"):
            text = "0"
        if measure(text, size, "sans", False) + 4 > width:
            text = text.replace("0.", ".", 1) if abs(value) < 1 else f"{value:.1f}"
    return text if measure(text, size, "sans", False) + 4 <= width else ""


# ----- the card ------------------------------------------------------------------------


def content_box(box: Box, theme: Theme) -> Box:
    """Where a panel draws, below its title row."""
    pad = theme.px(8)
    top = box.y + pad + round(theme.size("text") * 1.3)
    return Box(box.x + pad, top, box.w - 2 * pad, max(0, box.bottom - pad - top))


def title_middle(box: Box, theme: Theme) -> int:
    """The y of the title row's middle: keys and readouts beside the title sit on it."""
    return box.y + theme.px(8) + theme.size("text") * 2 // 3


def card(
    box: Box, theme: Theme, measure: Measure, panel: str, title: str
) -> tuple[list[Primitive], Box, int]:
    """The panel's ground, border and title; returns (items, box below the title, x where
    the title ends). The whole box is painted: the layer is redrawn alone."""
    pad = theme.px(8)
    size = theme.size("text")
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag=f"panel:{panel}")
    ]
    shown = fit(title, box.w - 2 * pad, size, measure, bold=True)
    items.append(Text(box.x + pad, box.y + pad, shown, size, theme.text, bold=True, tag=f"title:{panel}"))
    return items, content_box(box, theme), box.x + pad + measure(shown, size, "sans", True)


def beside_title(
    items: list[Primitive],
    box: Box,
    title_end: int,
    theme: Theme,
    measure: Measure,
    key: Sequence[Primitive],
    key_left: int,
    readout: str,
    hovering: bool,
    tag: str,
) -> None:
    """The title row's right side: the colour key, or while a cell of this panel is
    pointed at and there is no readout line, that cell's value in full."""
    gap = theme.px(16)
    if hovering:
        x = title_end + gap
        width = box.right - theme.px(8) - x
        items.append(note(x, title_middle(box, theme), readout, width, theme, measure, tag, anchor="midleft"))
    elif key_left > title_end + gap:
        items.extend(key)


def line_height(theme: Theme) -> int:
    return round(theme.size("small") * 1.3)


def note(x: int, y: int, text: str, width: int, theme: Theme, measure: Measure, tag: str, **kw) -> Text:
    """One line of small text, cut to `width`."""
    size = theme.size("small")
    return Text(x, y, fit(text, width, size, measure), size, kw.pop("color", theme.dim), tag=tag, **kw)


def too_small(area: Box, theme: Theme, measure: Measure, panel: str) -> list[Primitive]:
    """What a panel says when its box cannot hold its picture (if it can hold that)."""
    if area.h < line_height(theme):
        return []
    return [note(area.x, area.y, "needs a taller panel", area.w, theme, measure, f"{panel}-small")]


def diverging_key(box: Box, theme: Theme, measure: Measure, scale: float, tag: str):
    """The symmetric blue/orange key, -scale .. +scale, at the title row's right end."""
    return colour_key(
        box.right - theme.px(8),
        title_middle(box, theme),
        theme,
        measure,
        lambda f: theme.diverging((2 * f - 1) * scale, scale),
        number(-scale, 2),
        "+" + number(scale, 2),
        tag,
    )


def colour_key(
    right: int,
    y: int,
    theme: Theme,
    measure: Measure,
    colour: Callable[[float], RGB],
    low: str,
    high: str,
    tag: str,
    lead: str = "",
) -> tuple[list[Primitive], int]:
    """A small colour strip `lead low [strip] high`, right-aligned at `right`, centred on
    y; returns (items, left edge) so the caller can check it does not meet the title."""
    size = theme.size("small")
    gap = theme.px(TICK_GAP)
    segments, seg_w, strip_h = 7, theme.px(12), theme.px(14)
    high_w = measure(high, size, "sans", False)
    strip_x = right - high_w - gap - segments * seg_w
    items: list[Primitive] = [Text(right, y, high, size, theme.dim, anchor="midright", tag=f"{tag}-high")]
    for k in range(segments):
        items.append(
            Rect(
                strip_x + k * seg_w,
                y - strip_h // 2,
                seg_w,
                strip_h,
                colour(k / (segments - 1)),
                None,
                tag=tag,
            )
        )
    items.append(Rect(strip_x, y - strip_h // 2, segments * seg_w, strip_h, None, theme.border, 1))
    low_right = strip_x - gap
    items.append(Text(low_right, y, low, size, theme.dim, anchor="midright", tag=f"{tag}-low"))
    left = low_right - measure(low, size, "sans", False)
    if lead:
        items.append(Text(left - gap, y, lead, size, theme.dim, anchor="midright", tag=f"{tag}-lead"))
        left -= gap + measure(lead, size, "sans", False)
    return items, left


# ----- grids and axes ------------------------------------------------------------------


def value_cell(
    x: int,
    y: int,
    w: int,
    h: int,
    value: float,
    colour: Callable[[float], RGB],
    theme: Theme,
    measure: Measure,
    name: str,
    index: tuple[int, ...],
) -> Cell:
    """One value as a coloured cell, numbered when the number fits; grey if NaN or ∞."""
    size = theme.size("small")
    label = cell_label(value, w, h, size, measure)
    if not math.isfinite(value):
        return Cell(x, y, w, h, theme.faint, label, size, theme.text, name, index, value, tag="nan")
    fill = colour(value)
    return Cell(x, y, w, h, fill, label, size, ink_on(fill), name, index, value)


@dataclass(frozen=True)
class Colours:
    """A colour scale for one value and for a whole array at once (rasters)."""

    one: Callable[[float], RGB]
    many: Callable[[np.ndarray], np.ndarray]  # (rows, cols) -> (rows, cols, 3) uint8


def diverging(theme: Theme, scale: float) -> Colours:
    return Colours(lambda v: theme.diverging(v, scale), lambda a: theme.diverging_array(a, scale))


def sequential(theme: Theme) -> Colours:
    """The gates' 0..1 scale; the array form mixes the same two ends the same way."""
    low, high = (np.array(theme.sequential(v), dtype=np.float64) for v in (0.0, 1.0))

    def many(values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)
        rgb = low + (high - low) * np.clip(np.nan_to_num(v), 0.0, 1.0)[..., None]
        rgb[~np.isfinite(v)] = theme.faint
        return np.round(rgb).astype(np.uint8)

    return Colours(theme.sequential, many)


def value_grid(
    name: str,
    values: np.ndarray,
    shown: np.ndarray,
    x0: int,
    y0: int,
    cols: Sequence[tuple[int, int]],
    ch: int,
    colours: Colours,
    theme: Theme,
    measure: Measure,
    blank_label: str = "",
) -> list[Primitive]:
    """A (rows, cols) array as numbered cells; when cells would be too small to read, as
    one raster image instead (thousands of cells cost frames; pointing still reads values).
    `shown` marks the values that exist yet; the others are blank."""
    rows = values.shape[0]
    if ch < RASTER_BELOW or min(w for _, w in cols) < RASTER_BELOW:
        colors = colours.many(values)
        colors[~shown] = theme.blank
        colors.setflags(write=False)
        width = cols[-1][0] + cols[-1][1] - x0
        return [Raster(x0, y0, width, rows * ch, name, colors, (name, hash(colors.tobytes())))]
    items: list[Primitive] = []
    size = theme.size("small")
    for i in range(rows):
        for j, (x, w) in enumerate(cols):
            if not shown[i, j]:
                label = blank_label if ch >= size + 2 else ""
                items.append(
                    Cell(
                        x,
                        y0 + i * ch,
                        w,
                        ch,
                        theme.blank,
                        label,
                        size,
                        theme.dim,
                        name,
                        (i, j),
                        None,
                        tag="blank",
                    )
                )
                continue
            value = float(values[i, j])
            items.append(value_cell(x, y0 + i * ch, w, ch, value, colours.one, theme, measure, name, (i, j)))
    return items


def columns(x: int, width: int, count: int, widest: int) -> list[tuple[int, int]]:
    """(x, w) of `count` equal columns across `width` px, each at most `widest` px."""
    if count <= 0:
        return []
    step = min(width / count, widest)
    return [(x + round(k * step), max(1, round((k + 1) * step) - round(k * step))) for k in range(count)]


def every_nth(cols: Sequence[tuple[int, int]], label_w: int) -> int:
    """Label every n-th column so labels `label_w` px wide never touch."""
    if not cols:
        return 1
    step = max(1, cols[0][1])
    return max(1, math.ceil((label_w + 4) / step))


def symbol_labels(
    trace: Trace, cols: Sequence[tuple[int, int]], y: int, theme: Theme, measure: Measure, tag: str
) -> list[Primitive]:
    """Each column's input symbol under it (every n-th when columns are narrow)."""
    size = theme.size("small")
    symbols = [trace.vocab[s] for s in trace.inputs[: len(cols)]]
    widest = max((measure(s, size, "mono", False) for s in symbols), default=0)
    n = every_nth(cols, min(widest, theme.px(40)))
    items: list[Primitive] = []
    for t, (x, w) in enumerate(cols):
        if t % n:
            continue
        text = fit(symbols[t], max(w * n - 2, 1), size, measure, "mono")
        items.append(
            Text(x + w // 2, y, text, size, theme.text, font="mono", anchor="midtop", tag=f"{tag}:{t}")
        )
    return items


def unit_labels(right: int, top: int, units: int, row_h: int, theme: Theme) -> list[Primitive]:
    """h0, h1, ... beside the rows of a units-by-something grid (every n-th when rows are thin)."""
    small = theme.size("small")
    every = max(1, -(-round(small * 1.1) // row_h))
    return [
        Text(
            right,
            top + u * row_h + row_h // 2,
            f"h{u}",
            small,
            theme.dim,
            font="mono",
            anchor="midright",
            tag=f"unit:{u}",
        )
        for u in range(0, units, every)
    ]


def now_marker(x: int, y: int, w: int, h: int, theme: Theme, tag: str) -> Rect:
    """The cursor's timestep, in the colour the diagram and timeline mark results with."""
    pad = theme.px(2)
    return Rect(x - pad, y - pad, w + 2 * pad, h + 2 * pad, None, theme.result, theme.px(3), tag=tag)


def decades(values: np.ndarray) -> tuple[int, int] | None:
    """The powers of ten that bracket the finite positive values, at least one decade apart."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not positive.size:
        return None
    low = math.floor(math.log10(float(positive.min())) - 0.2)  # the smallest bar stays visible
    high = math.ceil(math.log10(float(positive.max())))
    return low, max(high, low + 1)


def log_position(value: float, low: int, high: int) -> float:
    """0 at 10^low, 1 at 10^high; values at or below the floor sit on it."""
    if not value > 0 or not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, (math.log10(value) - low) / (high - low)))


def log_axis(
    x: int, top: int, bottom: int, low: int, high: int, theme: Theme, measure: Measure, tag: str
) -> tuple[list[Primitive], int]:
    """Decade labels right-aligned at x; returns (labels, widest label). Labels thin out,
    counted down from the top decade, when the axis is short."""
    size = theme.size("small")
    span = high - low
    room = max(1, (bottom - top) // max(1, round(size * 1.2)))
    stride = max(1, math.ceil((span + 1) / room))
    items: list[Primitive] = []
    widest = 0
    for k in range(low, high + 1):
        if (high - k) % stride:
            continue
        y = round(bottom - (k - low) / span * (bottom - top))
        text = power_of_ten(k)
        widest = max(widest, measure(text, size, "sans", False))
        items.append(Text(x, y, text, size, theme.dim, anchor="midright", tag=f"{tag}:{k}"))
    return items, widest


def bar_value(
    x: int, w: int, bar_top: int, top: int, value: float, theme: Theme, measure: Measure, tag: str
) -> Text | None:
    """A bar's number just above it, or inside its top when the bar reaches the ceiling;
    None when the column is too narrow (the readout and hover still have it)."""
    size = theme.size("small")
    text = number(value, 2)
    if measure(text, size, "sans", False) + 4 > w:
        return None
    half = round(size * 0.6)
    if bar_top - 2 * half >= top:
        return Text(x + w // 2, bar_top - half, text, size, theme.text, anchor="center", tag=tag)
    return Text(x + w // 2, bar_top + half, text, size, theme.panel, anchor="center", tag=tag)
