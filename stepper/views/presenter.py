"""The presenter window: what the teacher sees on the laptop while the projector shows the
lesson. Drawn from the same state as the projector's scene: the place, the elapsed time, the
caption on screen and the one that comes next, the teacher notes, an open question with its
answer, a box where the app puts a live thumbnail of the projector, and the keys."""

from __future__ import annotations

from dataclasses import replace

from stepper.commands import MODES, Command
from stepper.navigation import move, position
from stepper.scene import Layer, Primitive, Rect, Scene, Text
from stepper.theme import Theme
from stepper.views.bars import caption_lines
from stepper.views.frame import Box, Frame, Measure
from stepper.views.overlays import notes_lines
from stepper.views.question import BOLD
from stepper.views.text import fit, wrap

#: The thumbnail's Rect: the app scales the projector's pixels into it.
THUMBNAIL = "thumbnail"


def clock(seconds: float) -> str:
    """Elapsed time as the teacher reads it: 7:05, or 1:02:03 past an hour."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def place_line(frame: Frame) -> str:
    k, n = position(frame.cursor, frame.trace)
    where = f"step {k} of {n}   {frame.cursor.phase} pass   t = {frame.step.t}"
    if frame.state.iteration is not None:
        return f"{where}   iteration {frame.state.iteration} on its own chunk"
    return f"{where}   checkpoint {frame.state.checkpoint} (iteration {frame.iteration})"


def next_caption(frame: Frame) -> list[str]:
    """The caption the next op will show (none at the end of the pass)."""
    nxt = move(frame.cursor, frame.trace, Command.NEXT_OP)
    if nxt == frame.cursor:
        return []
    return caption_lines(replace(frame, state=replace(frame.state, cursor=nxt, quiz=None), posed=None))


def _question_lines(frame: Frame) -> list[str]:
    quiz, posed = frame.state.quiz, frame.posed
    if quiz is None:
        return []
    if quiz.kind == "compute":
        step = frame.trace.steps[quiz.target]
        values = ", ".join(f"{v:.3g}" for v in step.output.ravel()[:8])
        return [f"The class computes {step.op}: {values}"]
    if posed is None:
        return []
    counted = f"   ({sum(quiz.votes)} hands)" if posed.options else ""
    return [f"Question: {posed.question}", f"Answer: {posed.answer_text}{counted}"]


def build_presenter(
    frame: Frame, width: int, height: int, theme: Theme, measure: Measure, elapsed: float, aspect: float
) -> Scene:
    """`elapsed`: seconds since the lesson opened; `aspect`: the projector's width over height."""
    gap = theme.px(14)
    size, small, big = theme.size("text"), theme.size("small"), theme.size("title")
    top_h = int(big * 1.9)
    items: list[Primitive] = [
        Rect(0, 0, width, height, theme.background, None, tag="background"),
        Rect(0, 0, width, top_h, theme.status, None, tag="presenter-top"),
    ]
    time_text = clock(elapsed)
    time_w = measure(time_text, big, "mono", True)
    items.append(Text(gap, top_h // 2, time_text, big, theme.status_text, "mono", True, "midleft", "elapsed"))
    place = fit(place_line(frame), width - time_w - 3 * gap, size, measure)
    ink = theme.status_text
    items.append(Text(time_w + 2 * gap, top_h // 2, place, size, ink, "sans", False, "midleft", "place"))
    right_w = int(width * 0.42)
    left = Box(gap, top_h + gap, width - right_w - 3 * gap, height - top_h - 2 * gap)
    right = Box(left.right + gap, top_h + gap, right_w, height - top_h - 2 * gap)
    y = left.y

    def block(title: str, lines: list[str], text_size: int, tag: str, bold: bool = False) -> None:
        nonlocal y
        if y + small * 1.4 > left.bottom:
            return
        items.append(Text(left.x, y, title, small, theme.dim, bold=True, tag=f"{tag}-title"))
        y += int(small * 1.5)
        for line in lines:
            for part in wrap(line, int(left.w * BOLD) if bold else left.w, text_size, measure):
                if y + text_size * 1.3 > left.bottom:
                    return
                items.append(Text(left.x, y, part, text_size, theme.text, bold=bold, tag=tag))
                y += int(text_size * 1.3)
        y += gap

    question = _question_lines(frame)
    if question:
        block("OPEN QUESTION (the class does not see the answer)", question, size, "presenter-question", True)
    block("ON SCREEN NOW", caption_lines(frame), small, "caption-now")
    block("NEXT CAPTION", next_caption(frame) or ["(end of this pass)"], size, "caption-next", True)
    notes = frame.lesson.teacher_notes or "(this lesson has no teacher notes)"
    if y + small * 1.5 < left.bottom:
        items.append(Text(left.x, y, "TEACHER NOTES", small, theme.dim, bold=True, tag="notes-title"))
        y += int(small * 1.5)
        lines = notes_lines(notes, left.w, size, measure)
        shown = lines[min(frame.state.notes_scroll, len(lines) - 1) :]  # the wheel scrolls them
        for line in shown:
            if y + size * 1.35 > left.bottom:
                break
            x = left.x + line.indent
            for text, font in line.runs:
                items.append(Text(x, y, text, size, theme.text, font, tag="notes"))
                x += measure(text, size, font, False)
            y += int(size * 1.35)
    # The projector, scaled: the app blits its pixels into this box.
    thumb_w = right.w
    thumb_h = min(int(thumb_w / aspect), right.h // 2)
    thumb_w = int(thumb_h * aspect)
    items.append(Rect(right.x, right.y, thumb_w, thumb_h, theme.blank, theme.border, 1, tag=THUMBNAIL))
    y = right.y + thumb_h + gap
    items.append(Text(right.x, y, "KEYS", small, theme.dim, bold=True, tag="keys-title"))
    y += int(small * 1.5)
    for b in MODES[frame.state.mode]:
        if y + small * 1.3 > right.bottom:
            break
        label = fit(f"{b.label}   {b.command.value}", right.w, small, measure)
        items.append(Text(right.x, y, label, small, theme.text, tag="key"))
        y += int(small * 1.3)
    return Scene(width, height, (Layer("presenter", 0, 0, width, height, tuple(items)),))

