"""Contribution of each step: for the output at the cursor's timestep t, the size
||d loss_t / d h_k|| of the gradient of that one loss on every earlier hidden state,
as bars over the inputs. Which earlier inputs does this prediction depend on?

Only loss_t is back-propagated (stepper.analysis), not the summed loss the backward
pass runs, so the bars belong to one prediction. The scale is linear and set by the
largest bar of this output: the question is which steps matter, relative to each other.
Steps after t cannot matter and stay empty.
"""

from __future__ import annotations

import math

import numpy as np

from stepper import analysis
from stepper.scene import Cell, Line, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import (
    Pointed,
    Reading,
    bar_value,
    beside_title,
    card,
    columns,
    hovered_cell,
    line_height,
    memo,
    note,
    now_marker,
    number,
    panel_hover,
    symbol_labels,
    too_small,
)

NAME = "contributions"
ARRAY = "contributions:dloss_dh"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    hover = panel_hover(frame, NAME)
    key = (NAME, box, theme, measure, frame.step.t, hover)
    return memo(frame.trace, key, lambda: _build(frame, box, theme, measure, hover))


def _build(frame: Frame, box: Box, theme: Theme, measure: Measure, hover: Pointed | None) -> list[Primitive]:
    trace = frame.trace
    steps, t_now = trace.length, frame.step.t
    small, lh = theme.size("small"), line_height(theme)
    title = f"Contributions to output t = {t_now}" if t_now < steps else "Contributions"
    items, area, title_end = card(box, theme, measure, NAME, title)
    if steps == 0:
        return items
    row = analysis.contributions(trace).norms[t_now]
    finite = row[: t_now + 1][np.isfinite(row[: t_now + 1])]
    tallest = float(finite.max()) if finite.size and finite.max() > 0 else 1.0

    readout_y = area.bottom - lh if area.h >= 7 * lh else None
    labels_y = (readout_y if readout_y is not None else area.bottom) - lh
    top = area.y + small // 2 + theme.px(2)
    bottom = labels_y - theme.px(4)
    numbered = bottom - top >= 5 * lh  # room for each bar's value above it
    ceiling = top  # bar values may go up to here, above the tallest bar
    if numbered:
        top += lh
    if bottom - top < theme.px(12):
        items += too_small(area, theme, measure, NAME)
        return items
    ticks = (("0", bottom), (number(tallest, 2), top))
    axis_x = area.x + max(measure(text, small, "sans", False) for text, _ in ticks)
    x0 = axis_x + theme.px(8)
    cols = columns(x0, area.right - theme.px(4) - x0, steps, theme.px(84))
    right = cols[-1][0] + cols[-1][1]
    for text, y in ticks:
        items.append(
            Text(axis_x, y, text, small, theme.dim, anchor="midright", tag=f"contributions-axis:{text}")
        )
    items.append(Line(x0, top, right, top, theme.blank, 1, tag="contributions-grid"))

    height = bottom - top
    labels: list[Primitive] = []  # drawn over the bars and the grid
    for k, (x, w) in enumerate(cols):
        if k > t_now:  # a later input cannot change this output
            items.append(
                Cell(
                    x,
                    top,
                    w,
                    height,
                    theme.background,
                    "",
                    small,
                    theme.dim,
                    ARRAY,
                    (t_now, k),
                    None,
                    tag="later",
                )
            )
            continue
        value = float(row[k])
        finite_value = math.isfinite(value)
        label = "" if finite_value else number(value)
        if label and measure(label, small, "sans", False) + 4 > w:
            label = ""
        fill = theme.panel if finite_value else theme.faint
        tag = "" if finite_value else "nan"
        items.append(
            Cell(x, top, w, height, fill, label, small, theme.text, ARRAY, (t_now, k), value, tag=tag)
        )
        if finite_value and value > 0:
            bar = max(1, round(height * min(1.0, value / tallest)))
            inset = max(1, w // 6)
            items.append(
                Rect(
                    x + inset,
                    bottom - bar,
                    max(1, w - 2 * inset),
                    bar,
                    theme.positive,
                    None,
                    tag=f"contribution:{k}",
                )
            )
            label_text = bar_value(
                x, w, bottom - bar, ceiling, value, theme, measure, f"contribution-value:{k}"
            )
            if label_text is not None and numbered:
                labels.append(label_text)
    items.append(Line(x0, bottom, right, bottom, theme.border, 1, tag="contributions-baseline"))
    items += labels
    items += symbol_labels(trace, cols, labels_y + theme.px(2), theme, measure, "contributions-input")
    x, w = cols[t_now]
    items.append(now_marker(x, ceiling, w, bottom - ceiling, theme, "now:contributions"))

    cell = hovered_cell(items, hover)
    text = _readout(frame, cell, row)
    if readout_y is not None:
        items.append(
            note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "contributions-readout")
        )
    hovering = readout_y is None and cell is not None
    beside_title(
        items, box, title_end, theme, measure, (), box.right, text, hovering, "contributions-readout"
    )
    return items


def _readout(frame: Frame, cell: Reading | None, row: np.ndarray) -> str:
    """The hovered bar in full, else what the bars are and where the largest is."""
    trace = frame.trace
    t = frame.step.t
    if cell is not None:
        k = cell.index[1]
        return f"‖d loss_{t} / d h_{k}‖ = {number(cell.value, 4)}  (input '{trace.vocab[trace.inputs[k]]}')"
    known = row[: t + 1]
    if not np.isfinite(known).any():
        return f"‖d loss_{t} / d h_k‖ is not finite"
    k = int(np.nanargmax(np.where(np.isfinite(known), known, np.nan)))
    return f"bars: ‖d loss_{t} / d h_k‖, linear; largest {number(float(known[k]))} at k = {k}"
