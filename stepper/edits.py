"""Weight edits: a student's changes to a checkpoint's weights, kept apart from them.

An edit set is a sorted tuple of `Edit`s, one per cell at most, so it can live in the
frozen view state, key a recorded trace, and be undone by dropping it: the checkpoint's
own weights are never written to."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from stepper.params import Params, layout

EDIT_LIMIT = 1e6  # |value| beyond this is refused: it says nothing a smaller number cannot

_EDIT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[([^\]]*)\]\s*=\s*(\S+)\s*$")


class EditError(ValueError):
    """An edit that cannot apply to these weights: one line saying why."""


@dataclass(frozen=True, order=True, slots=True)
class Edit:
    name: str  # a parameter's name as the diagram shows it ("Whh", "W_hz", "by")
    index: tuple[int, ...]
    value: float

    @property
    def cell(self) -> tuple[str, tuple[int, ...]]:
        return self.name, self.index

    def __str__(self) -> str:
        return f"{self.name}[{','.join(map(str, self.index))}]={self.value:g}"


def shapes(cell: str, vocab_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    return dict(layout(cell, vocab_size, hidden_size))


def checked(edit: Edit, cell: str, vocab_size: int, hidden_size: int) -> Edit:
    """The edit if it names a cell of these weights and a finite, modest value."""
    known = shapes(cell, vocab_size, hidden_size)
    if edit.name not in known:
        raise EditError(f"no weight {edit.name!r}; this {cell} has {', '.join(known)}")
    shape = known[edit.name]
    if len(edit.index) != len(shape) or any(not 0 <= i < n for i, n in zip(edit.index, shape, strict=False)):
        dims = "x".join(map(str, shape))
        raise EditError(f"{edit.name}[{','.join(map(str, edit.index))}] is outside {edit.name} ({dims})")
    if not math.isfinite(edit.value) or abs(edit.value) > EDIT_LIMIT:
        raise EditError(f"{edit.name}: the value must be a finite number within ±{EDIT_LIMIT:g}")
    return edit


def read_edit(text: str) -> Edit:
    """`Whh[0,1]=0.5` (a bias takes one index: `by[2]=-1`), not yet checked against weights."""
    match = _EDIT.match(text)
    if match is None:
        raise EditError(f"expected NAME[i,j]=VALUE such as Whh[0,1]=0.5, got {text!r}")
    name, index_text, value_text = match.groups()
    try:
        index = tuple(int(part) for part in index_text.split(","))
        value = float(value_text)
    except ValueError:
        raise EditError(f"expected whole-number indices and a number in {text!r}") from None
    return Edit(name, index, value)


def parse_edit(text: str, cell: str, vocab_size: int, hidden_size: int) -> Edit:
    return checked(read_edit(text), cell, vocab_size, hidden_size)


def with_edit(edits: tuple[Edit, ...], edit: Edit) -> tuple[Edit, ...]:
    """The set with `edit` in place of any earlier edit of the same cell."""
    return tuple(sorted((*(e for e in edits if e.cell != edit.cell), edit)))


def edited(params: Params, edits: tuple[Edit, ...]) -> Params:
    """The weights with the edits applied, read-only; `params` itself is untouched."""
    if not edits:
        return params
    out = params.copy()
    for e in edits:
        out[e.name][e.index] = e.value
    return out.frozen()


def changed_count(params: Params, edits: tuple[Edit, ...]) -> int:
    """How many weights differ from `params` (an edit back to the same value counts none)."""
    return sum(1 for e in edits if float(params[e.name][e.index]) != e.value)


def value_at(params: Params, edits: tuple[Edit, ...], name: str, index: tuple[int, ...]) -> float:
    for e in edits:
        if e.cell == (name, index):
            return e.value
    return float(np.asarray(params[name])[index])
