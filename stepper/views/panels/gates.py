"""Gates over time: one block of rows per gate (units x timesteps), 0..1 on the
sequential scale, and for the LSTM its cell state c on the diverging scale.

GRU: r (how much memory the candidate sees) and z (how much of h_prev is kept).
LSTM: i (how much is written), f (how much of c_prev is kept), o (how much of c is
shown), then c itself. The vanilla RNN has none: the panel says so.
"""

from __future__ import annotations

import numpy as np

from stepper.cells import CELLS
from stepper.scene import Cell, Primitive, Raster, Rect, Text
from stepper.theme import Theme
from stepper.trace import FORWARD
from stepper.views.diagram import value_scales
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import (
    Pointed,
    Reading,
    beside_title,
    card,
    colour_key,
    columns,
    content_box,
    diverging,
    hovered_cell,
    known,
    line_height,
    memo,
    note,
    now_marker,
    number,
    panel_hover,
    sequential,
    symbol_labels,
    title_middle,
    too_small,
    value_grid,
)
from stepper.views.text import wrap

NAME = "gates"
#: per cell: (array, what it does), drawn top to bottom
GROUPS = {name: cell.gate_titles for name, cell in CELLS.items() if cell.gate_titles}
DIVERGING = ("c",)  # not a gate: a signed state


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    hover = panel_hover(frame, NAME)
    groups = GROUPS.get(trace.cell, ())
    progress = tuple(int(known(trace, frame.cursor, FORWARD, g).sum()) for g, _ in groups)
    key = (NAME, box, theme, measure, frame.step.t, progress, hover)
    return memo(trace, key, lambda: _build(frame, box, theme, measure, hover))


def _no_gates(box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items, area, _ = card(box, theme, measure, NAME, "Gates")
    size, lh = theme.size("small"), line_height(theme)
    text = (
        "The vanilla RNN has no gates: every step is h = tanh(Wxh x + Whh h_prev + bh), "
        "with nothing deciding what to keep or forget. Open a GRU or LSTM lesson to see gates."
    )
    for k, line in enumerate(wrap(text, area.w, size, measure)[: area.h // lh]):
        items.append(Text(area.x, area.y + k * lh, line, size, theme.dim, tag="no-gates"))
    return items


def _build(frame: Frame, box: Box, theme: Theme, measure: Measure, hover: Pointed | None) -> list[Primitive]:
    trace = frame.trace
    groups = GROUPS.get(trace.cell, ())
    if not groups:
        return _no_gates(box, theme, measure)
    steps, hidden = trace.length, trace.hidden_size
    small, lh, gap = theme.size("small"), line_height(theme), theme.px(6)
    area = content_box(box, theme)
    c_scale = value_scales(trace).get("c", 1.0)

    key: list[Primitive] = []
    right = box.right - theme.px(8)
    if any(g in DIVERGING for g, _ in groups):
        key, right = colour_key(
            right,
            title_middle(box, theme),
            theme,
            measure,
            lambda f: theme.diverging((2 * f - 1) * c_scale, c_scale),
            number(-c_scale, 2),
            "+" + number(c_scale, 2),
            "c-key",
            lead="c",
        )
        right -= theme.px(14)
    part, key_left = colour_key(
        right, title_middle(box, theme), theme, measure, theme.sequential, "0", "1", "gate-key", lead="gate"
    )
    key += part

    readout_y = area.bottom - lh if area.h >= 9 * lh else None
    bottom = readout_y if readout_y is not None else area.bottom
    group_gap = theme.px(4)
    top = area.y + theme.px(2)
    # Each gate's block must be as tall as its name; when it cannot be, the inputs row
    # (which the timeline and the other panels show too) gives way first.
    symbols_row = bottom - lh - theme.px(4) - top - group_gap * (len(groups) - 1) >= len(groups) * small
    avail = bottom - (lh + theme.px(4) if symbols_row else 0) - top - group_gap * (len(groups) - 1)
    if avail < 2 * len(groups) or steps == 0:
        items, _, _ = card(box, theme, measure, NAME, "Gates over time")
        items += too_small(area, theme, measure, NAME)
        return items
    # Every row at least 2 px; when that is too many rows, show each gate's first units.
    units = hidden if avail // (hidden * len(groups)) >= 2 else max(1, avail // (2 * len(groups)))
    ch = min(theme.px(30), max(1, avail // (units * len(groups))))
    title = "Gates over time" if units == hidden else f"Gates, units 0-{units - 1} of {hidden}"
    items, _, title_end = card(box, theme, measure, NAME, title)

    label_w = max(measure(g, small, "mono", True) for g, _ in groups)
    x0 = area.x + label_w + gap
    cols = columns(x0, area.right - theme.px(4) - x0, steps, theme.px(84))
    grid_w = cols[-1][0] + cols[-1][1] - x0 if cols else 0
    y = top
    last_label = top - small  # bottom of the last gate name drawn
    grids = {}
    for g, _ in groups:
        values = np.asarray(trace.summary[g])[:, :units].T  # (units, T)
        shown = np.broadcast_to(known(trace, frame.cursor, FORWARD, g), values.shape)
        grids[f"gates:{g}"] = (values, shown)
        colours = diverging(theme, c_scale) if g in DIVERGING else sequential(theme)
        items += value_grid(f"gates:{g}", values, shown, x0, y, cols, ch, colours, theme, measure)
        block_h = units * ch
        items.append(Rect(x0, y, grid_w, block_h, None, theme.border, 1, tag=f"gate-block:{g}"))
        if y + block_h // 2 - small // 2 >= last_label:  # names never overlap
            last_label = y + block_h // 2 + small // 2 + 1
            items.append(
                Text(
                    x0 - gap,
                    y + block_h // 2,
                    g,
                    small,
                    theme.text,
                    font="mono",
                    bold=True,
                    anchor="midright",
                    tag=f"gate-label:{g}",
                )
            )
        y += block_h + group_gap
    grid_bottom = y - group_gap
    # Cells too small for their numbers, no readout row, and the inputs row as wide as the
    # panel: it gives its line to the note that says how to read them (the screen's shortest
    # "point at a cell for its number"; the timeline shows the inputs too).
    colour_only = any(
        isinstance(i, Raster) or (isinstance(i, Cell) and i.value is not None and not i.label) for i in items
    )
    room = measure("point at a cell for its number", small, "sans", False) + theme.px(16)
    if colour_only and readout_y is None and x0 + grid_w > area.right - room:
        symbols_row = False
    if symbols_row:
        items += symbol_labels(trace, cols, grid_bottom + theme.px(4), theme, measure, "gates-input")
    if frame.step.t < steps:
        x, w = cols[frame.step.t]
        items.append(now_marker(x, top, w, grid_bottom - top, theme, "now:gates"))

    cell = hovered_cell(items, hover, grids)
    text = _readout(frame, cell, groups)
    if readout_y is not None:
        items.append(note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "gates-readout"))
    hovering = readout_y is None and cell is not None
    beside_title(items, box, title_end, theme, measure, key, key_left, text, hovering, "gates-readout")
    return items


def _readout(frame: Frame, cell: Reading | None, groups: tuple[tuple[str, str], ...]) -> str:
    """The hovered value in full, else what each row group means."""
    trace = frame.trace
    if cell is not None:
        g = cell.name.split(":", 1)[1]
        u, t = cell.index
        where = f"t = {t}, input '{trace.vocab[trace.inputs[t]]}'"
        return f"{g}[{u}] = {number(cell.value, 4)}  ({dict(groups)[g]} at {where})"
    return ",  ".join(f"{g}: {meaning}" for g, meaning in groups)
