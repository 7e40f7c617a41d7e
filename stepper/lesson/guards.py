"""Caption guards: a claim about the place where a caption shows, so its words stay true there.

A caption that says "every unit sits near +1 or -1" carries
`when: min(abs(h[t])) >= 0.9`: the claims language, read with the same
whitelist, over the whole recorded sequence plus `t`, the timestep where the
caption would show. It shows only where its guard holds, and `--check`
reports a caption whose guard fails anywhere its selector picks it on the
lesson's own sequence. Timestep selectors live here too: `t: 2`, `t: -1`
(the last step) and slices such as `t: "1:"` (every step but the first).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from stepper.cells import CELLS
from stepper.lazy import backward_outputs
from stepper.lesson.claims import (
    ClaimError,
    claim_values,
    evaluate,
    number,
    parse_claim,
    parse_expression,
    value_shapes,
)
from stepper.trace import Trace

_SLICE = re.compile(r"\s*(-?\d{1,4})?\s*:\s*(-?\d{1,4})?\s*(?::\s*(-?\d{1,4})?\s*)?")


def parse_slice(text: str) -> slice | None:
    """`"1:"`, `"::3"`, `"2:-1"` as a slice, or None if `text` is not one (or steps by 0)."""
    match = _SLICE.fullmatch(text)
    if match is None:
        return None
    start, stop, step = (None if v is None else int(v) for v in match.groups())
    return None if step == 0 else slice(start, stop, step)


def timesteps(selector: int | str | None, steps: int) -> range:
    """The timesteps of a `steps`-long sequence that a caption's `t:` picks."""
    every = range(steps)
    if selector is None:
        return every
    if isinstance(selector, int):
        index = selector + steps if selector < 0 else selector
        return range(index, index + 1) if 0 <= index < steps else range(0)
    chosen = parse_slice(selector)
    return every[chosen] if chosen is not None else range(0)


def guard_shapes(cell: str, steps: int, vocab_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The names a guard may use: a claim's (T timesteps first), `t`, the symbols and the carried
    gradients."""
    shapes = value_shapes(cell, steps, vocab_size, hidden_size)
    del shapes["train_loss"]  # a guard speaks of the place, not of training
    shapes.update(t=(), input=(), target=(), inputs=(steps,), targets=(steps,))
    for name in CELLS[cell].carried_grads:
        shapes[name] = (steps, hidden_size)
    return shapes


def _samples(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, object]:
    """Dry-run values: integers where indices and symbols go, zeros elsewhere."""
    out: dict[str, object] = {name: np.zeros(shape) for name, shape in shapes.items()}
    out.update(t=np.int64(0), input=np.int64(0), target=np.int64(0))
    for name in ("inputs", "targets"):
        out[name] = np.zeros(shapes[name], dtype=np.int64)
    return out


@lru_cache(maxsize=512)
def parse_guard(source: str, cell: str, steps: int, vocab_size: int, hidden_size: int) -> ast.Expression:
    """The checked tree of a guard for sequences of `steps` timesteps, or ClaimError."""
    shapes = guard_shapes(cell, steps, vocab_size, hidden_size)
    return parse_claim(source, shapes, _samples(shapes))


@lru_cache(maxsize=4)  # the traces on screen (main and compare), not every one ever recorded
def _sequence_values(trace: Trace) -> Mapping[str, np.ndarray]:
    values = dict(claim_values(trace, 0.0))
    del values["train_loss"]
    values["inputs"] = np.asarray(trace.inputs, dtype=np.int64)
    values["targets"] = np.asarray(trace.targets, dtype=np.int64)
    values.update(backward_outputs(trace, CELLS[trace.cell].carried_grads))
    return values


def guard_values(trace: Trace, t: int) -> dict[str, np.ndarray]:
    """What a guard reads at timestep `t` of `trace`."""
    values = dict(_sequence_values(trace))
    values.update(
        t=np.int64(t), input=np.int64(trace.inputs[t]), target=np.int64(trace.targets[t])
    )
    return values


def check_guard(source: str, trace: Trace, t: int) -> tuple[bool, str]:
    """Whether the guard holds at timestep `t`, and the numbers that decided it.

    A guard that cannot be evaluated on this sequence (say `h[5]` on a three-step
    sequence) does not hold: a caption is hidden rather than wrong.
    """
    try:
        tree = parse_guard(source, trace.cell, trace.length, len(trace.vocab), trace.hidden_size)
        outcome = evaluate(tree, source, guard_values(trace, t))
    except ClaimError as exc:
        return False, f"cannot be evaluated here: {exc}"
    return outcome.holds, outcome.measured_text


@lru_cache(maxsize=512)
def parse_value(source: str, cell: str, steps: int, vocab_size: int, hidden_size: int) -> ast.Expression:
    """The checked tree of an expression that gives one number at a place (a question's answer),
    dry-run like a guard, or ClaimError."""
    shapes = guard_shapes(cell, steps, vocab_size, hidden_size)
    tree = parse_expression(source, shapes)
    number(tree, source, _samples(shapes))
    return tree


def place_value(source: str, trace: Trace, t: int) -> float:
    """The number an expression gives at timestep `t` of `trace` (ClaimError if it cannot)."""
    tree = parse_value(source, trace.cell, trace.length, len(trace.vocab), trace.hidden_size)
    return number(tree, source, guard_values(trace, t))
