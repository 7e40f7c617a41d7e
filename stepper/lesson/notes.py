"""Numbers in teacher notes: `{min(prob[1:]) @ trained:.2f}` is filled from that checkpoint.

A note that quotes a number goes stale when training changes; a placeholder
names the number instead. The expression is the claims language over one
checkpoint's recorded pass of the lesson's sequence, so the loader checks it
like a claim, and `--check` evaluates every one. Braces without an `@` are
plain text, so notes written before placeholders existed read as they did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from stepper.lesson.claims import ClaimError, number, parse_expression

#: `{expression @ checkpoint}` or `{expression @ checkpoint:format}`.
PLACEHOLDER = re.compile(r"\{([^{}@]+?)\s*@\s*([^{}:]+?)\s*(?::([^{}]*))?\}")
_FORMAT = re.compile(r"[+\- ]?(?:\d{1,2})?(?:\.\d{1,2})?[efg%]?")
MAX_PLACEHOLDERS = 50


@dataclass(frozen=True)
class NotePlaceholder:
    start: int  # offset in the note text
    end: int
    expression: str
    checkpoint: str
    spec: str


def note_placeholders(text: str) -> list[NotePlaceholder]:
    return [
        NotePlaceholder(m.start(), m.end(), m.group(1).strip(), m.group(2).strip(), m.group(3) or ".2f")
        for m in PLACEHOLDER.finditer(text)
    ]


def placeholder_problems(
    ph: NotePlaceholder, checkpoints: tuple[str, ...], shapes: Mapping[str, tuple[int, ...]]
) -> str | None:
    """Why a note placeholder could never be filled, or None."""
    source = f"{{{ph.expression} @ {ph.checkpoint}}}"
    if ph.checkpoint not in checkpoints:
        return f'{source}: no checkpoint "{ph.checkpoint}"; this lesson has {", ".join(checkpoints)}'
    if not _FORMAT.fullmatch(ph.spec):
        return f'{source}: bad format "{ph.spec}"; use one such as .2f, .1e or .0%'
    try:
        tree = parse_expression(ph.expression, shapes)
        number(tree, ph.expression, {name: np.zeros(shape) for name, shape in shapes.items()})
    except ClaimError as exc:
        return f"{source}: {exc}"
    return None


def fill_notes(
    text: str,
    shapes: Mapping[str, tuple[int, ...]],
    values_at: Callable[[str], Mapping[str, np.ndarray] | None],
) -> str:
    """`text` with every placeholder replaced by its number; "…" where the checkpoint
    was not reached (training diverged) or the number cannot be had. Never raises."""
    out, last = [], 0
    for ph in note_placeholders(text):
        out.append(text[last : ph.start])
        last = ph.end
        out.append(_shown(ph, shapes, values_at(ph.checkpoint)))
    out.append(text[last:])
    return "".join(out)


def _shown(ph: NotePlaceholder, shapes: Mapping[str, tuple[int, ...]], values: Mapping | None) -> str:
    if values is None:
        return "…"
    try:
        return format(number(parse_expression(ph.expression, shapes), ph.expression, values), ph.spec)
    except (ClaimError, ValueError):
        return "…"
