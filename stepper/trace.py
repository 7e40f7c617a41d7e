"""Recorded values: every op of every timestep, forward then backward. No computation here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from stepper.listing import Listing
from stepper.params import Params

FORWARD = "forward"
BACKWARD = "backward"
PHASES = (FORWARD, BACKWARD)


@dataclass(frozen=True, slots=True)
class Step:
    """One executed line: what it read, what it wrote, where it sits in the code."""

    index: int  # position in Trace.steps
    phase: str  # FORWARD or BACKWARD
    t: int  # timestep
    op: str  # the variable the line writes; narration names ops by it
    line: int  # line number in the phase's listing
    inputs: tuple[tuple[str, np.ndarray], ...]
    output: np.ndarray
    note: str  # the line's comment


@dataclass(frozen=True, eq=False)
class Trace:
    """A complete forward+backward pass of one sequence through one set of weights.

    Stepping only moves an index into `steps`; `env(index)` gives every value
    the code has defined at that point, so a view never recomputes anything.
    Compared by identity: two recordings are two traces.
    """

    cell: str
    vocab: tuple[str, ...]
    params: Params
    inputs: tuple[int, ...]
    targets: tuple[int, ...]
    steps: tuple[Step, ...]
    forward_code: Listing
    backward_code: Listing
    bases: tuple[Mapping[str, np.ndarray], ...]  # env before each (phase, t) block
    block_starts: tuple[int, ...]  # first step index of each block, same order as bases
    summary: Mapping[str, np.ndarray]  # per-timestep arrays: h, c, y, p, loss, dh, gates...
    grads: Params
    loss: float

    @property
    def length(self) -> int:
        """Timesteps T."""
        return len(self.inputs)

    @property
    def hidden_size(self) -> int:
        return self.params.hidden_size

    def listing(self, phase: str) -> Listing:
        return self.forward_code if phase == FORWARD else self.backward_code

    def phase_range(self, phase: str) -> range:
        n_fwd = self.block_starts[self.length] if self.length else 0
        return range(0, n_fwd) if phase == FORWARD else range(n_fwd, len(self.steps))

    def block_of(self, index: int) -> int:
        """Which (phase, t) block a step index falls in."""
        return int(np.searchsorted(self.block_starts, index, side="right")) - 1

    def block_range(self, block: int) -> range:
        starts = self.block_starts
        end = starts[block + 1] if block + 1 < len(starts) else len(self.steps)
        return range(starts[block], end)

    def timestep_range(self, phase: str, t: int) -> range:
        """Step indices of timestep t in `phase` (the backward pass runs t = T-1 .. 0)."""
        block = t if phase == FORWARD else 2 * self.length - 1 - t
        return self.block_range(block)

    def env(self, index: int) -> dict[str, np.ndarray]:
        """Every value defined once step `index` has run; later values are absent."""
        block = self.block_of(index)
        values = dict(self.bases[block])
        for i in range(self.block_starts[block], index + 1):
            values[self.steps[i].op] = self.steps[i].output
        return values


def frozen_array(values: object) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.setflags(write=False)
    return out


def frozen_mapping(values: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    return MappingProxyType({k: frozen_array(v) for k, v in values.items()})
