"""The update pass's diagram: for the parameter group being updated, the weight before,
its gradient, the optimizer's state and the weight after, with numbers; the current
line's operands outlined in black, its result in magenta; after the last line, what the
step bought: this sequence's loss before and after."""

from __future__ import annotations

import numpy as np

from stepper.optim import STATE_NAMES, TITLES
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.arrays import Shown, draw_arrays, panels_waiting
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, wrap


def build_update(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace, step = frame.trace, frame.step
    record = trace.update
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="update-panel")
    ]
    pad = theme.px(14)
    assert record is not None
    groups = tuple(trace.params)
    group = groups[step.t]
    title = (
        f"Update ({TITLES[record.optimizer]}, step n = {record.step_number})  -  "
        f"{group}, group {step.t + 1} of {len(groups)}"
    )
    items.append(
        Text(
            box.x + pad,
            box.y + pad,
            fit(title, box.w - 2 * pad, theme.size("title"), measure, bold=True),
            theme.size("title"),
            theme.text,
            bold=True,
            tag="update-title",
        )
    )
    env = frame.env
    base = trace.bases[trace.block_of(frame.cursor.index)]
    reads = {name for name, _ in step.inputs}
    done = {
        s.op
        for s in trace.steps[
            trace.block_range(trace.block_of(frame.cursor.index)).start : frame.cursor.index + 1
        ]
    }

    def role(name: str) -> str:
        return "result" if name == step.op else "operand" if name in reads else ""

    shown = [Shown(f"{group} before", "W", np.asarray(base["W"]), "operand" if "W" in reads else "")]
    grad_title = f"d{group}" + (
        " (clipped)"
        if "dW" in done and any(line.op == "dW" for line in trace.listing(step.phase).ops)
        else ""
    )
    shown.append(Shown(grad_title, "dW", np.asarray(env["dW"]), role("dW")))
    for name in STATE_NAMES[record.optimizer]:
        label = f"{name} before" if name not in done else name
        shown.append(Shown(label, name, np.asarray(env[name]), role(name)))
    for name in ("m_hat", "v_hat"):
        if name in env and name in done:
            shown.append(Shown(name, name, np.asarray(env[name]), role(name)))
    after = np.asarray(env["W"]) if "W" in done else None
    shown.append(Shown(f"{group} after", "W after", after, "result" if step.op == "W" else ""))
    shapes = [np.shape(base["W"])] * len(shown)  # every array of a group has the weight's shape
    values = [s.value for s in shown if s.value is not None]
    scale = max((float(np.nanmax(np.abs(v))) for v in values if np.size(v)), default=1.0) or 1.0
    size = theme.size("text")
    line_h = int(size * 1.4)
    waiting = panels_waiting(frame.state.panels, step.phase)
    small = theme.size("small")
    waiting_lines = wrap(waiting, box.w - 2 * pad, small, measure)[:2] if waiting else []
    footer_h = 2 * line_h + pad + len(waiting_lines) * int(small * 1.3)
    area = Box(
        box.x + pad, box.y + pad + theme.px(44), box.w - 2 * pad, box.h - 2 * pad - theme.px(44) - footer_h
    )
    drawn = draw_arrays(shown, shapes, area, theme, measure, scale)
    if drawn is None:
        items.append(
            Text(area.x, area.y, "update: needs a larger window", size, theme.dim, tag="update-too-small")
        )
    else:
        items += drawn[0]
    last = frame.cursor.index == trace.phase_range(step.phase).stop - 1
    if last:
        change = record.loss_after - record.loss_before
        text = (
            f"What this step bought: the loss of this sequence was {record.loss_before:.4f} with the weights "
            f"before and is {record.loss_after:.4f} after ({change:+.4f}, computed by running it again)."
        )
        color = theme.text
    else:
        text = "After the last group's last line: this sequence's loss before and after the update."
        color = theme.dim
    y = box.bottom - pad - footer_h + pad
    for k, line in enumerate(wrap(text, box.w - 2 * pad, size, measure)[:2]):
        items.append(Text(box.x + pad, y + k * line_h, line, size, color, tag="update-loss"))
    for k, line in enumerate(waiting_lines):
        y_note = box.bottom - pad - (len(waiting_lines) - k) * int(small * 1.3)
        items.append(Text(box.x + pad, y_note, line, small, theme.dim, tag="panels-waiting"))
    return items


def build_update_timeline(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """In the update pass the timeline's columns are the parameter groups, in update order."""
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="timeline")]
    groups = tuple(frame.trace.params)
    size = theme.size("small")
    label_w = theme.px(130)
    items.append(
        Text(box.x + theme.px(10), box.y + box.h // 2, "updating", size, theme.dim, anchor="midleft")
    )
    col = (box.w - label_w - theme.px(8)) / max(1, len(groups))
    for k, name in enumerate(groups):
        x = round(box.x + label_w + k * col)
        w = max(1, round(col))
        done = k < frame.step.t or (
            k == frame.step.t
            and frame.cursor.index
            == frame.trace.block_range(frame.trace.block_of(frame.cursor.index)).stop - 1
        )
        fill = theme.good if done else theme.blank
        items.append(
            Rect(
                x,
                box.y + theme.px(8),
                w - 2,
                box.h - theme.px(16),
                mix_light(theme, fill),
                None,
                tag=f"group:{k}",
            )
        )
        if k == frame.step.t:
            items.append(
                Rect(x, box.y + 2, w - 2, box.h - 4, None, theme.result, theme.px(3), tag="timeline-now")
            )
        items.append(
            Text(
                x + w // 2,
                box.y + box.h // 2,
                fit(name, w - 4, size, measure, "mono"),
                size,
                theme.text,
                font="mono",
                anchor="center",
                tag=f"group-name:{k}",
            )
        )
        items.append(Hotspot(x, box.y, w, box.h, "timestep", str(k)))
    return items


def mix_light(theme: Theme, color) -> tuple[int, int, int]:
    from stepper.theme import mix

    return mix(theme.panel, color, 0.35)
