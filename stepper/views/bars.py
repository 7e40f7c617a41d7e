"""The thin panels around the diagram: timeline, caption and status bar."""

from __future__ import annotations

import math

import numpy as np

from stepper.commands import MODES, QUIT_QUESTION, STATUS_HINTS, Command, binding
from stepper.entries import ENTRIES
from stepper.navigation import position
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.symbols import read_sequence, visible
from stepper.theme import RGB, Theme, ink_on, mix
from stepper.trace import BACKWARD, FORWARD, SAMPLE, UPDATE
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, wrap

CHANCE_BAND = 0.25  # within 25% of 1/V, and no symbol above it by more: a guess at chance


def verdict(probs: np.ndarray, target: int) -> str:
    """right: the target is the most likely symbol; chance: every symbol near 1/V;
    wrong: another symbol is more likely than the target. NaN: "nan"."""
    if not np.all(np.isfinite(probs)):
        return "nan"
    chance = 1.0 / len(probs)
    if abs(probs[target] - chance) <= CHANCE_BAND * chance and probs.max() <= (1 + CHANCE_BAND) * chance:
        return "chance"
    return "right" if probs[target] >= probs.max() else "wrong"


def p_known(frame: Frame) -> int:
    """How many timesteps have p(target) computed at this op: the forward pass computes
    p at t with its `p` line; the backward pass runs after all of them."""
    trace, step = frame.trace, frame.step
    if step.phase == BACKWARD:
        return trace.length
    block = trace.timestep_range(FORWARD, step.t)
    p_at = next((i for i in block if trace.steps[i].op == "p"), block.stop - 1)
    return step.t + (1 if frame.cursor.index >= p_at else 0)


def _percent(p: float) -> str:
    if not math.isfinite(p):
        return "NaN"
    return f"{100 * p:.1f}%" if p < 0.01 else f"{100 * p:.0f}%"


def _verdict_colors(theme: Theme) -> dict[str, RGB]:
    return {
        "right": theme.good,
        "chance": (235, 190, 60),
        "wrong": theme.bad,
        "nan": theme.faint,
        "unknown": theme.blank,
    }


MARKS = {"right": "✓", "chance": "~", "wrong": "✗", "nan": "", "unknown": ""}


