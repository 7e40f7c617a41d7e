"""The cell's own code with the current line lit and the previous one dimmed;
on demand (N) the lit line again with its numbers substituted."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from stepper.scene import Hotspot, Primitive, Rect, Text
from stepper.theme import Theme
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, format_array, panel_title, wrap

IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
SUBSTITUTE_MAX = 16  # matrices larger than this stay as their name in the N line


def known_names(frame: Frame) -> set[str]:
    """Identifiers in the code that name an array on screen."""
    trace = frame.trace
    names = set(trace.params) | {"h_prev", "c_prev", "target"}
    names |= {line.op for p in trace.passes for line in p.listing.ops}
    names |= {"d" + n for n in trace.params}
    return names


@dataclass(frozen=True)
class Operand:
    """An array the lit line reads, with the value it read."""

    name: str
    value: np.ndarray


def equation(frame: Frame) -> tuple[str, tuple[str | Operand, ...]]:
    """The lit line as the name it writes and its right side: code text and operands in
    the order they are written. An operand written twice appears twice."""
    step = frame.step
    listing = frame.trace.listing(step.phase)
    source = listing.lines[step.line].source.strip()
    lhs, _, rhs = source.partition("=")
    trace = frame.trace
    values = dict(step.inputs)
    # The loop's bookkeeping names too: one_hot(inputs[t], V) reads as one_hot(1, 2).
    if "inputs[t]" in rhs:
        rhs = rhs.replace("inputs[t]", str(trace.inputs[step.t]))
    sizes = {"V": len(trace.vocab), "H": trace.hidden_size}
    name = lhs.strip()
    expr = rhs.strip()
    if name.endswith(("+", "-", "*")):  # augmented: "dWhy += e" reads the old dWhy
        name, expr = name[:-1].strip(), f"{name[:-1].strip()} {name[-1]} {expr}"
    parts: list[str | Operand] = []
    end = 0
    for match in IDENT.finditer(expr):
        parts.append(expr[end : match.start()])
        word = match.group(0)
        value = values.get(word)
        if word in sizes:
            parts.append(str(sizes[word]))
        elif value is None:
            parts.append(word)
        else:
            parts.append(Operand(word, value))
        end = match.end()
    parts.append(expr[end:])
    return name, tuple(p for p in parts if p != "")


def numbers_line(frame: Frame) -> str:
    """The lit line with each operand replaced by its value, then the result."""
    name, parts = equation(frame)
    body = "".join(
        p if isinstance(p, str) else p.name if p.value.size > SUBSTITUTE_MAX else format_array(p.value)
        for p in parts
    )
    return f"{name} = {body}  ->  {format_array(frame.step.output)}"


def code_width(frame: Frame, theme: Theme, measure: Measure) -> int:
    """What the panel needs to show its longest line, code and comment, unclipped."""
    listing = frame.trace.listing(frame.cursor.phase)
    size, small = theme.size("code"), theme.size("small")
    widest = max(
        measure(line.source + "  ", size, "mono", False)
        + (measure("# " + line.comment, small, "sans", False) if line.comment else 0)
        for line in listing.lines
    )
    return widest + 2 * theme.px(14) + theme.px(8)


def build_code(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace, step = frame.trace, frame.step
    listing = trace.listing(frame.cursor.phase)
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="code-panel")
    ]
    pad = theme.px(14)
    title = f"Code  -  {trace.cell.upper()} {trace.pass_of(frame.cursor.phase).title}"
    items.append(panel_title(box, title, theme, measure))
    size = theme.size("code")
    line_h = int(size * 1.45)
    char_w = max(1, measure("M", size, "mono", False))
    top = box.y + pad + theme.px(44)
    numbers = numbers_line(frame) if frame.state.numbers else ""
    number_lines = wrap(numbers, box.w - 2 * pad, size, measure, "mono") if numbers else []
    # The numbers go under the code, never over it: at least the lit line keeps its row.
    room = max(0, (box.bottom - pad - top - line_h - theme.px(40)) // line_h)
    if len(number_lines) > room:
        keep = max(0, room - 1)
        rest = fit(" ".join(number_lines[keep:]), box.w - 2 * pad, size, measure, "mono")
        number_lines = [*number_lines[:keep], rest] if room else []
    bottom = box.bottom - pad - (len(number_lines) * line_h + theme.px(40) if number_lines else 0)
    visible = max(1, (bottom - top) // line_h)
    width = box.w - 2 * pad
    indent = 2 * char_w  # a continuation row of the lit line, indented under its code
    rows: list[tuple[object, str, int]] = []  # (line, its code or a piece of it, piece number)
    for line in listing.lines:
        pieces = [line.source]
        if line.number == step.line and measure(line.source, size, "mono", False) > width:
            # the lit line's code always shows whole: wrapped onto continuation rows, never cut
            body = line.source.strip()
            lead = line.source[: len(line.source) - len(line.source.lstrip())]
            room = width - indent - measure(lead, size, "mono", False)
            pieces = [lead + p for p in wrap(body, room, size, measure, "mono")]
        rows += [(line, piece, k) for k, piece in enumerate(pieces)]
    lit = [k for k, (line, _, _) in enumerate(rows) if line.number == step.line]
    first = 0
    if len(rows) > visible:  # keep the lit line in view, a little above centre
        first = max(0, min(lit[0] - visible // 3, len(rows) - visible))
        first = min(lit[0], max(first, lit[-1] - visible + 1))
    names = known_names(frame)
    hover = frame.state.hover
    prev = frame.previous
    for row, (line, code, piece) in enumerate(rows[first : first + visible]):
        y = top + row * line_h
        if line.number == step.line:
            items.append(Rect(box.x + 4, y - 2, box.w - 8, line_h, theme.lit_line, None, tag="lit-line"))
        elif prev is not None and line.number == prev.line:
            items.append(Rect(box.x + 4, y - 2, box.w - 8, line_h, theme.prev_line, None, tag="prev-line"))
        x0 = box.x + pad + (indent if piece else 0)
        wrapped = piece or (len(rows) > first + row + 1 and rows[first + row + 1][2])
        code_text = code if wrapped else fit(code, width, size, measure, "mono")
        items.append(Text(x0, y, code_text, size, theme.text, font="mono", tag=f"code:{line.number}"))
        for match in IDENT.finditer(code_text):
            name = match.group(0)
            if name not in names:
                continue
            x = x0 + match.start() * char_w
            w = (match.end() - match.start()) * char_w
            if hover is not None and hover.name == name:
                items.append(
                    Rect(
                        x - 2,
                        y - 1,
                        w + 4,
                        line_h - 2,
                        None,
                        theme.positive,
                        theme.px(2),
                        tag=f"token-lit:{name}",
                    )
                )
            items.append(Hotspot(x, y, w, line_h, "token", name))
        last = row + first + 1 == len(rows) or rows[row + first + 1][0] is not line
        if line.comment and last:
            used = x0 - box.x - pad + measure(code_text + "  ", size, "mono", False)
            room = width - used
            comment = fit("# " + line.comment, room, theme.size("small"), measure)
            if comment and room > theme.px(60):
                items.append(
                    Text(
                        box.x + pad + used,
                        y + (size - theme.size("small")),
                        comment,
                        theme.size("small"),
                        theme.dim,
                        tag=f"comment:{line.number}",
                    )
                )
    if number_lines:
        y = bottom + theme.px(12)
        items.append(Text(box.x + pad, y, "with numbers (N):", theme.size("small"), theme.dim))
        y += theme.px(26)
        for k, text in enumerate(number_lines):
            items.append(
                Text(box.x + pad, y + k * line_h, text, size, theme.result, font="mono", tag="numbers-line")
            )
    return items
