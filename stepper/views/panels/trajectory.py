"""Hidden-state trajectory: the path of h_t through the steps, projected to 2-D,
each point labelled with the input that brought the state there.

The projection is PCA fitted on this checkpoint's h_0 .. h_(T-1) (the raw axes when
there are two units); the zero start state is projected too and drawn hollow, so the
path visibly starts where every sequence starts. Both axes share one scale, so
distances on screen are true distances in the projection. When a later checkpoint
is shown, the untrained network's path on the same inputs is ghosted in the same
projection: training visibly pulls the states apart.
"""

from __future__ import annotations

import math

import numpy as np

from stepper import analysis
from stepper.scene import Hotspot, Line, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.trace import FORWARD
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels.common import card, known, line_height, memo, note, number, title_middle, too_small
from stepper.views.text import fit

NAME = "trajectory"


def build(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    shown = known(trace, frame.cursor, FORWARD, "h")
    ghost = frame.baseline if frame.baseline is not None and frame.baseline is not trace else None
    key = (NAME, box, theme, measure, frame.step.t, int(shown.sum()), ghost, frame.state.checkpoint)
    return memo(trace, key, lambda: _build(frame, shown, ghost, box, theme, measure))


def _build(
    frame: Frame, shown: np.ndarray, ghost, box: Box, theme: Theme, measure: Measure
) -> list[Primitive]:
    trace = frame.trace
    lh = line_height(theme)
    projection = analysis.trajectory(trace)
    title = "Path of h" + (" (PCA)" if projection.explained is not None else "")
    items, area, title_end = card(box, theme, measure, NAME, title)
    points = projection.points
    ghost_points = (
        projection.project(np.asarray(ghost.summary["h"])) if ghost is not None else np.zeros((0, 2))
    )
    if ghost is not None and len(ghost_points) != len(points):
        ghost_points = np.zeros((0, 2))

    readout_y = area.bottom - lh if area.h >= 6 * lh else None
    plot = Box(area.x, area.y + theme.px(4), area.w, (readout_y or area.bottom) - area.y - theme.px(4) - lh)
    if plot.h < theme.px(24) or len(points) == 0:
        items += too_small(area, theme, measure, NAME)
        return items
    everything = np.vstack([points, ghost_points, projection.start[None, :]])
    everything = everything[np.isfinite(everything).all(axis=1)]
    to_screen = _fit(everything, plot, theme)
    items += _axes(projection, plot, to_screen, theme, measure)
    ghost_names: tuple[str, ...] = ()
    if len(ghost_points):
        # Untrained weights are small: that path often never leaves the start. Say so.
        start = np.array(to_screen(projection.start))
        finite = ghost_points[np.isfinite(ghost_points).all(axis=1)]
        reach = max((float(np.abs(np.array(to_screen(g)) - start).max()) for g in finite), default=0.0)
        name = frame.marks[0][0] if frame.marks else "untrained"
        ghost_names = (f"{name}: stays at start", name) if reach < theme.px(8) else (name,)
    _legend(items, frame, ghost_names, box, title_end, theme, measure)

    if len(ghost_points):
        items += _path(
            ghost_points,
            projection.start,
            np.ones(len(ghost_points), bool),
            to_screen,
            theme.faint,
            theme,
            "ghost",
        )
    visible = shown & np.isfinite(points).all(axis=1)
    items += _path(points, projection.start, visible, to_screen, theme.negative, theme, "path")
    sx, sy = to_screen(projection.start)
    r = theme.px(6)
    items.append(
        Rect(sx - r, sy - r, 2 * r, 2 * r, theme.panel, theme.text, theme.px(2), radius=r, tag="start")
    )
    items += _labels(frame, points, visible, (sx, sy), to_screen, plot, theme, measure)

    t_now = frame.step.t
    if readout_y is not None:
        items.append(
            note(
                area.x,
                readout_y + theme.px(2),
                _readout(frame, projection, shown),
                area.w,
                theme,
                measure,
                "trajectory-readout",
            )
        )
    if t_now < len(points) and visible[t_now]:
        x, y = to_screen(points[t_now])
        r = theme.px(9)
        items.append(
            Rect(x - r, y - r, 2 * r, 2 * r, None, theme.result, theme.px(3), radius=r, tag="now:trajectory")
        )
    return items


def _fit(points: np.ndarray, plot: Box, theme: Theme):
    """Data -> screen with one scale for both axes, the data centred in the plot."""
    inset = theme.px(14)
    if len(points):
        lo, hi = points.min(axis=0), points.max(axis=0)
    else:
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    span = np.maximum(hi - lo, 1e-9)
    scale = min((plot.w - 2 * inset) / span[0], (plot.h - 2 * inset) / span[1])
    if not math.isfinite(scale) or scale <= 0:
        scale = 1.0
    centre = (lo + hi) / 2
    cx, cy = plot.x + plot.w / 2, plot.y + plot.h / 2

    def to_screen(p: np.ndarray) -> tuple[int, int]:
        return round(cx + (p[0] - centre[0]) * scale), round(cy - (p[1] - centre[1]) * scale)

    return to_screen


def _axes(
    projection: analysis.Projection, plot: Box, to_screen, theme: Theme, measure: Measure
) -> list[Primitive]:
    """Faint lines through the projection's origin (the mean state, or zero for raw
    axes) where they fall inside the plot, and the axis names with their variance."""
    small = theme.size("small")
    items: list[Primitive] = [
        Rect(plot.x, plot.y, plot.w, plot.h, None, theme.blank, 1, tag="trajectory-plot")
    ]
    ox, oy = to_screen(np.zeros(2))
    if plot.x < ox < plot.right:
        items.append(Line(ox, plot.y + 1, ox, plot.bottom - 1, theme.blank, 1, tag="axis-y"))
    if plot.y < oy < plot.bottom:
        items.append(Line(plot.x + 1, oy, plot.right - 1, oy, theme.blank, 1, tag="axis-x"))
    names = list(projection.labels)
    if projection.explained is not None:
        names = [f"{n} {100 * share:.0f}%" for n, share in zip(names, projection.explained, strict=True)]
    items.append(
        Text(
            plot.right,
            plot.bottom + theme.px(2),
            fit(names[0] + " →", plot.w // 2, small, measure),
            small,
            theme.dim,
            anchor="topright",
            tag="axis-name-x",
        )
    )
    items.append(
        Text(
            plot.x,
            plot.bottom + theme.px(2),
            fit("↑ " + names[1], plot.w // 2, small, measure),
            small,
            theme.dim,
            tag="axis-name-y",
        )
    )
    return items


def _path(points, start, visible, to_screen, colour, theme: Theme, tag: str) -> list[Primitive]:
    """Segments from the start state through each visible h_t, a dot at each."""
    items: list[Primitive] = []
    previous = to_screen(start)
    r = theme.px(4) if tag == "path" else theme.px(3)
    width = theme.px(2) if tag == "path" else 1
    dots: list[Primitive] = []
    for t, p in enumerate(points):
        if not visible[t]:
            break
        x, y = to_screen(p)
        items.append(Line(previous[0], previous[1], x, y, colour, width, tag=f"{tag}-line"))
        dots.append(Rect(x - r, y - r, 2 * r, 2 * r, colour, None, radius=r, tag=f"{tag}:{t}"))
        previous = (x, y)
    return items + dots


def _labels(
    frame: Frame, points, visible, start_xy, to_screen, plot: Box, theme: Theme, measure: Measure
) -> list[Primitive]:
    """Each point's input symbol beside it, skipped where it would cover another label or
    repeat the same symbol close by (a trained network revisits its states, and one label
    per place is enough). The current point is labelled first so it always gets its label."""
    trace = frame.trace
    small = theme.size("small")
    order = [frame.step.t] if frame.step.t < len(points) else []
    order += [t for t in range(len(points)) if t not in order]
    taken: list[tuple[int, int, int, int]] = [(start_xy[0] - 8, start_xy[1] - 8, 16, 16)]
    named: list[tuple[str, int, int]] = []  # (symbol, x, y) of the points labelled so far
    items: list[Primitive] = []
    for t in order:
        if not visible[t]:
            continue
        x, y = to_screen(points[t])
        items.append(
            Hotspot(x - theme.px(8), y - theme.px(8), theme.px(16), theme.px(16), "timestep", str(t))
        )
        text = trace.vocab[trace.inputs[t]]
        w, h = measure(text, small, "mono", True), round(small * 1.2)
        if any(s == text and abs(x - sx) + abs(y - sy) < 2 * h for s, sx, sy in named):
            continue
        for dx, dy in (
            (theme.px(7), -h - 2),
            (theme.px(7), 2),
            (-w - theme.px(7), -h - 2),
            (-w - theme.px(7), 2),
        ):
            bx, by = x + dx, y + dy
            inside = plot.x <= bx and bx + w <= plot.right and plot.y <= by and by + h <= plot.bottom
            if inside and not any(_overlap((bx, by, w, h), other) for other in taken):
                taken.append((bx, by, w, h))
                named.append((text, x, y))
                current = t == frame.step.t
                colour = theme.result if current else theme.text
                items.append(
                    Text(bx, by, text, small, colour, font="mono", bold=current, tag=f"point-label:{t}")
                )
                break
    return items


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _legend(
    items: list[Primitive],
    frame: Frame,
    ghost_names: tuple[str, ...],
    box: Box,
    title_end: int,
    theme: Theme,
    measure: Measure,
) -> None:
    """Which path is which, right of the title: this checkpoint and the untrained ghost,
    the ghost's name shortened, then dropped, when the row is too narrow."""
    small = theme.size("small")
    y = title_middle(box, theme)
    for ghost_name in (*ghost_names, ""):
        entries = [(frame.state.checkpoint, theme.negative)]
        if ghost_name:
            entries.insert(0, (ghost_name, theme.faint))
        parts: list[Primitive] = []
        x = box.right - theme.px(8)
        for name, colour in reversed(entries):
            parts.append(Text(x, y, name, small, theme.dim, anchor="midright", tag=f"legend:{name}"))
            x -= measure(name, small, "sans", False) + theme.px(6) + theme.px(18)
            parts.append(Line(x, y, x + theme.px(18), y, colour, theme.px(3), tag="legend-line"))
            x -= theme.px(14)
        if x > title_end + theme.px(12):
            items += parts
            return


def _readout(frame: Frame, projection: analysis.Projection, shown: np.ndarray) -> str:
    """The current point's coordinates and the hidden state they stand for."""
    trace = frame.trace
    t = frame.step.t
    if t >= trace.length or not shown[t]:
        return f"t = {t}: h not computed yet; hollow dot: the start state h = 0"
    x, y = projection.points[t]
    a, b = projection.labels
    h = ", ".join(number(float(v), 2) for v in trace.summary["h"][t])
    where = f"t = {t}, input '{trace.vocab[trace.inputs[t]]}'"
    return f"{where}: {a} {number(float(x))}, {b} {number(float(y))}  h = [{h}]"
