"""Training history: the training loss (mean per symbol) at every iteration on a log
scale, each checkpoint marked and named, the one on screen highlighted.

Log scale because a trained loss falls by orders of magnitude: on a linear axis
everything after the first few updates would be a flat line at zero.
"""

from __future__ import annotations

import math

import numpy as np

from stepper.scene import Cell, Hotspot, Line, Primitive, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import (
    Pointed,
    Reading,
    beside_title,
    card,
    decades,
    hovered_cell,
    line_height,
    log_axis,
    log_position,
    memo,
    note,
    number,
    panel_hover,
    title_middle,
    too_small,
)
from stepper.views.text import fit

NAME = "history"
ARRAY = "history:loss"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    hover = panel_hover(frame, NAME)
    key = (NAME, box, theme, measure, frame.state.checkpoint, frame.state.iteration, frame.marks, hover)
    return memo(frame.trace, key, lambda: _build(frame, box, theme, measure, hover))


def loss_at(history: np.ndarray, iteration: int) -> float:
    """The recorded loss nearest a checkpoint: the last checkpoint comes after the last update."""
    return float(history[min(max(iteration, 0), len(history) - 1)]) if len(history) else math.nan


def _build(frame: Frame, box: Box, theme: Theme, measure: Measure, hover: Pointed | None) -> list[Primitive]:
    small, lh = theme.size("small"), line_height(theme)
    items, area, title_end = card(box, theme, measure, NAME, "Training loss")
    history = frame.loss_history
    if history is None or len(history) == 0:
        items.append(
            note(
                area.x,
                area.y,
                "No training history for these weights.",
                area.w,
                theme,
                measure,
                "history-none",
            )
        )
        return items
    history = np.asarray(history, dtype=np.float64)
    readout_y = area.bottom - lh if area.h >= 7 * lh else None
    bottom_labels = (readout_y if readout_y is not None else area.bottom) - lh
    names_y = area.y
    top = names_y + lh + theme.px(4)
    bottom = bottom_labels - theme.px(4)
    if bottom - top < theme.px(16):
        items += too_small(area, theme, measure, NAME)
        return items
    low, high = decades(history) or (-1, 0)
    ticks, _ = log_axis(
        area.x + measure("10⁻¹⁰", small, "sans", False),
        top,
        bottom,
        low,
        high,
        theme,
        measure,
        "history-axis",
    )
    items += ticks
    x0 = area.x + measure("10⁻¹⁰", small, "sans", False) + theme.px(8)
    x1 = area.right - theme.px(8)
    last = max(len(history), max((k for _, k in frame.marks), default=0), 1)

    def sx(k: float) -> int:
        return round(x0 + (x1 - x0) * k / last)

    def sy(v: float) -> int:
        return round(bottom - (bottom - top) * log_position(v, low, high))

    for y in sorted({tick.y for tick in ticks if isinstance(tick, Text)}):
        items.append(Line(x0, y, x1, y, theme.blank, 1, tag="history-grid"))
    items.append(Line(x0, bottom, x1, bottom, theme.border, 1, tag="history-baseline"))
    # The scrubber: a click or a drag along the axis replays that iteration (the app maps x to K);
    # under the curve's cells, so pointing at them still reads them.
    items.append(Hotspot(x0, top, x1 - x0, bottom - top, "iteration", f"{x0}:{x1}:{last}"))
    items += _curve(history, sx, sy, x1 - x0, theme)

    x_labels = (("0", x0, "topleft"), ("iteration", (x0 + x1) // 2, "midtop"), (str(last), x1, "topright"))
    for text, x, anchor in x_labels:
        items.append(
            Text(
                x, bottom_labels + theme.px(2), text, small, theme.dim, anchor=anchor, tag=f"history-x:{text}"
            )
        )

    items += _marks(frame, history, sx, sy, names_y, top, bottom, x0, x1, theme, measure)
    if frame.state.iteration is not None:  # the replayed iteration K, on the scrubber
        x = sx(frame.state.iteration)
        items.append(Line(x, top, x, bottom, theme.result, theme.px(3), tag="history-k"))
        label = f"K = {frame.state.iteration}"
        anchor = "topright" if x > (x0 + x1) // 2 else "topleft"
        items.append(
            Text(x, top, label, small, theme.result, bold=True, anchor=anchor, tag="history-k-label")
        )
    cell = hovered_cell(items, hover)
    text = _readout(frame, cell, history)
    if readout_y is not None:
        items.append(note(area.x, readout_y + theme.px(2), text, area.w, theme, measure, "history-readout"))
    hovering = readout_y is None and cell is not None
    scale_note = "per symbol, log scale"
    side = [
        Text(
            box.right - theme.px(8), title_middle(box, theme), scale_note, small, theme.dim, anchor="midright"
        )
    ]
    side_left = box.right - theme.px(8) - measure(scale_note, small, "sans", False)
    beside_title(items, box, title_end, theme, measure, side, side_left, text, hovering, "history-readout")
    return items


def _curve(history: np.ndarray, sx, sy, width: int, theme: Theme) -> list[Primitive]:
    """The loss as a polyline of at most one segment per 3 px; gaps where it is not finite."""
    count = len(history)
    picks = np.unique(np.linspace(0, count - 1, min(count, max(2, width // 3))).round().astype(int))
    items: list[Primitive] = []
    previous: tuple[int, int] | None = None
    for k in picks:
        v = float(history[k])
        if not (math.isfinite(v) and v > 0):
            previous = None
            continue
        point = (sx(k), sy(v))
        if previous is not None:
            items.append(
                Line(
                    previous[0],
                    previous[1],
                    point[0],
                    point[1],
                    theme.negative,
                    theme.px(2),
                    tag="loss-curve",
                )
            )
        previous = point
    return items


def _marks(
    frame: Frame, history, sx, sy, names_y, top, bottom, x0, x1, theme: Theme, measure: Measure
) -> list[Primitive]:
    """A vertical line and a hoverable dot per checkpoint; names above the plot where they
    do not collide, the shown checkpoint's first so it is always named."""
    small = theme.size("small")
    shown = frame.state.checkpoint if frame.state.iteration is None else ""  # K is marked instead
    items: list[Primitive] = []
    labels: list[Primitive] = []
    taken: list[tuple[int, int]] = []
    order = sorted(frame.marks, key=lambda m: m[0] != shown)
    r = theme.px(5)
    for name, k in order:
        current = name == shown
        x = sx(k)
        colour = theme.result if current else theme.faint
        items.append(Line(x, top, x, bottom, colour, theme.px(2) if current else 1, tag=f"mark:{name}"))
        v = loss_at(history, k)
        y = sy(v) if math.isfinite(v) and v > 0 else bottom
        fill = theme.result if current else theme.dim
        items.append(
            Cell(
                x - r,
                y - r,
                2 * r,
                2 * r,
                fill,
                "",
                small,
                theme.text,
                ARRAY,
                (k,),
                v,
                tag=f"mark-dot:{name}",
            )
        )
        w = measure(name, small, "sans", current)
        left = min(max(x - w // 2, x0), x1 - w)
        if all(left + w + theme.px(6) <= a or b + theme.px(6) <= left for a, b in taken):
            taken.append((left, left + w))
            labels.append(
                Text(
                    left,
                    names_y,
                    fit(name, x1 - x0, small, measure),
                    small,
                    theme.result if current else theme.dim,
                    bold=current,
                    tag=f"mark-name:{name}",
                )
            )
    return items + labels


def _readout(frame: Frame, cell: Reading | None, history: np.ndarray) -> str:
    """The hovered checkpoint, else the shown one, with its loss."""
    marks = dict(frame.marks)
    if cell is not None:
        k = cell.index[0]
        name = next((n for n, i in frame.marks if i == k), "")
        return f"loss {number(cell.value, 4)} per symbol  at iteration {k} ({name})"
    name = frame.state.checkpoint
    k = marks.get(name, frame.iteration)
    first = next((float(v) for v in history if math.isfinite(v)), math.nan)
    return (
        f"{name}: iteration {k}, loss {number(loss_at(history, k))} per symbol (started at {number(first)})"
    )
