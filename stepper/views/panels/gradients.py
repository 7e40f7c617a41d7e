"""Gradients through time: one bar per timestep of ||dL/dh_t||, the size of the blame
that reaches each hidden state, on a log scale, filling in as the backward pass runs.

The axis is fixed over the whole sequence (it does not rescale as bars arrive), so
a bar's height can be read while stepping. A log scale turns the steady shrinking
of vanishing gradients (or growth of exploding ones) into a straight slope. In the
forward pass no gradient exists yet: the panel shows its empty axis and says so.
"""

from __future__ import annotations

import math

import numpy as np

from stepper.scene import Cell, Line, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.trace import BACKWARD
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import (
    Pointed,
    Reading,
    bar_value,
    beside_title,
    card,
    columns,
    decades,
    hovered_cell,
    known,
    line_height,
    log_axis,
    log_position,
    memo,
    note,
    now_marker,
    number,
    panel_hover,
    symbol_labels,
    too_small,
)
from stepper.views.text import wrap

NAME = "gradients"
ARRAY = "gradients:dh_norm"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    shown = known(trace, frame.cursor, BACKWARD, "dh")
    hover = panel_hover(frame, NAME)
    key = (NAME, box, theme, measure, frame.step.t, frame.cursor.phase, int(shown.sum()), hover)
    return memo(trace, key, lambda: _build(frame, shown, box, theme, measure, hover))


def _build(
    frame: Frame, shown: np.ndarray, box: Box, theme: Theme, measure: Measure, hover: Pointed | None
) -> list[Primitive]:
    trace = frame.trace
    steps = trace.length
    small, lh = theme.size("small"), line_height(theme)
    items, area, title_end = card(box, theme, measure, NAME, "Gradient size ‖dL/dh_t‖, log scale")
    norms = np.asarray(trace.summary["dh_norm"], dtype=np.float64)
    span = decades(norms)
    readout_y = area.bottom - lh if area.h >= 7 * lh else None
    labels_y = (readout_y if readout_y is not None else area.bottom) - lh
    top = area.y + small // 2 + theme.px(2)  # half a label above the top decade line
    bottom = labels_y - theme.px(4)
    numbered = bottom - top >= 5 * lh  # room for each bar's value above it
    ceiling = top  # bar values may go up to here, above the tallest bar
    if numbered:
        top += lh
    if steps == 0 or bottom - top < theme.px(12):
        items += too_small(area, theme, measure, NAME)
        return items
    low, high = span if span is not None else (-1, 0)
    axis_x = area.x + max(measure(t, small, "sans", False) for t in ("10⁻¹⁰", "0.01"))
    ticks, _ = log_axis(axis_x, top, bottom, low, high, theme, measure, "gradients-axis")
    items += ticks
    x0 = axis_x + theme.px(8)
    cols = columns(x0, area.right - theme.px(4) - x0, steps, theme.px(84))
    right = cols[-1][0] + cols[-1][1]
    for y in sorted({tick.y for tick in ticks if isinstance(tick, Text)}):
        items.append(Line(x0, y, right, y, theme.blank, 1, tag="gradients-grid"))

    height = bottom - top
    labels: list[Primitive] = []  # drawn over the bars and the grid
    for t, (x, w) in enumerate(cols):
        value = float(norms[t]) if shown[t] else None
        if value is None:
            items.append(
                Cell(x, top, w, height, theme.panel, "", small, theme.dim, ARRAY, (t,), None, tag="empty")
            )
            continue
        finite = math.isfinite(value)
        label = "" if finite else number(value)
        if label and measure(label, small, "sans", False) + 4 > w:
            label = ""
        fill = theme.panel if finite else theme.faint
        items.append(
            Cell(
                x,
                top,
                w,
                height,
                fill,
                label,
                small,
                theme.text,
                ARRAY,
                (t,),
                value,
                tag="" if finite else "nan",
            )
        )
        if finite and value > 0:
            bar = max(1, round(height * log_position(value, low, high)))
            inset = max(1, w // 6)
            items.append(
                Rect(
                    x + inset,
                    bottom - bar,
                    max(1, w - 2 * inset),
                    bar,
                    theme.negative,
                    None,
                    tag=f"grad-bar:{t}",
                )
            )
            label_text = bar_value(x, w, bottom - bar, ceiling, value, theme, measure, f"grad-bar-value:{t}")
            if label_text is not None and numbered:
                labels.append(label_text)
    items.append(Line(x0, bottom, right, bottom, theme.border, 1, tag="gradients-baseline"))
    items += labels
    items += symbol_labels(trace, cols, labels_y + theme.px(2), theme, measure, "gradients-input")
    if frame.cursor.phase == BACKWARD:
        x, w = cols[frame.step.t]
        items.append(now_marker(x, ceiling, w, bottom - ceiling, theme, "now:gradients"))
    else:  # nothing to mark yet: say where the bars come from instead
        hint = "No gradients yet: the backward pass computes them. Press B."
        lines = wrap(hint, right - x0 - theme.px(16), small, measure)[: max(1, height // lh)]
        y = top + (height - len(lines) * lh) // 2
        for k, line in enumerate(lines):
            items.append(
                Text(
                    (x0 + right) // 2,
                    y + k * lh,
                    line,
                    small,
                    theme.text,
                    anchor="midtop",
                    tag="gradients-hint",
                )
            )

    cell = hovered_cell(items, hover)
    text = _readout(frame, cell, shown, norms)
    if readout_y is not None:
        items.append(note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "gradients-readout"))
    hovering = readout_y is None and cell is not None
    beside_title(items, box, title_end, theme, measure, (), box.right, text, hovering, "gradients-readout")
    return items


def _readout(frame: Frame, cell: Reading | None, shown: np.ndarray, norms: np.ndarray) -> str:
    """The hovered bar in full, else how much the blame shrank (or grew) on its way back."""
    trace = frame.trace
    if cell is not None:
        t = cell.index[0]
        where = f"t = {t}, input '{trace.vocab[trace.inputs[t]]}'"
        return f"‖dL/dh‖ = {number(cell.value, 4)}  at {where}"
    arrived = np.flatnonzero(shown)
    if frame.cursor.phase != BACKWARD:
        return "one bar per step, filled as the backward pass reaches it"
    if len(arrived) < 2:
        return "the backward pass starts at the last step and walks back"
    last, first = int(arrived.max()), int(arrived.min())
    a, b = float(norms[last]), float(norms[first])
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return f"from t = {last} back to t = {first}: not a finite ratio"
    ratio = a / b
    trend = f"shrinks {number(ratio)}×" if ratio >= 1 else f"grows {number(1 / ratio)}×"
    return f"from t = {last} back to t = {first} the blame {trend}"
