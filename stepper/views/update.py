"""The update pass's diagram: for the parameter group being updated, the weight before,
its gradient, the optimizer's state and the weight after, with numbers; the current
line's operands outlined in black, its result in magenta; after the last line, what the
step bought: this sequence's loss before and after."""

from __future__ import annotations

import numpy as np

from stepper.optim import STATE_NAMES, TITLES
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme, mix
from stepper.views.arrays import Shown, draw_arrays, panels_waiting
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, panel_title, wrap


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
    items.append(panel_title(box, title, theme, measure, tag="update-title"))
    shown, shapes, scale = _arrays(frame)
    size, small = theme.size("text"), theme.size("small")
    last = frame.cursor.index == trace.phase_range(step.phase).stop - 1
    width = box.w - 2 * pad
    Words = tuple[str, int, tuple[int, int, int], str]  # text, size, colour, tag
    footer: list[Words] = []
    hint: list[Words] = []  # these two are shown only where they leave the arrays their room
    waiting_line: list[Words] = []
    if last:
        change = record.loss_after - record.loss_before
        tiny = f"{change:+.1e}".replace("e-0", "e-")  # as the arrays write it, not -0.0000
        delta = f"{change:+.4f}" if change == 0 or abs(change) >= 5e-5 else tiny
        text = (
            f"What this step bought: the loss of this sequence was {record.loss_before:.4f} with the weights "
            f"before and is {record.loss_after:.4f} after ({delta}, computed by running it again)."
        )
        footer += [(line, size, theme.text, "update-loss") for line in wrap(text, width, size, measure)]
    else:
        text = "After the last group's last line: this sequence's loss before and after the update."
        hint.append((fit(text, width, small, measure), small, theme.dim, "update-loss"))
    waiting = panels_waiting(frame.state.panels, step.phase)
    if waiting:
        waiting_line.append((fit(waiting, width, small, measure), small, theme.dim, "panels-waiting"))
    top = box.y + pad + theme.px(TITLE_PX)
    note_h = int(small * 1.35)
    for lines in (hint + waiting_line + footer, waiting_line + footer, footer):
        heights = [int(s * 1.35) for _, s, _, _ in lines]
        area = Box(box.x + pad, top, width, box.bottom - pad - sum(heights) - theme.px(4) - top)
        drawn = draw_arrays(shown, shapes, area, theme, measure, scale)
        if drawn is not None and drawn[2]:  # something gives way: leave a line to name it
            area = Box(area.x, area.y, area.w, area.h - note_h)
            drawn = draw_arrays(shown, shapes, area, theme, measure, scale)
        if drawn is not None and (lines is footer or not drawn[2]):
            break
    footer = list(lines)
    if drawn is None:
        items.append(
            Text(area.x, area.y, "update: needs a larger window", size, theme.dim, tag="update-too-small")
        )
    else:
        items += drawn[0]
        if drawn[2]:
            note = f"Left out for room (a larger window shows them): {', '.join(drawn[2])}"
            footer.insert(0, (fit(note, width, small, measure), small, theme.dim, "left-out"))
            heights.insert(0, note_h)
    y = box.bottom - pad - sum(heights)
    for (line, s, color, tag), h in zip(footer, heights, strict=True):
        items.append(Text(box.x + pad, y, line, s, color, tag=tag))
        y += h
    return items


def _arrays(frame: Frame) -> tuple[list[Shown], list[tuple[int, ...]], float]:
    """The group's arrays at the cursor (before, gradient, state, after, what the line read)
    with their shapes and one colour scale."""
    trace, step = frame.trace, frame.step
    record = trace.update
    assert record is not None
    group = tuple(trace.params)[step.t]
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
    # What the line read, where the group's arrays now show something newer (dW before the
    # clip, mem before `mem += ...`): drawn beside them, so every operand's numbers are on screen.
    for name, value in step.inputs:
        if not any(s.name == name and s.value is not None and np.array_equal(s.value, value) for s in shown):
            shown.append(Shown(f"{name} (read)", f"{name} read", np.asarray(value), "operand"))
    after = np.asarray(env["W"]) if "W" in done else None
    shown.append(Shown(f"{group} after", "W after", after, "result" if step.op == "W" else ""))
    shapes = [np.shape(base["W"])] * len(shown)  # every array of a group has the weight's shape
    values = [s.value for s in shown if s.value is not None]
    scale = max((float(np.nanmax(np.abs(v))) for v in values if np.size(v)), default=1.0) or 1.0
    return shown, shapes, scale


TITLE_PX = 40  # at zoom 1: the title line above the arrays


def needed_height(frame: Frame, box: Box, theme: Theme, measure: Measure, most: int = 2160) -> int:
    """The height this view needs to draw the current line's arrays: the box's own when they
    fit in it, else the least (in steps of 24 px at zoom 1) that the rest of the screen gives
    way to, on a projector, before the view has to say it needs a larger window; 0 if no
    height up to `most` would do (too wide)."""
    key = (frame.trace, frame.cursor, frame.state.panels, box, theme, measure, most)
    if key not in _NEEDED:
        if len(_NEEDED) > 512:
            _NEEDED.clear()
        _NEEDED[key] = 0
        step = theme.px(24)
        for h in range(box.h, most + step, step):
            items = build_update(frame, Box(0, 0, box.w, h), theme, measure)
            if not any(getattr(i, "tag", "") == "update-too-small" for i in items):
                _NEEDED[key] = h
                break
    return _NEEDED[key]


_NEEDED: dict[tuple, int] = {}  # a place's answer, asked again at every frame drawn there


def forget() -> None:
    """Drop the remembered heights (they hold traces), as screen.forget does for the rest."""
    _NEEDED.clear()


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
                mix(theme.panel, fill, 0.35),
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