def _legend(box: Box, theme: Theme, measure: Measure, vocab_size: int) -> list[Primitive]:
    """One line over the columns: what each colour of the p(target) row says."""
    size = theme.size("small")
    colors = _verdict_colors(theme)
    chance = f"{100 / vocab_size:.0f}%"
    wordings = (
        (
            ("right", "✓ right: the target is the most likely"),
            ("chance", f"~ chance: about 1/V = {chance}"),
            ("wrong", "✗ wrong: another symbol is more likely"),
            ("unknown", "not computed yet"),
        ),
        (
            ("right", "✓ right"),
            ("chance", f"~ chance (1/V = {chance})"),
            ("wrong", "✗ wrong"),
            ("unknown", "not yet"),
        ),
    )
    swatch, gap = theme.px(14), theme.px(18)
    lead = "p(target):"
    for words in wordings:
        width = measure(lead, size, "sans", False) + sum(
            swatch + theme.px(6) + measure(text, size, "sans", False) + gap for _, text in words
        )
        if width <= box.w - theme.px(20):
            break
    else:
        return []
    y = box.y + theme.px(4) + size // 2 + theme.px(2)
    x = box.x + theme.px(10)
    items: list[Primitive] = [Text(x, y, lead, size, theme.dim, anchor="midleft", tag="timeline-legend")]
    x += measure(lead, size, "sans", False) + gap // 2
    for name, text in words:
        items.append(
            Rect(x, y - swatch // 2, swatch, swatch, colors[name], theme.border, 1, tag=f"legend:{name}")
        )
        x += swatch + theme.px(6)
        items.append(Text(x, y, text, size, theme.dim, anchor="midleft", tag="timeline-legend"))
        x += measure(text, size, "sans", False) + gap
    return items


def build_timeline(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """One column per timestep: input, target, and p(target) once computed, coloured and
    marked by how the prediction went (right, at chance, wrong), under a legend."""
    trace = frame.trace
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="timeline")]
    n = trace.length
    if n == 0:
        return items
    label_w = theme.px(130)
    size = theme.size("small")
    legend = _legend(box, theme, measure, len(trace.vocab))
    top = box.y + theme.px(4) + (size + theme.px(6) if legend else 0)
    items += legend
    rows = ("input", "target", "p(target)")
    row_h = (box.y + box.h - theme.px(4) - top) // 3
    for r, name in enumerate(rows):
        items.append(
            Text(box.x + theme.px(10), top + r * row_h + row_h // 2, name, size, theme.dim, anchor="midleft")
        )
    x0 = box.x + label_w
    col_w = (box.w - label_w - theme.px(8)) / n
    probs = trace.summary["p"]
    current = frame.step.t
    known = p_known(frame)
    colors = _verdict_colors(theme)
    wide = col_w >= measure("✗ 100%", size, "sans", False) + theme.px(8)
    every = 1 if col_w >= theme.px(24) else max(1, math.ceil(theme.px(24) / max(col_w, 1e-9)))
    for t in range(n):
        x = round(x0 + t * col_w)
        w = max(1, round(x0 + (t + 1) * col_w) - x)
        p_y = top + 2 * row_h
        kind = verdict(probs[t], trace.targets[t]) if t < known else "unknown"
        fill = colors[kind]
        if kind == "right":  # paler the less sure: 50% beside 49% is right, but barely
            fill = mix(theme.panel, fill, 0.35 + 0.65 * float(probs[t, trace.targets[t]]))
        items.append(Rect(x, p_y, w, row_h, fill, None, tag=f"pcell:{t}"))
        if kind == "wrong":  # marked even where the column is too narrow for words
            items.append(Rect(x, p_y, w, row_h, None, theme.text, theme.px(2), tag=f"wrong:{t}"))
        if t == current:
            mark_top = top - 2 if legend else box.y + 2  # under the legend, not across it
            items.append(
                Rect(
                    x,
                    mark_top,
                    w,
                    box.bottom - 2 - mark_top,
                    None,
                    theme.result,
                    theme.px(3),
                    tag="timeline-now",
                )
            )
        items.append(Hotspot(x, box.y, w, box.h, "timestep", str(t)))
        cx = x + w // 2
        if t % every == 0:
            for r, symbol in enumerate((trace.inputs[t], trace.targets[t])):
                text = visible(trace.vocab[symbol], trace.vocab)
                items.append(
                    Text(
                        cx,
                        top + r * row_h + row_h // 2,
                        fit(text, max(w, 1) * every, size, measure, "mono"),
                        size,
                        theme.text,
                        font="mono",
                        anchor="center",
                        tag=f"symbol:{r}:{t}",
                    )
                )
        if kind != "unknown" and (wide or kind == "wrong"):
            p_target = float(probs[t, trace.targets[t]])
            mark = MARKS[kind]
            text = f"{mark} {_percent(p_target)}".strip() if wide else mark
            items.append(
                Text(
                    cx,
                    p_y + row_h // 2,
                    fit(text, w, size, measure),
                    size,
                    ink_on(fill),
                    bold=kind == "wrong",
                    anchor="center",
                    tag=f"ptext:{t}",
                )
            )
    if typing_sequence(frame):
        items += _sequence_entry(frame, box, theme, measure)
    return items


def caption_lines(frame: Frame) -> list[str]:
    """The lesson's narration for this place, live values filled in; else the line's own comment."""
    from stepper.narration import narration_at

    step = frame.step
    state = frame.state
    checkpoint = state.checkpoint if state.iteration is None else None  # a chunk is no checkpoint's
    found = narration_at(frame.lesson, frame.trace, frame.cursor.index, checkpoint, frame.iteration)
    if found:
        return found
    line = frame.trace.listing(step.phase).lines[step.line]
    if step.phase == UPDATE:
        return [f"{tuple(frame.trace.params)[step.t]}:  {line.source.strip()}   -  {step.note}"]
    if step.phase == SAMPLE:
        return [f"symbol {step.t + 1}:  {line.source.strip()}   -  {step.note.partition(')')[2].strip()}"]
    shape, _, meaning = step.note.partition(")")
    meaning = meaning.strip() or "computed"
    return [f"t = {step.t}:  {line.source.strip()}   -  {meaning}, shape {shape})"]


CAPTION_FLOOR = 20  # px at zoom 1: a caption's words step down to this, never below
CUT_NOTE = "… (Ctrl - shows the whole caption)"


def _caption_text(frame: Frame, theme: Theme) -> tuple[str, RGB]:
    if frame.problem:
        return frame.problem, theme.bad
    return "  ".join(caption_lines(frame)), theme.text


def _caption_sizes(theme: Theme) -> list[int]:
    size, floor = theme.size("text") + theme.px(2), theme.px(CAPTION_FLOOR)
    return sorted({size, min(size, floor)}, reverse=True)


def _caption_rows(box_h: int, size: int, theme: Theme) -> int:
    line_h = int(size * 1.35)
    return max(1, (box_h - 2 * theme.px(14) + (line_h - size)) // line_h)


def typing_sequence(frame: Frame) -> bool:
    """A sequence entry is open: it is drawn on the timeline, which keeps its room for it."""
    return frame.state.mode == "entry" and frame.state.entry_kind == "sequence"


def caption_least(theme: Theme) -> int:
    """One line of caption at its floor size: the least a caption bar is kept at."""
    return 2 * theme.px(14) + theme.px(CAPTION_FLOOR)


def caption_height(frame: Frame, width: int, theme: Theme, measure: Measure) -> int:
    """The height the caption needs for all of its words at its smallest size."""
    text = _caption_text(frame, theme)[0]
    size = _caption_sizes(theme)[-1]
    lines = len(wrap(text, width - 2 * theme.px(14), size, measure))
    line_h = int(size * 1.35)
    return 2 * theme.px(14) + lines * line_h - (line_h - size)


def build_caption(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """Every word of the caption: its font steps down to CAPTION_FLOOR before any is left
    out, and when some still are, the last line says so and how to read them."""
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="caption")]
    pad = theme.px(14)
    text, color = _caption_text(frame, theme)
    for size in _caption_sizes(theme):
        lines = wrap(text, box.w - 2 * pad, size, measure)
        room = _caption_rows(box.h, size, theme)
        if len(lines) <= room:
            break
    if len(lines) > room:
        rest = " ".join(lines[room - 1 :])
        cut = fit(rest + CUT_NOTE, box.w - 2 * pad, size, measure)
        if cut.endswith("…"):  # a cut line ends with the note, not with a bare ellipsis
            head = fit(rest, box.w - 2 * pad - measure(CUT_NOTE, size, "sans", False), size, measure)
            cut = head.removesuffix("…") + CUT_NOTE if head else fit(CUT_NOTE, box.w - 2 * pad, size, measure)
        lines = [*lines[: room - 1], cut]
    line_h = int(size * 1.35)
    for k, line in enumerate(lines):
        items.append(Text(box.x + pad, box.y + pad + k * line_h, line, size, color, tag="caption-text"))
    return items


def _cell_name(cell: tuple[str, tuple[int, ...]]) -> str:
    return f"{cell[0]}[{','.join(map(str, cell[1]))}]"


def _mode_prompt(frame: Frame) -> tuple[str, str]:
    """What the open entry (or the selected weight) is for, and its own keys."""
    state = frame.state
    keys = "  ".join(f"{b.label} {b.command.value}" for b in MODES[state.mode])
    if state.mode == "weight" and state.selected is not None:
        value = float(frame.trace.params[state.selected[0]][state.selected[1]])
        return f"{_cell_name(state.selected)} = {value:.4g} selected", keys
    prompt, shown = ENTRIES[state.entry_kind].prompt, state.entry
    if state.entry_kind == "sequence" and len(shown) > 40:
        shown = "…" + shown[-39:]
    if state.entry_kind == "weight" and state.selected is not None:
        value = float(frame.trace.params[state.selected[0]][state.selected[1]])
        prompt = f"{_cell_name(state.selected)} (now {value:.4g})"
    if state.entry_kind == "iteration" and frame.marks:
        prompt += f" (0..{frame.marks[-1][1] - 1})"
    return f"{prompt}: {shown}_", keys


def _sequence_entry(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """The entry on the timeline: what is typed, each symbol not in the vocabulary underlined
    where it stands, and why, in words."""
    state, vocab = frame.state, frame.trace.vocab
    size = theme.size("code")
    small = theme.size("small")
    pad = theme.px(10)
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.panel, theme.result, theme.px(3), tag="sequence-entry")
    ]
    label = "new sequence (Enter plays it, Esc keeps the old): "
    label_w = measure(label, small, "sans", False)
    items.append(Text(box.x + pad, box.y + pad, label, small, theme.dim, tag="sequence-entry-label"))
    text, cut = state.entry, 0
    room = box.w - 2 * pad - theme.px(20)
    while text and measure("…" + text, size, "mono", False) > room:
        text, cut = text[1:], cut + 1
    shown = ("…" if cut else "") + text
    x0, y0 = box.x + pad, box.y + pad + small + theme.px(8)
    items.append(Text(x0, y0, shown + "▏", size, theme.text, font="mono", tag="sequence-entry-text"))
    typed = read_sequence(state.entry, vocab)
    offset = 1 if cut else 0
    for a, b in typed.marks:
        if b <= cut:
            continue
        i, j = max(0, a - cut) + offset, b - cut + offset
        start = measure(shown[:i], size, "mono", False)
        width = max(theme.px(6), measure(shown[i:j], size, "mono", False))
        y = y0 + size + theme.px(2)
        items.append(Rect(x0 + start, y, width, theme.px(4), theme.bad, None, tag=f"unknown:{a}"))
    if typed.problem and state.entry:
        note = fit(typed.problem, box.w - 2 * pad - label_w, small, measure)
        x, y = box.x + pad + label_w, box.y + pad
        under = y0 + size + theme.px(10)  # no room beside the label: on its own line under the typed
        if note != typed.problem and under + small * 1.25 <= box.bottom:
            x, y = box.x + pad, under
            note = fit(typed.problem, box.w - 2 * pad, small, measure)
        items.append(Text(x, y, note, small, theme.bad, tag="sequence-entry-problem"))
    return items


