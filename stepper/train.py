"""Training loop in min-char-rnn's manner: a stream read in chunks, state carried over."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from stepper.cells import CELLS
from stepper.optim import Optimizer, OptimizerState
from stepper.params import Params, init_params


@dataclass(frozen=True)
class TrainConfig:
    cell: str
    vocab_size: int
    hidden_size: int
    init_scale: float
    seed: int
    optimizer: str
    learning_rate: float
    iterations: int
    seq_length: int
    clip: float | None
    checkpoints: Mapping[str, int]  # name -> iteration (updates done), 0..iterations


@dataclass(frozen=True)
class Checkpoint:
    name: str
    iteration: int
    params: Params  # read-only
    loss: float  # mean loss per symbol on the chunk trained at this iteration


@dataclass(frozen=True)
class Divergence:
    """Training hit NaN or inf; what is kept is everything before it."""

    iteration: int
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the trainer carries into an iteration: replaying from here is exact."""

    iteration: int
    flat: np.ndarray = field(repr=False)  # the weights (read-only)
    optimizer: OptimizerState = field(repr=False)
    state: tuple[np.ndarray, ...] = field(repr=False)  # hidden state carried in
    pointer: int


@dataclass(frozen=True)
class TrainResult:
    checkpoints: tuple[Checkpoint, ...]
    loss_history: np.ndarray = field(repr=False)  # mean loss per symbol, one per iteration
    divergence: Divergence | None
    seconds: float
    snapshots: tuple[Snapshot, ...] = field(default=(), repr=False)  # see snapshot_every

    def checkpoint(self, name: str) -> Checkpoint:
        for c in self.checkpoints:
            if c.name == name:
                return c
        known = ", ".join(c.name for c in self.checkpoints)
        raise KeyError(f"no checkpoint {name!r}; this lesson has {known}")

    @property
    def last(self) -> Checkpoint:
        return self.checkpoints[-1]


def training_stream(data: Sequence[int], seq_length: int) -> np.ndarray:
    """The data repeated until one chunk of seq_length (+1 for its targets) fits."""
    base = np.asarray(data, dtype=np.intp)
    if base.size < 2:
        raise ValueError("training data needs at least two symbols")
    repeats = max(1, math.ceil((seq_length + 1) / base.size))
    return np.tile(base, repeats)


#: Iterations between progress reports: a window trains in slices and stays responsive.
SLICE = 16


def snapshot_every(iterations: int) -> int:
    """Iterations between stored snapshots: seventeen at most per lesson (memory stays a
    few copies of the weights), and on a small lesson so close that replaying to any
    iteration (stepper/replay.py) is a matter of milliseconds."""
    return max(16, math.ceil(iterations / 16))


def next_chunk(
    stream: np.ndarray,
    pointer: int,
    seq: int,
    state: tuple[np.ndarray, ...],
    zero_state: tuple[np.ndarray, ...],
) -> tuple[int, tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """(pointer, carried state, inputs, targets) of the chunk an iteration trains on."""
    if pointer + seq + 1 >= stream.size:  # min-char-rnn's rule, `>=` to the letter
        pointer, state = 0, zero_state
    return pointer, state, stream[pointer : pointer + seq], stream[pointer + 1 : pointer + seq + 1]


def train(config: TrainConfig, data: Sequence[int]) -> TrainResult:
    """Deterministic: same config and data, bit-identical checkpoints."""
    steps = training(config, data)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def training(config: TrainConfig, data: Sequence[int]) -> Generator[int, None, TrainResult]:
    """`train` in slices: yields the iterations done so far every SLICE iterations (so a
    window can draw progress, or stop), and returns the TrainResult. Overflow on the way to
    a divergence is expected and reported as a Divergence, so numpy stays quiet, but only
    inside each slice: the caller's error settings are its own."""
    started = time.perf_counter()
    cell = CELLS[config.cell]
    params = init_params(config.cell, config.vocab_size, config.hidden_size, config.init_scale, config.seed)
    stream = training_stream(data, config.seq_length)
    seq = min(config.seq_length, stream.size - 1)
    optimizer = Optimizer(config.optimizer, params.flat.size, config.learning_rate, config.clip)
    wanted = sorted(config.checkpoints.items(), key=lambda kv: kv[1])
    zero_state = tuple(np.zeros(config.hidden_size) for _ in cell.state)
    history = np.full(config.iterations, np.nan)
    checkpoints: list[Checkpoint] = []
    divergence: Divergence | None = None
    state = zero_state
    pointer = 0
    backup = np.empty_like(params.flat)
    good_at = 0
    grads = params.zeros_like()
    grad = grads.flat
    first = 0
    finished = False
    snapshots: list[Snapshot] = []
    every = snapshot_every(config.iterations)
    while not finished:
        with np.errstate(all="ignore"):
            for iteration in range(first, min(config.iterations + 1, first + SLICE)):
                if iteration % every == 0:
                    frozen = params.frozen().flat
                    snapshots.append(Snapshot(iteration, frozen, optimizer.snapshot(), state, pointer))
                pointer, state, inputs, targets = next_chunk(stream, pointer, seq, state, zero_state)
                loss, state = cell.loss_and_grads(params, grads, inputs, targets, state)
                if not (math.isfinite(loss) and math.isfinite(float(grad.sum()))):
                    divergence = Divergence(iteration, f"the loss became NaN or inf at iteration {iteration}")
                    good_at, finished = iteration, True
                    break
                while wanted and wanted[0][1] == iteration:
                    name, _ = wanted.pop(0)
                    checkpoints.append(Checkpoint(name, iteration, params.frozen(), loss / seq))
                if iteration == config.iterations:
                    finished = True
                    break
                history[iteration] = loss / seq
                np.copyto(backup, params.flat)
                optimizer.step(params.flat, grad)
                if not math.isfinite(float(params.flat.sum())):
                    np.copyto(params.flat, backup)
                    reason = f"a weight became NaN or inf at iteration {iteration + 1}"
                    divergence = Divergence(iteration + 1, reason)
                    good_at, finished = iteration, True
                    break
                pointer += seq
        first += SLICE
        if not finished:
            yield first
    if divergence is not None:
        # The weights just before the fault, so the teacher can step into what blew up.
        loss_then = float(history[good_at]) if good_at < config.iterations else math.nan
        checkpoints.append(Checkpoint("last good", good_at, params.frozen(), loss_then))
    history.setflags(write=False)
    seconds = time.perf_counter() - started
    return TrainResult(tuple(checkpoints), history, divergence, seconds, tuple(snapshots))
