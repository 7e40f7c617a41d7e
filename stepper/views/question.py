"""The question card: what the class predicts, their hands counted, then the answer beside
the prediction with the lesson's explanation; and the "you compute it" prompt."""

from __future__ import annotations

from dataclasses import replace

from stepper.commands import Command, binding
from stepper.quiz import typed_right
from stepper.scene import Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, wrap


def keys(command: Command) -> str:
    """The keys of a command as the binding table labels them, so the card cannot disagree."""
    return binding(command).label


#: Titles are bold, which is wider than the regular text `wrap` measures.
BOLD = 0.88


def prediction(votes: tuple[int, ...], options: tuple[str, ...]) -> str:
    """What the class committed to: the option(s) with the most hands."""
    hands = sum(votes)
    if not hands:
        return "No hands counted."
    most = max(votes)
    top = [o for o, v in zip(options, votes, strict=True) if v == most]
    if len(top) > 1:
        return f"The class is split: {len(top)} choices have {most} of the {hands} hands each."
    return f"The class predicted: {top[0]} ({most} of {hands} hands)."


def card_lines(frame: Frame, width: int, theme: Theme, measure: Measure) -> list[tuple[str, str]]:
    """(kind, text) rows of the card, each kind drawn its own way: title, option, text, hint."""
    quiz, posed = frame.state.quiz, frame.posed
    assert quiz is not None
    big, size = theme.size("title"), theme.size("text")
    rows: list[tuple[str, str]] = []
    bold_room = int(width * BOLD)
    if quiz.kind == "compute":
        step = frame.trace.steps[quiz.target]
        source = frame.trace.listing(step.phase).lines[step.line].source.strip()
        rows += [("title", line) for line in wrap(f"You compute it: {source}", bold_room, big, measure)]
        count = step.output.size
        what = f"{step.op}" if count == 1 else f"{step.op}[0], or all {count} numbers of {step.op}"
        right, tried = frame.state.score
        rows.append(("text", f"Type {what}, then Enter.   Score so far: {right} of {tried}"))
        rows.append(("entry", f"{frame.state.entry}_"))
        rows.append(("hint", f"{keys(Command.ENTRY_ACCEPT)}: check    {keys(Command.ENTRY_CANCEL)}: skip"))
        return rows
    assert posed is not None
    rows += [("title", line) for line in wrap("Predict: " + posed.question, bold_room, big, measure)]
    if posed.options:
        rows += [("option", str(k)) for k in range(len(posed.options))]
        hands = sum(quiz.votes)
        if not quiz.revealed:
            rows.append(("text", f"{hands} hand{'s' if hands != 1 else ''} counted"))
        else:
            rows.append(("text", f"{prediction(quiz.votes, posed.options)}     Answer: {posed.answer_text}"))
    elif quiz.revealed:
        typed = frame.state.entry.strip()
        mark = {True: "   ✓", False: "   ✗", None: ""}[typed_right(typed, posed)]
        rows.append(("text", f"Answer: {posed.answer_text}     typed: {typed}{mark}"))
    else:
        rows.append(("entry", f"{frame.state.entry}_"))
    if quiz.revealed and posed.explain:
        rows += [("text", line) for line in wrap(posed.explain, width, size, measure)]
    reveal, skip = keys(Command.REVEAL), keys(Command.SKIP)
    if quiz.revealed:
        hint = f"{reveal}: go on"
    elif posed.options:
        hint = f"{keys(Command.VOTE)}: one vote per hand    {reveal}: reveal    {skip}: skip"
    else:
        hint = f"type a number    {keys(Command.ENTRY_ACCEPT)}: reveal    {keys(Command.ENTRY_CANCEL)}: skip"
    rows.append(("hint", hint))
    return rows


def build_question(
    frame: Frame, box: Box, theme: Theme, measure: Measure, at_least: int = 0
) -> list[Primitive]:
    """The card at the foot of `box`, as tall as its rows (and `at_least` that tall)."""
    quiz, posed = frame.state.quiz, frame.posed
    assert quiz is not None
    pad = theme.px(18)
    big, size = theme.size("title"), theme.size("text")
    option_h = int(max(size, theme.size("title")) * 1.5)
    heights = {"title": int(big * 1.35), "option": option_h, "text": int(size * 1.4),
               "entry": int(big * 1.5), "hint": int(size * 1.6)}  # fmt: skip
    rows = card_lines(frame, box.w - 2 * pad, theme, measure)
    h = min(box.h, max(at_least, 2 * pad + sum(heights[kind] for kind, _ in rows)))
    y0 = box.bottom - h
    items: list[Primitive] = [Rect(box.x, y0, box.w, h, theme.panel, theme.result, 3, tag="question-card")]
    y = y0 + pad
    label_w = 0
    if posed is not None and posed.options:
        label_w = max(measure(f"{k + 1}   {o}", size, "sans", True) for k, o in enumerate(posed.options))
    bar_x = box.x + pad + label_w + theme.px(24)
    bar_room = max(0, box.right - pad - bar_x - theme.px(120))
    most = max(quiz.votes, default=0)
    for kind, text in rows:
        row_h = heights[kind]
        if y + row_h > box.bottom - pad + 1:
            break
        if kind == "title":
            items.append(Text(box.x + pad, y, fit(text, box.w - 2 * pad, big, measure, bold=True), big,
                              theme.text, bold=True, tag="question-text"))  # fmt: skip
        elif kind == "option":
            assert posed is not None
            k = int(text)
            right = quiz.revealed and k == posed.correct
            color = theme.good if right else theme.text
            mark = "   ✓" if right else ""
            label = fit(f"{k + 1}   {posed.options[k]}", bar_x - box.x - pad, size, measure, bold=True)
            top = y + theme.px(4)
            items.append(Text(box.x + pad, top, label, size, color, bold=True, tag="question-option"))
            if quiz.revealed:
                votes = quiz.votes[k] if k < len(quiz.votes) else 0
                w = round(bar_room * votes / most) if most else 0
                fill = theme.good if right else theme.faint
                bar_h = option_h - theme.px(10)
                items.append(Rect(bar_x, top, max(1, w), bar_h, fill, None, tag="question-tally"))
                count = Text(bar_x + w + theme.px(10), top, f"{votes}{mark}", size, color, bold=right)
                items.append(replace(count, tag="question-count"))
        elif kind == "entry":
            items.append(Text(box.x + pad, y, fit(text, box.w - 2 * pad, big, measure, "mono"), big,
                              theme.result, font="mono", tag="question-entry"))  # fmt: skip
        else:
            color = theme.dim if kind == "hint" else theme.text
            items.append(Text(box.x + pad, y, fit(text, box.w - 2 * pad, size, measure), size, color,
                              tag=f"question-{kind}"))  # fmt: skip
        y += row_h
    return items