def build_status(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.status, None, tag="status")]
    k, n = position(frame.cursor, frame.trace)
    checkpoint = frame.state.checkpoint
    phase = frame.cursor.phase
    where = f"t = {frame.step.t}"
    if phase == UPDATE:
        where = f"group {tuple(frame.trace.params)[frame.step.t]}"
    elif phase == SAMPLE:
        where = f"symbol {frame.step.t + 1}"
    place = (
        f"iteration {frame.iteration} on its own chunk"
        if frame.state.iteration is not None
        else f"{checkpoint}: iteration {frame.iteration} on its own chunk"
        if frame.trace.chunk is not None  # a paused live run: the iteration it makes next
        else f"{checkpoint} (iteration {frame.iteration})"
    )
    if frame.state.edits:  # how far the weights shown are from the checkpoint's
        count = len(frame.state.edits)
        restore = binding(Command.RESTORE_WEIGHTS).label
        place += f", {count} weight{'s' if count != 1 else ''} edited ({restore} restores)"
    parts = [frame.lesson.title, place, f"{phase}  step {k} of {n}  {where}"]
    if frame.state.playing:
        parts.append(f"playing {frame.state.speed:g}/s")
    size = theme.size("small")
    mid = box.y + box.h // 2
    hints = "   ".join(f"{binding(c).label} {binding(c).command.value}" for c in STATUS_HINTS)
    hints = fit(hints, box.w // 3, size, measure)
    hint_w = measure(hints, size, "sans", False)
    if frame.state.message:  # what just happened comes first, so a narrow window never cuts it
        parts = [frame.state.message, *parts[1:], parts[0]]
    if frame.state.mode in ("entry", "weight"):  # before it: what is typed or selected; the keys
        prompt, keys = _mode_prompt(frame)  # after the message, which a refusal must not lose
        told = frame.state.message
        parts = [prompt, parts[0], keys, *parts[1:]] if told else [f"{prompt}   {keys}", *parts]
    left = "   |   ".join(parts)
    room = box.w - hint_w - theme.px(40)
    x = box.x + theme.px(12)
    if frame.state.quit_asked:  # first and bold, so no narrow window cuts it off
        question = fit(QUIT_QUESTION + "   ", room, size, measure, bold=True)
        items.append(
            Text(x, mid, question, size, theme.status_text, bold=True, anchor="midleft", tag="quit-question")
        )
        used = measure(question, size, "sans", True)
        x, room = x + used, room - used
    items.append(
        Text(
            x,
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
