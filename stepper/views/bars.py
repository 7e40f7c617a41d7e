"""The thin panels around the diagram: timeline, caption and status bar."""

from __future__ import annotations

import math

from stepper.commands import STATUS_HINTS, binding
from stepper.navigation import position
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme, mix
from stepper.trace import BACKWARD
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, wrap


def build_timeline(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """One column per timestep: input, target, predicted probability of the target."""
    trace = frame.trace
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="timeline")]
    n = trace.length
    if n == 0:
        return items
    label_w = theme.px(130)
    size = theme.size("small")
    rows = ("input", "target", "p(target)")
    row_h = (box.h - theme.px(8)) // 3
    for r, name in enumerate(rows):
        items.append(
            Text(
                box.x + theme.px(10),
                box.y + theme.px(4) + r * row_h + row_h // 2,
                name,
                size,
                theme.dim,
                anchor="midleft",
            )
        )
    x0 = box.x + label_w
    col_w = (box.w - label_w - theme.px(8)) / n
    probs = trace.summary["p"]
    current = frame.step.t
    wide = col_w >= measure("100%", size, "sans", False) + theme.px(8)
    every = 1 if wide else max(1, math.ceil(theme.px(40) / max(col_w, 1e-9)))
    for t in range(n):
        x = round(x0 + t * col_w)
        w = max(1, round(x0 + (t + 1) * col_w) - x)
        p_target = float(probs[t, trace.targets[t]])
        good = p_target if math.isfinite(p_target) else 0.0
        fill = mix(theme.neutral, theme.good, good)
        items.append(Rect(x, box.y + theme.px(4) + 2 * row_h, w, row_h, fill, None, tag=f"pcell:{t}"))
        if t == current:
            items.append(
                Rect(x, box.y + 2, w, box.h - 4, None, theme.result, theme.px(3), tag="timeline-now")
            )
        items.append(Hotspot(x, box.y, w, box.h, "timestep", str(t)))
        if t % every:
            continue
        cx = x + w // 2
        for r, text in enumerate((trace.vocab[trace.inputs[t]], trace.vocab[trace.targets[t]])):
            items.append(
                Text(
                    cx,
                    box.y + theme.px(4) + r * row_h + row_h // 2,
                    fit(text, max(w, 1) * every, size, measure, "mono"),
                    size,
                    theme.text,
                    font="mono",
                    anchor="center",
                )
            )
        if wide:
            pct = f"{100 * p_target:.0f}%" if math.isfinite(p_target) else "NaN"
            items.append(
                Text(
                    cx,
                    box.y + theme.px(4) + 2 * row_h + row_h // 2,
                    pct,
                    size,
                    theme.text,
                    anchor="center",
                    tag=f"ptext:{t}",
                )
            )
    return items


def caption_lines(frame: Frame) -> list[str]:
    """The lesson's narration for this place, live values filled in; else the line's own comment."""
    from stepper.narration import narration_at

    step = frame.step
    state = frame.state
    found = narration_at(frame.lesson, frame.trace, frame.cursor.index, state.checkpoint, frame.iteration)
    if found:
        return found
    line = frame.trace.listing(step.phase).lines[step.line]
    shape, _, meaning = step.note.partition(")")
    meaning = meaning.strip() or "computed"
    return [f"t = {step.t}:  {line.source.strip()}   -  {meaning}, shape {shape})"]


def build_caption(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="caption")]
    size = theme.size("text") + theme.px(2)
    line_h = int(size * 1.35)
    pad = theme.px(14)
    if frame.problem:
        text = frame.problem
        color = theme.bad
    else:
        text = "  ".join(caption_lines(frame))
        color = theme.text
    lines = wrap(text, box.w - 2 * pad, size, measure)
    room = max(1, (box.h - 2 * pad + (line_h - size)) // line_h)
    if len(lines) > room:
        lines = [*lines[: room - 1], fit(" ".join(lines[room - 1 :]), box.w - 2 * pad, size, measure)]
    for k, line in enumerate(lines):
        items.append(Text(box.x + pad, box.y + pad + k * line_h, line, size, color, tag="caption-text"))
    return items


def build_status(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.status, None, tag="status")]
    k, n = position(frame.cursor, frame.trace)
    checkpoint = frame.state.checkpoint
    phase = "backward" if frame.cursor.phase == BACKWARD else "forward"
    parts = [
        frame.lesson.title,
        f"{checkpoint} (iteration {frame.iteration})",
        f"{phase}  step {k} of {n}  t = {frame.step.t}",
    ]
    if frame.state.playing:
        parts.append(f"playing {frame.state.speed:g}/s")
    size = theme.size("small")
    mid = box.y + box.h // 2
    hints = "   ".join(f"{binding(c).label} {binding(c).command.value}" for c in STATUS_HINTS)
    hints = fit(hints, box.w // 3, size, measure)
    hint_w = measure(hints, size, "sans", False)
    left = "   |   ".join(parts)
    if frame.state.message:
        left += "   |   " + frame.state.message
    room = box.w - hint_w - theme.px(40)
    items.append(
        Text(
            box.x + theme.px(12),
            mid,
            fit(left, room, size, measure),
            size,
            theme.status_text,
            anchor="midleft",
            tag="status-text",
        )
    )
    if hints:
        items.append(
            Text(
                box.right - theme.px(12),
                mid,
                hints,
                size,
                theme.status_text,
                anchor="midright",
                tag="status-hints",
            )
        )
    return items
