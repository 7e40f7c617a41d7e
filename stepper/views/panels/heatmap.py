"""Hidden-state heatmap: units x timesteps on one fixed colour scale, the cursor's
column marked, and under it how far each step moves the state, ||h_t - h_(t-1)||.

The scale is the diagram's own scale for h (at least the tanh range), so a colour
means the same number here, in the diagram, at every step and in every checkpoint:
an untrained network's faint column really is close to zero.
"""

from __future__ import annotations

import numpy as np

from stepper import analysis
from stepper.scene import Cell, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.trace import FORWARD
from stepper.views.diagram import value_scales
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import (
    Pointed,
    Reading,
    beside_title,
    card,
    columns,
    content_box,
    diverging,
    diverging_key,
    hovered_cell,
    known,
    line_height,
    memo,
    note,
    now_marker,
    number,
    panel_hover,
    symbol_labels,
    too_small,
    unit_labels,
    value_grid,
)

NAME = "heatmap"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    shown = known(trace, frame.cursor, FORWARD, "h")
    hover = panel_hover(frame, NAME)
    key = (NAME, box, theme, measure, frame.step.t, int(shown.sum()), hover)
    return memo(trace, key, lambda: _build(frame, shown, box, theme, measure, hover))


def _build(
    frame: Frame, shown: np.ndarray, box: Box, theme: Theme, measure: Measure, hover: Pointed | None
) -> list[Primitive]:
    trace = frame.trace
    t_now = frame.step.t
    hidden, steps = trace.hidden_size, trace.length
    small, lh, gap = theme.size("small"), line_height(theme), theme.px(6)
    area = content_box(box, theme)
    scale = value_scales(trace).get("h", 1.0)

    key, key_left = diverging_key(box, theme, measure, scale, "heatmap-key")

    # A short panel gives the readout line to the grid and reads out in the title row.
    readout_y = area.bottom - lh if area.h >= 7 * lh else None
    bottom = readout_y if readout_y is not None else area.bottom
    labels_y = bottom - lh
    strip_h = max(theme.px(18), min(theme.px(44), area.h // 6))
    strip_y = labels_y - strip_h - theme.px(2)
    grid_y = area.y + theme.px(2)
    grid_h = strip_y - gap - grid_y
    if grid_h < 3 or steps == 0:
        items, _, _ = card(box, theme, measure, NAME, "Hidden state h")
        items += too_small(area, theme, measure, NAME)
        return items
    units = hidden if grid_h // hidden >= 3 else max(1, grid_h // 3)  # rows too thin: show the first ones
    title = "Hidden state h" if units == hidden else f"Hidden state h, units 0-{units - 1} of {hidden}"
    items, _, title_end = card(box, theme, measure, NAME, title)
    ch = min(theme.px(36), grid_h // units)
    grid_h = ch * units
    # Strip and labels follow the grid; a tall panel keeps its spare room at the bottom.
    strip_y = grid_y + grid_h + gap
    labels_y = strip_y + strip_h + theme.px(2)

    change_label = "‖Δh‖"
    label_w = max(measure(f"h{units - 1}", small, "mono", False), measure(change_label, small, "sans", False))
    x0 = area.x + label_w + gap
    cols = columns(x0, area.right - theme.px(4) - x0, steps, theme.px(84))
    values = np.asarray(trace.summary["h"])[:, :units].T  # (units, T)
    grid_shown = np.broadcast_to(shown, values.shape)
    items += value_grid(
        "heatmap:h", values, grid_shown, x0, grid_y, cols, ch, diverging(theme, scale), theme, measure
    )
    items += unit_labels(x0 - gap, grid_y, units, ch, theme)
    grid_w = cols[-1][0] + cols[-1][1] - x0
    items.append(Rect(x0, grid_y, grid_w, grid_h, None, theme.border, 1, tag="heatmap-grid"))

    # How far each step moves the state: bars on one scale for the whole sequence.
    changes = analysis.change_norms(trace)
    finite = changes[np.isfinite(changes)]
    tallest = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    items.append(
        Text(
            x0 - gap,
            strip_y + strip_h // 2,
            change_label,
            small,
            theme.dim,
            anchor="midright",
            tag="change-label",
        )
    )
    for t, (x, w) in enumerate(cols):
        value = float(changes[t]) if shown[t] else None
        fill = theme.blank if value is None else (theme.faint if not np.isfinite(value) else theme.background)
        label = "NaN" if value is not None and not np.isfinite(value) else ""
        if label and measure(label, small, "sans", False) + 4 > w:
            label = ""
        items.append(
            Cell(x, strip_y, w, strip_h, fill, label, small, theme.text, "heatmap:change", (t,), value)
        )
        if value is not None and np.isfinite(value) and value > 0:
            bar = max(1, round((strip_h - 2) * value / tallest))
            inset = max(1, w // 6)
            items.append(
                Rect(
                    x + inset,
                    strip_y + strip_h - bar,
                    max(1, w - 2 * inset),
                    bar,
                    theme.dim,
                    None,
                    tag=f"change:{t}",
                )
            )
    items.append(Rect(x0, strip_y, grid_w, strip_h, None, theme.border, 1, tag="change-strip"))

    items += symbol_labels(trace, cols, labels_y + theme.px(2), theme, measure, "heatmap-input")
    if t_now < steps:
        x, w = cols[t_now]
        items.append(now_marker(x, grid_y, w, strip_y + strip_h - grid_y, theme, "now:heatmap"))

    cell = hovered_cell(items, hover, {"heatmap:h": (values, grid_shown)})
    text = _readout(frame, cell, shown, units, tallest)
    if readout_y is not None:
        items.append(note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "heatmap-readout"))
    beside_title(
        items,
        box,
        title_end,
        theme,
        measure,
        key,
        key_left,
        text,
        readout_y is None and cell is not None,
        "heatmap-readout",
    )
    return items


def _readout(frame: Frame, cell: Reading | None, shown: np.ndarray, units: int, tallest: float) -> str:
    """The hovered value in full, else the cursor's column as numbers."""
    trace = frame.trace
    if cell is not None:
        t = cell.index[-1]
        where = f"t = {t}, input '{trace.vocab[trace.inputs[t]]}'"
        if cell.name == "heatmap:change":
            return f"‖h_t − h_(t−1)‖ = {number(cell.value, 4)}  at {where}  (tallest bar {number(tallest)})"
        return f"h[{cell.index[0]}] = {number(cell.value, 4)}  at {where}"
    t = frame.step.t
    if t >= trace.length:
        return ""
    if not shown[t]:
        return f"t = {t}: h not computed yet"
    values = ", ".join(number(float(v), 2) for v in trace.summary["h"][t][:units])
    more = "" if units == trace.hidden_size else f" … ({units} of {trace.hidden_size} units shown)"
    change = number(float(analysis.change_norms(trace)[t]))
    return f"t = {t}: h = [{values}]{more}   ‖Δh‖ = {change}"
