"""Unit responses: how each hidden unit moves, on average, when each symbol arrives
(the mean of h_t - h_(t-1) over the steps whose input is that symbol: the "expected
response" of RNNvis), as a units x symbols grid on the diverging scale.

It summarises the whole sequence, so it does not fill in with the cursor; the column
of the cursor's input symbol is marked. A symbol the sequence never feeds in has no
response and stays blank.
"""

from __future__ import annotations

import math

import numpy as np

from stepper import analysis
from stepper.scene import Primitive, Rect, Text
from stepper.theme import Theme
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
    line_height,
    memo,
    note,
    now_marker,
    number,
    panel_hover,
    too_small,
    unit_labels,
    value_grid,
)
from stepper.views.text import fit

NAME = "responses"
ARRAY = "responses:mean_dh"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    hover = panel_hover(frame, NAME)
    symbol = trace.inputs[frame.step.t] if frame.step.t < trace.length else -1
    key = (NAME, box, theme, measure, symbol, hover)
    return memo(trace, key, lambda: _build(frame, symbol, box, theme, measure, hover))


def scale_of(mean_change: np.ndarray) -> float:
    """The largest |response|: the grid is about which unit reacts to what, relatively."""
    finite = np.abs(mean_change[np.isfinite(mean_change)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _build(
    frame: Frame, symbol: int, box: Box, theme: Theme, measure: Measure, hover: Pointed | None
) -> list[Primitive]:
    trace = frame.trace
    hidden, vocab = trace.hidden_size, len(trace.vocab)
    small, lh, gap = theme.size("small"), line_height(theme), theme.px(6)
    area = content_box(box, theme)
    result = analysis.responses(trace)
    scale = scale_of(result.mean_change)

    key, key_left = diverging_key(box, theme, measure, scale, "responses-key")
    readout_y = area.bottom - lh if area.h >= 7 * lh else None
    labels_y = (readout_y if readout_y is not None else area.bottom) - lh
    top = area.y + theme.px(2)
    avail = labels_y - theme.px(4) - top
    if avail < 3:
        items, _, _ = card(box, theme, measure, NAME, "Unit responses")
        items += too_small(area, theme, measure, NAME)
        return items
    units = hidden if avail // hidden >= 3 else max(1, avail // 3)
    title = "Unit responses" if units == hidden else f"Unit responses, units 0-{units - 1} of {hidden}"
    items, _, title_end = card(box, theme, measure, NAME, title)
    ch = min(theme.px(36), max(1, avail // units))
    label_w = measure(f"h{units - 1}", small, "mono", False)
    x0 = area.x + label_w + gap
    cols = columns(x0, area.right - theme.px(4) - x0, vocab, theme.px(84))

    values = result.mean_change[:units]
    shown = np.broadcast_to(result.counts > 0, values.shape)  # a symbol never fed in has no response
    items += value_grid(ARRAY, values, shown, x0, top, cols, ch, diverging(theme, scale), theme, measure, "–")
    items += unit_labels(x0 - gap, top, units, ch, theme)
    grid_w = cols[-1][0] + cols[-1][1] - x0
    items.append(Rect(x0, top, grid_w, units * ch, None, theme.border, 1, tag="responses-grid"))
    for s, (x, w) in enumerate(cols):
        text = fit(trace.vocab[s], w - 2, small, measure, "mono")
        items.append(
            Text(
                x + w // 2,
                top + units * ch + theme.px(4),
                text,
                small,
                theme.text,
                font="mono",
                anchor="midtop",
                tag=f"symbol:{s}",
            )
        )
    if symbol >= 0:
        x, w = cols[symbol]
        items.append(now_marker(x, top, w, units * ch, theme, "now:responses"))

    cell = hovered_cell(items, hover, {ARRAY: (values, shown)})
    text = _readout(frame, cell, result)
    if readout_y is not None:
        items.append(note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "responses-readout"))
    hovering = readout_y is None and cell is not None
    beside_title(items, box, title_end, theme, measure, key, key_left, text, hovering, "responses-readout")
    return items


def _readout(frame: Frame, cell: Reading | None, result: analysis.Responses) -> str:
    """The hovered response in full, else what a cell means."""
    vocab = frame.trace.vocab
    if cell is not None:
        u, s = cell.index
        n = int(result.counts[s])
        value = cell.value
        sign = "+" if math.isfinite(value) and value > 0 else ""
        steps = f"{n} step{'s' * (n != 1)}"
        return f"h{u} moves {sign}{number(value, 4)} when '{vocab[s]}' arrives  (mean of {steps})"
    text = "mean of h_t − h_(t−1) per input, whole sequence"
    absent = [f"'{vocab[s]}'" for s in range(len(vocab)) if not result.counts[s]]
    if absent:
        text += f";  –: {', '.join(absent)} never an input"
    return text
