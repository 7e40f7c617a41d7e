"""Full-screen layers: help (drawn from the binding table), teacher notes, the lesson
list (also the start screen), and the message screen for a lesson that cannot open."""

from __future__ import annotations

from dataclasses import dataclass

from stepper.commands import BINDINGS
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Measure
from stepper.views.text import fit, wrap


@dataclass(frozen=True)
class LessonEntry:
    title: str
    summary: str
    error: str = ""  # why it cannot open, if it cannot


def _card(box: Box, theme: Theme, title: str, measure: Measure) -> tuple[list[Primitive], Box]:
    margin_x, margin_y = max(theme.px(40), box.w // 12), max(theme.px(30), box.h // 14)
    card = Box(box.x + margin_x, box.y + margin_y, box.w - 2 * margin_x, box.h - 2 * margin_y)
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, (0, 0, 0), None, tag="scrim", alpha=150),
        Rect(card.x, card.y, card.w, card.h, theme.overlay, theme.border, 2, radius=theme.px(8), tag="card"),
    ]
    pad = theme.px(28)
    items.append(
        Text(
            card.x + pad,
            card.y + pad,
            fit(title, card.w - 2 * pad, theme.size("big"), measure, bold=True),
            theme.size("big"),
            theme.overlay_text,
            bold=True,
            tag="overlay-title",
        )
    )
    inner = Box(card.x + pad, card.y + pad + theme.px(56), card.w - 2 * pad, card.h - 2 * pad - theme.px(56))
    return items, inner


def build_help(box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items, inner = _card(box, theme, "Keys", measure)
    size = theme.size("text")
    line_h = int(size * 1.5)
    groups: dict[str, list] = {}
    for b in BINDINGS:
        groups.setdefault(b.group, []).append(b)
    columns = 2
    col_w = inner.w // columns
    key_w = max(measure(b.label, size, "mono", True) for b in BINDINGS) + theme.px(24)
    x, y, col = inner.x, inner.y, 0
    for group, bindings in groups.items():
        needed = (len(bindings) + 1) * line_h + theme.px(10)
        if y + needed > inner.bottom and col + 1 < columns:
            col += 1
            x, y = inner.x + col * col_w, inner.y
        items.append(Text(x, y, group, theme.size("small"), theme.faint, bold=True))
        y += line_h
        for b in bindings:
            items.append(
                Text(x, y, b.label, size, theme.overlay_text, font="mono", bold=True, tag="help-key")
            )
            items.append(
                Text(
                    x + key_w,
                    y,
                    fit(b.command.value, col_w - key_w - theme.px(20), size, measure),
                    size,
                    theme.overlay_text,
                    tag=f"help:{b.command.name}",
                )
            )
            y += line_h
        y += theme.px(10)
    return items


def build_notes(box: Box, theme: Theme, measure: Measure, title: str, notes: str) -> list[Primitive]:
    items, inner = _card(box, theme, f"Teacher notes  -  {title}", measure)
    size = theme.size("text") + theme.px(2)
    line_h = int(size * 1.45)
    text = notes.strip() or "This lesson has no teacher notes."
    lines = wrap(text, inner.w, size, measure)
    room = max(1, inner.h // line_h)
    for k, line in enumerate(lines[:room]):
        items.append(Text(inner.x, inner.y + k * line_h, line, size, theme.overlay_text, tag="notes-text"))
    return items


def build_lessons(
    box: Box,
    theme: Theme,
    measure: Measure,
    entries: list[LessonEntry],
    selection: int,
    title: str = "RNN Stepper  -  choose a lesson",
) -> list[Primitive]:
    items, inner = _card(box, theme, title, measure)
    size, small = theme.size("text") + theme.px(2), theme.size("small")
    hint = "↑ ↓ to choose, Enter or 1-9 to open, Esc to close"
    items.append(Text(inner.x, inner.bottom - small, fit(hint, inner.w, small, measure), small, theme.faint))
    row_h = max(theme.px(70), (inner.h - theme.px(40)) // max(1, len(entries)))
    row_h = min(row_h, theme.px(110))
    for k, entry in enumerate(entries):
        y = inner.y + k * row_h
        if y + row_h > inner.bottom - theme.px(30):
            break
        if k == selection:
            items.append(
                Rect(
                    inner.x - theme.px(10),
                    y - theme.px(4),
                    inner.w + theme.px(20),
                    row_h - theme.px(6),
                    (70, 76, 90),
                    None,
                    radius=theme.px(6),
                    tag="lesson-selected",
                )
            )
        number = f"{k + 1}." if k < 9 else "  "
        items.append(Text(inner.x, y, number, size, theme.overlay_text, font="mono", bold=True))
        x = inner.x + theme.px(44)
        items.append(
            Text(
                x,
                y,
                fit(entry.title, inner.w - theme.px(50), size, measure, bold=True),
                size,
                theme.overlay_text,
                bold=True,
                tag=f"lesson:{k}",
            )
        )
        detail = entry.error or entry.summary
        colour = (255, 140, 120) if entry.error else (200, 200, 200)
        for j, line in enumerate(wrap(detail, inner.w - theme.px(50), small, measure)[:2]):
            items.append(Text(x, y + int(size * 1.4) + j * int(small * 1.3), line, small, colour))
        items.append(Hotspot(inner.x, y, inner.w, row_h, "lesson", str(k)))
    return items


def build_message(box: Box, theme: Theme, measure: Measure, title: str, message: str) -> list[Primitive]:
    """A lesson that could not open: its errors, readable, instead of a crash."""
    items, inner = _card(box, theme, title, measure)
    size = theme.size("text")
    line_h = int(size * 1.45)
    lines: list[str] = []
    for paragraph in message.splitlines() or [""]:
        lines += wrap(paragraph, inner.w, size, measure, "mono")
    lines.append("")
    lines.append("L: lesson list    Esc: quit")
    room = max(1, inner.h // line_h)
    for k, line in enumerate(lines[:room]):
        items.append(
            Text(
                inner.x, inner.y + k * line_h, line, size, theme.overlay_text, font="mono", tag="message-text"
            )
        )
    return items
