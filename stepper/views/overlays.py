"""Full-screen layers: help (drawn from the binding table), teacher notes, the lesson
list (also the start screen), and the message screen for a lesson that cannot open."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from stepper.commands import MODES
from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Measure
from stepper.views.text import fit, wrap


@dataclass(frozen=True)
class LessonEntry:
    title: str
    summary: str
    error: str = ""  # why it cannot open, if it cannot


def _card(
    box: Box, theme: Theme, title: str, measure: Measure, margins: tuple[int, int] | None = None
) -> tuple[list[Primitive], Box]:
    margin_x, margin_y = margins or (max(theme.px(40), box.w // 12), max(theme.px(30), box.h // 14))
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


#: The help overlay opens while stepping: it draws the stepping table. The entry mode's
#: own table is drawn in the status bar while an entry is open (stepper.views.bars).
HELP_BINDINGS = MODES["step"]


@dataclass(frozen=True)
class HelpGroup:
    """A group of bindings placed on the help card: its heading at (x, y), keys in a column
    `key_w` wide, and each binding's description wrapped into lines."""

    name: str
    x: int
    y: int
    key_w: int
    rows: tuple[tuple[object, tuple[str, ...]], ...]  # (binding, description lines)


def build_help(box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """Every binding with its whole description, grouped: the largest text (down to the
    16 px floor), the fewest columns and the most air that fit the card, a description
    wrapping onto further lines rather than being cut. A key that is not on the help screen
    does not exist; in a window too small even for that, the title says some are hidden."""
    margins = (max(theme.px(24), box.w // 40), max(theme.px(20), box.h // 40))
    items, inner = _card(box, theme, "Keys", measure, margins)
    groups: dict[str, list] = {}
    for b in HELP_BINDINGS:
        groups.setdefault(b.group, []).append(b)
    sizes = sorted({theme.size("text"), theme.px(18), theme.size("small")}, reverse=True)
    tries = [(s, c, int(s * k)) for s in sizes for c in range(2, 5) for k in (1.35, 1.2, 1.1)]
    hidden = False
    for size, columns, line_h in tries:
        placed = _help_layout(groups, inner, theme, measure, size, columns, line_h)
        if placed is not None:
            break
    else:  # too small a window even so: fill what fits, column by column
        size, _, line_h = tries[-1]
        column_min = max(measure(b.label, size, "mono", True) for b in HELP_BINDINGS) + theme.px(160)
        columns = max(1, min(4, inner.w // column_min))
        placed = _help_layout(groups, inner, theme, measure, size, columns, line_h, clip=True)
        hidden = True  # descriptions are cut, if no key is
    for group in placed:
        y = group.y
        if y + line_h > inner.bottom:
            hidden = True
            continue
        heading = fit(group.name, inner.w // columns - theme.px(10), theme.size("small"), measure, bold=True)
        items.append(Text(group.x, y, heading, theme.size("small"), theme.faint, bold=True))
        y += line_h
        for b, lines in group.rows:
            if y + len(lines) * line_h > inner.bottom:  # only when even the tightest layout cannot fit
                hidden = True
                break
            items.append(
                Text(group.x, y, b.label, size, theme.overlay_text, font="mono", bold=True, tag="help-key")
            )
            for k, line in enumerate(lines):
                tag = f"help:{b.command.name}" if k == 0 else f"help-more:{b.command.name}"
                items.append(Text(group.x + group.key_w, y, line, size, theme.overlay_text, tag=tag))
                y += line_h
    if hidden:
        title = next(i for i in items if getattr(i, "tag", "") == "overlay-title")
        text = fit("Keys: more in a larger window", inner.w, title.size, measure, bold=True)
        items[items.index(title)] = replace(title, text=text)
    return items


def _help_layout(
    groups: dict[str, list],
    inner: Box,
    theme: Theme,
    measure: Measure,
    size: int,
    columns: int,
    line_h: int,
    clip: bool = False,
) -> list[HelpGroup] | None:
    """The groups in `columns` columns, each kept whole, keys in a column as wide as that
    column's widest key; None if they do not fit, or if a word of a description would have
    to be broken (unless `clip`: then each description is one line, cut if it must be, and
    the last column runs past the bottom)."""
    col_w = inner.w // columns
    gap, key_gap, end_gap = theme.px(10), theme.px(14), theme.px(18)
    label_w = {b.label: measure(b.label, size, "mono", True) for bs in groups.values() for b in bs}
    words = {w for bs in groups.values() for b in bs for w in b.command.value.split(" ")}
    longest_word = max(measure(w, size, "sans", False) for w in words)

    def wrapped(bindings: list, key_w: int) -> tuple[tuple[object, tuple[str, ...]], ...] | None:
        width = col_w - key_w - end_gap
        if clip:  # one line each, cut where it must be
            return tuple((b, (fit(b.command.value, width, size, measure),)) for b in bindings)
        if width < longest_word:
            return None
        return tuple((b, tuple(wrap(b.command.value, width, size, measure))) for b in bindings)

    def height(rows) -> int:
        return (1 + sum(len(lines) for _, lines in rows)) * line_h

    # First each group with its own key width, to choose the columns ...
    column_of: list[int] = []
    col, y = 0, inner.y
    for bindings in groups.values():
        rows = wrapped(bindings, max(label_w[b.label] for b in bindings) + key_gap)
        if rows is None:
            return None
        if y + height(rows) > inner.bottom and y > inner.y:
            if col + 1 >= columns:
                if not clip:
                    return None
            else:
                col, y = col + 1, inner.y
        column_of.append(col)
        y += height(rows) + gap
    # ... then one key width per column, so that its descriptions line up.
    key_w: dict[int, int] = {}
    for bindings, c in zip(groups.values(), column_of, strict=True):
        key_w[c] = max(key_w.get(c, 0), *(label_w[b.label] + key_gap for b in bindings))
    placed: list[HelpGroup] = []
    tops = dict.fromkeys(key_w, inner.y)
    for (name, bindings), c in zip(groups.items(), column_of, strict=True):
        rows = wrapped(bindings, key_w[c])
        if rows is None:
            return None
        if tops[c] + height(rows) > inner.bottom and not clip:
            return None
        placed.append(HelpGroup(name, inner.x + c * col_w, tops[c], key_w[c], rows))
        tops[c] += height(rows) + gap
    return placed


#: A word of the notes: its text, its font ("sans", or "mono" for a `code` span), and
#: whether a space comes before it.
Word = tuple[str, str, bool]
LIST_ITEM = re.compile(r"\s*(?:[-*] |\d+[.)] )")
NOTES_HINT = "↑ ↓  PgUp PgDn  or the wheel: scroll"


@dataclass(frozen=True)
class NotesLine:
    indent: int  # px: the continuation of a list item hangs under its text
    runs: tuple[tuple[str, str], ...]  # (text, font), left to right


def _words(text: str) -> list[Word]:
    """Words with their fonts: backtick spans are code; an unpaired backtick stays as is."""
    segments = text.split("`")
    if len(segments) % 2 == 0:  # odd backticks: the last one is a character, not a span
        segments[-2:] = [segments[-2] + "`" + segments[-1]]
    words: list[Word] = []
    space = False
    for k, segment in enumerate(segments):
        font = "mono" if k % 2 else "sans"
        for j, piece in enumerate(segment.split(" ")):
            if j:
                space = True
            if piece:
                words.append((piece, font, space and bool(words)))
                space = False
    return words


def _paragraph_items(notes: str) -> list[str]:
    """Blank lines part paragraphs; a list item starts a line (its indented lines continue
    it); other line breaks are where the author wrapped, so the text is wrapped again."""
    items: list[str] = []
    for paragraph in re.split(r"\n\s*\n", notes.strip()):
        current: list[str] = []
        for raw in paragraph.splitlines():
            in_item = bool(current) and LIST_ITEM.match(current[0]) is not None
            # A list item starts a line, and so does an unindented line after one.
            if current and (LIST_ITEM.match(raw) or (in_item and not raw[:1].isspace())):
                items.append(" ".join(current))
                current = []
            current.append(raw.strip())
        items.append(" ".join(current))
        items.append("")  # the gap between paragraphs
    return items[:-1]


def notes_lines(notes: str, width: int, size: int, measure: Measure) -> list[NotesLine]:
    """The notes wrapped to `width`, code spans kept in the code font."""
    lines: list[NotesLine] = []
    space_w = {f: measure(" ", size, f, False) for f in ("sans", "mono")}
    for item in _paragraph_items(notes):
        if not item:
            lines.append(NotesLine(0, ()))
            continue
        bullet = LIST_ITEM.match(item)
        hang = measure(bullet.group(0), size, "sans", False) if bullet else 0
        indent, x, runs = 0, 0, []
        for text, font, spaced in _words(item):
            w = measure(text, size, font, False)
            gap = space_w["sans"] if spaced and runs else 0
            if runs and indent + x + gap + w > width:
                lines.append(NotesLine(indent, _merged(runs)))
                indent, x, runs, gap = hang, 0, [], 0
            if w > width - indent:
                text = fit(text, width - indent, size, measure, font)
                w = measure(text, size, font, False)
            runs.append((" " if gap else "", text, font))
            x += gap + w
        lines.append(NotesLine(indent, _merged(runs)))
    return lines


def _merged(runs: list[tuple[str, str, str]]) -> tuple[tuple[str, str], ...]:
    """Consecutive words in one font become one text (a space between two code words is
    drawn in the code font)."""
    merged: list[list[str]] = []
    for space, text, font in runs:
        if merged and merged[-1][1] == font:
            merged[-1][0] += space + text
        elif merged and space:
            merged[-1][0] += space
            merged.append([text, font])
        else:
            merged.append([text, font])
    return tuple((text, font) for text, font in merged)


def notes_view(
    box: Box, theme: Theme, measure: Measure, title: str, notes: str
) -> tuple[list[NotesLine], int]:
    """The wrapped lines and how many fit the card at once (with the scroll marks)."""
    _, inner = _card(box, theme, title, measure)
    size = theme.size("text") + theme.px(2)
    line_h = int(size * 1.45)
    lines = notes_lines(notes.strip() or "This lesson has no teacher notes.", inner.w, size, measure)
    rows = max(1, inner.h // line_h)
    if len(lines) <= rows:
        return lines, rows
    # A row each for "more above" and "more below"; a small card shares one row for both.
    return lines, rows - 2 if rows >= 3 else max(1, rows - 1)


def build_notes(
    box: Box, theme: Theme, measure: Measure, title: str, notes: str, scroll: int = 0
) -> list[Primitive]:
    """The lesson's notes, `code` in the code font; longer notes scroll, and say so."""
    heading = f"Teacher notes  -  {title}"
    items, inner = _card(box, theme, heading, measure)
    size = theme.size("text") + theme.px(2)
    small = theme.size("small")
    line_h = int(size * 1.45)
    lines, room = notes_view(box, theme, measure, heading, notes)
    overflow = len(lines) > room
    first = max(0, min(scroll, len(lines) - room))
    above, below = first > 0, first + room < len(lines)
    own_rows = room + 2 <= max(1, inner.h // line_h)  # else one row says both
    top = inner.y + (line_h if overflow and own_rows else 0)
    if overflow and above and own_rows:
        items.append(Text(inner.x, inner.y, "▲ more above", small, theme.faint, tag="notes-more-above"))
    for k, line in enumerate(lines[first : first + room]):
        x = inner.x + line.indent
        for text, font in line.runs:
            color = (255, 214, 140) if font == "mono" else theme.overlay_text
            items.append(Text(x, top + k * line_h, text, size, color, font=font, tag="notes-text"))
            x += measure(text, size, font, False)
    if overflow and room < max(1, inner.h // line_h):  # a row is left for the marks
        y = top + room * line_h + (line_h - small) // 2
        x = inner.x
        if own_rows and below:
            mark, tag = "▼ more below", "notes-more-below"
        elif not own_rows and (above or below):
            mark = {(True, True): "▲ ▼ more above and below", (True, False): "▲ more above"}.get(
                (above, below), "▼ more below"
            )
            tag = "notes-more"
        else:
            mark, tag = "", ""
        if mark:
            mark = fit(mark, inner.w, small, measure)
            items.append(Text(x, y, mark, small, theme.faint, tag=tag))
            x += measure(mark + "    ", small, "sans", False)
        hint = fit(NOTES_HINT, inner.right - x, small, measure)
        if hint:
            items.append(Text(inner.right - measure(hint, small, "sans", False), y, hint, small, theme.faint))
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


def build_message(
    box: Box,
    theme: Theme,
    measure: Measure,
    title: str,
    message: str,
    hint: str = "L: lesson list    Esc: quit",
) -> list[Primitive]:
    """A lesson that could not open (its errors, readable, instead of a crash), or one still training."""
    items, inner = _card(box, theme, title, measure)
    size = theme.size("text")
    line_h = int(size * 1.45)
    lines: list[str] = []
    for paragraph in message.splitlines() or [""]:
        lines += wrap(paragraph, inner.w, size, measure, "mono")
    lines += ["", hint]
    room = max(1, inner.h // line_h)
    for k, line in enumerate(lines[:room]):
        items.append(
            Text(
                inner.x, inner.y + k * line_h, line, size, theme.overlay_text, font="mono", tag="message-text"
            )
        )
    return items


def build_errors(
    box: Box, theme: Theme, measure: Measure, name: str, problems: tuple[str, ...]
) -> list[Primitive]:
    """A saved edit that does not load: its problems (file:line:col) at the foot of `box`, as
    tall as they need up to all of it, while the last good version stays on screen above."""
    pad = theme.px(16)
    size = theme.size("text")
    line_h = int(size * 1.35)
    lines: list[str] = []
    for problem in problems:
        lines += wrap(problem, box.w - 2 * pad, size, measure, "mono")
    room = max(1, (box.h - 2 * pad - line_h) // line_h)
    if len(lines) > room:
        lines = [*lines[: room - 1], f"... and {len(lines) - room + 1} more lines"]
    h = min(box.h, 2 * pad + (len(lines) + 1) * line_h)
    y = box.bottom - h
    title = f"{name} has errors; the last good version stays on screen until it loads"
    items: list[Primitive] = [
        Rect(box.x, y, box.w, h, theme.overlay, theme.bad, 3, tag="errors-card"),
        Text(
            box.x + pad,
            y + pad,
            fit(title, box.w - 2 * pad, size, measure, bold=True),
            size,
            theme.overlay_text,
            bold=True,
            tag="errors-title",
        ),
    ]
    for k, line in enumerate(lines):
        top = y + pad + (k + 1) * line_h
        items.append(Text(box.x + pad, top, line, size, theme.overlay_text, font="mono", tag="error-text"))
    return items
