"""The value box beside the pointer: a cell's exact value and its gradient."""

from __future__ import annotations

from stepper.scene import Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Frame, Measure


def tooltip_lines(frame: Frame) -> list[str]:
    """What pointing at a number tells: its exact value, and for a weight its gradient."""
    hover = frame.state.hover
    if hover is None or hover.kind != "cell" or hover.value is None:
        return []
    trace = frame.trace
    where = ", ".join(str(i) for i in hover.index)
    lines = [f"{hover.name}[{where}] = {hover.value:.6g}"]
    param = trace.params.get(hover.name)
    if param is not None and len(hover.index) == param.ndim:
        total = trace.grads[hover.name][hover.index]
        lines.append(f"dL/d{hover.name}[{where}] = {float(total):.6g}  (whole sequence)")
        so_far = frame.env.get("d" + hover.name)
        if so_far is not None:
            lines.append(f"so far in this backward pass: {float(so_far[hover.index]):.6g}")
    return lines


def build_tooltip(frame: Frame, width: int, height: int, theme: Theme, measure: Measure) -> list[Primitive]:
    lines = tooltip_lines(frame)
    if not lines:
        return []
    size, pad = theme.size("small") + theme.px(2), theme.px(10)
    line_h = int(size * 1.4)
    w = max(measure(line, size, "mono", False) for line in lines) + 2 * pad
    h = len(lines) * line_h + 2 * pad - (line_h - size)
    px, py = frame.state.hover.pos
    x = px + theme.px(18) if px + theme.px(18) + w <= width else max(0, px - theme.px(18) - w)
    y = min(max(0, py + theme.px(18)), max(0, height - h))
    items: list[Primitive] = [
        Rect(x, y, min(w, width), h, theme.overlay, theme.border, 1, radius=theme.px(4), tag="tooltip")
    ]
    for k, line in enumerate(lines):
        items.append(
            Text(
                x + pad, y + pad + k * line_h, line, size, theme.overlay_text, font="mono", tag="tooltip-text"
            )
        )
    return items
