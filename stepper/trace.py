"""Recorded values: every op of every block of every pass, in order. No computation here.

A trace is an ordered list of passes (forward, backward, update, sample); each pass is a
listing and a run of blocks (a timestep, a parameter group, a written symbol), and a
block is the listing's loop body run once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from stepper.listing import Listing
from stepper.params import Params

FORWARD = "forward"
BACKWARD = "backward"
UPDATE = "update"
SAMPLE = "sample"
PHASES = (FORWARD, BACKWARD, UPDATE, SAMPLE)  # the order B cycles through


@dataclass(frozen=True, slots=True)
class Step:
    """One executed line: what it read, what it wrote, where it sits in the code."""

    index: int  # position in Trace.steps
    phase: str  # the pass's name: FORWARD, BACKWARD, UPDATE or SAMPLE
    t: int  # the block within the pass: timestep, parameter group, written symbol
    op: str  # the variable the line writes; narration names ops by it
    line: int  # line number in the phase's listing
    inputs: tuple[tuple[str, np.ndarray], ...]
    output: np.ndarray
    note: str  # the line's comment


@dataclass(frozen=True, slots=True)
class Pass:
    """One pass of a trace: its listing and the blocks (indices into Trace.bases) it ran."""

    name: str
    title: str  # the code panel's heading: "forward", "backward (BPTT)", "update", "sample"
    listing: Listing
    blocks: range


@dataclass(frozen=True)
class UpdateRecord:
    """What the update pass did, for the views and exports: per parameter name. The pass
    is recorded when first read, and with it the gradient it starts from."""

    optimizer: str
    before: Params
    state_before: Mapping[str, Params]  # optimizer state ("mem", "m", "v") before the step
    step_number: int  # n: this is the optimizer's n-th step
    loss_before: float  # this sequence's summed loss with the weights before, and after
    #: works out the gradient the pass starts from, the weights and the state after it
    run: Callable[[], tuple[Params, Params, Mapping[str, Params]]] = field(repr=False, compare=False)
    rerun: Callable[[], float] = field(repr=False, compare=False)  # works out loss_after

    @property
    def grad(self) -> Params:
        return self.run()[0]

    @property
    def after(self) -> Params:
        return self.run()[1]

    @property
    def state_after(self) -> Mapping[str, Params]:
        return self.run()[2]

    @cached_property
    def loss_after(self) -> float:
        """Run again with the weights after when first read (the update pass shows it):
        an edit to a long sequence's weights need not wait for it."""
        return self.rerun()


@dataclass(frozen=True)
class SampleRecord:
    """What the sample pass wrote."""

    prime: tuple[int, ...]
    temperature: float  # 0: greedy
    seed: int
    symbols: tuple[int, ...]
    u: tuple[float, ...]  # the uniform draws (empty when greedy)
    p: np.ndarray  # (N, V): the distribution each symbol was drawn from


@dataclass(frozen=True)
class Chunk:
    """Where a trace came from when it replays a training iteration."""

    iteration: int
    h0: tuple[np.ndarray, ...]  # the state the trainer carried in (h, and c for an LSTM)


@dataclass(frozen=True, eq=False)
class Trace:
    """Every pass of one sequence through one set of weights.

    Stepping only moves an index into `steps`; `env(index)` gives every value
    the code has defined at that point, so a view never recomputes anything.
    Compared by identity: two recordings are two traces.
    """

    cell: str
    vocab: tuple[str, ...]
    params: Params
    inputs: tuple[int, ...]
    targets: tuple[int, ...]
    steps: Sequence[Step]  # the forward and backward passes' recorded when read (stepper.lazy)
    passes: tuple[Pass, ...]
    bases: Sequence[Mapping[str, np.ndarray]]  # env before each block
    block_starts: tuple[int, ...]  # first step index of each block, same order as bases
    block_ts: tuple[int, ...]  # each block's t (timestep, parameter group, written symbol)
    summary: Mapping[str, np.ndarray]  # per-timestep arrays: h, c, y, p, loss, dh, gates...
    gradient: Callable[[], Params] = field(repr=False)  # works out grads
    loss: float
    update: UpdateRecord | None = None
    sample: SampleRecord | None = None
    chunk: Chunk | None = None

    @cached_property
    def grads(self) -> Params:
        """The gradient of the loss: the backward listing's running sums at its end, added
        up when first read (a frame of the forward pass does not wait for them)."""
        return self.gradient()

    @property
    def length(self) -> int:
        """Timesteps T."""
        return len(self.inputs)

    @property
    def hidden_size(self) -> int:
        return self.params.hidden_size

    @property
    def pass_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.passes)

    def pass_of(self, phase: str) -> Pass:
        for p in self.passes:
            if p.name == phase:
                return p
        raise KeyError(f"this trace has no {phase} pass")

    def listing(self, phase: str) -> Listing:
        return self.pass_of(phase).listing

    @property
    def forward_code(self) -> Listing:
        return self.listing(FORWARD)

    @property
    def backward_code(self) -> Listing:
        return self.listing(BACKWARD)

    def phase_range(self, phase: str) -> range:
        blocks = self.pass_of(phase).blocks
        if not len(blocks):
            return range(len(self.steps), len(self.steps))
        return range(self.block_starts[blocks.start], self.block_range(blocks[-1]).stop)

    def block_of(self, index: int) -> int:
        """Which (phase, t) block a step index falls in."""
        return int(np.searchsorted(self.block_starts, index, side="right")) - 1

    def block_range(self, block: int) -> range:
        starts = self.block_starts
        end = starts[block + 1] if block + 1 < len(starts) else len(self.steps)
        return range(starts[block], end)

    def timestep_range(self, phase: str, t: int) -> range:
        """Step indices of block t in `phase` (the backward pass runs t = T-1 .. 0); a t the
        pass does not have gives its first block."""
        block = self._blocks_by_t.get((phase, t))
        if block is None:
            blocks = self.pass_of(phase).blocks
            return self.block_range(blocks.start) if len(blocks) else range(0)
        return self.block_range(block)

    @cached_property
    def _blocks_by_t(self) -> dict[tuple[str, int], int]:
        found = {}
        for p in self.passes:
            for block in p.blocks:
                if self.block_starts[block] < len(self.steps):
                    found.setdefault((p.name, self.block_ts[block]), block)
        return found

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
