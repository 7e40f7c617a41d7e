"""Any training iteration, exactly as it happened: replayed from the nearest stored snapshot.

The trainer stores a snapshot every few iterations (train.snapshot_every) (weights, optimizer state,
carried hidden state, stream position). Replaying from one runs the very same fast-path
code in the same order, so iteration K's weights, chunk and state come out bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stepper.cells import CELLS
from stepper.optim import Optimizer, OptimizerState
from stepper.params import Params
from stepper.train import Snapshot, TrainConfig, next_chunk, training_stream


@dataclass(frozen=True)
class Iteration:
    """What the trainer had at iteration K, and what its update made of it."""

    iteration: int
    params: Params  # the weights K updates have made (read-only)
    optimizer: OptimizerState  # before K's update
    h0: tuple[np.ndarray, ...]  # the state carried into K's chunk
    inputs: tuple[int, ...]
    targets: tuple[int, ...]
    grad: Params  # the trainer's gradient at K, before clipping
    after: Params  # the weights at K + 1
    optimizer_after: OptimizerState


def replay(config: TrainConfig, data: Sequence[int], snapshots: Sequence[Snapshot], k: int) -> Iteration:
    """Iteration `k` (0 <= k < config.iterations), from the last snapshot at or before it."""
    if not snapshots or not 0 <= k < config.iterations:
        raise ValueError(f"iteration {k} is outside 0..{config.iterations - 1}")
    start = max((s for s in snapshots if s.iteration <= k), key=lambda s: s.iteration)
    cell = CELLS[config.cell]
    params = Params(config.cell, config.vocab_size, config.hidden_size, start.flat.copy())
    grads = params.zeros_like()
    optimizer = Optimizer(config.optimizer, params.flat.size, config.learning_rate, config.clip)
    optimizer.restore(start.optimizer)
    stream = training_stream(data, config.seq_length)
    seq = min(config.seq_length, stream.size - 1)
    zero_state = tuple(np.zeros(config.hidden_size) for _ in cell.state)
    state, pointer = start.state, start.pointer
    with np.errstate(all="ignore"):
        for _ in range(start.iteration, k):
            pointer, state, inputs, targets = next_chunk(stream, pointer, seq, state, zero_state)
            _, state = cell.loss_and_grads(params, grads, inputs, targets, state)
            optimizer.step(params.flat, grads.flat)
            pointer += seq
        pointer, state, inputs, targets = next_chunk(stream, pointer, seq, state, zero_state)
        before, opt_before = params.frozen(), optimizer.snapshot()
        h0 = tuple(_frozen(s) for s in state)
        cell.loss_and_grads(params, grads, inputs, targets, state)
        grad = grads.frozen()
        optimizer.step(params.flat, grads.flat)
    return Iteration(
        k,
        before,
        opt_before,
        h0,
        tuple(int(i) for i in inputs),
        tuple(int(i) for i in targets),
        grad,
        params.frozen(),
        optimizer.snapshot(),
    )


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.setflags(write=False)
    return out
