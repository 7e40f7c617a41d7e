"""Lazy recording records exactly what one line-by-line run from the start records.

The oracle below is that run: the recorder's loop body over every forward block from the
start state, then every backward block from the last, each block from the env the block
before it left (the eager recording the product made before blocks were recorded when
read). Every step's every value, every block's start, the summary, the gradient and the
colour scales are compared bit for bit (np.array_equal), for every cell, several sizes
and lengths (past the running sums' snapshots and chunks), edited weights, typed
sequences and a carried start state.
"""

from __future__ import annotations

import numpy as np
import pytest

from stepper import lazy
from stepper.cells import CELLS
from stepper.edits import Edit, edited
from stepper.lazy import Lazy, backward_outputs, forward_values, largest_outputs
from stepper.listing import FUNCTIONS
from stepper.optim import OptimizerState
from stepper.params import init_params
from stepper.passes.update import with_update
from stepper.record import Recorder, record
from stepper.trace import BACKWARD, FORWARD, frozen_array


def eager(params, vocab, inputs, targets, h0=None):
    """Every block run in order, each from the env the one before it left."""
    cell = CELLS[params.cell]
    named = {name: params[name] for name in params}
    context = {**FUNCTIONS, "inputs": tuple(inputs), "V": params.vocab_size, "H": params.hidden_size}
    start = h0 if h0 is not None else tuple(np.zeros(params.hidden_size) for _ in cell.state)
    state = {f"{s}_prev": frozen_array(v) for s, v in zip(cell.state, start, strict=True)}
    rec = Recorder()
    rec.begin(FORWARD, "forward", cell.forward)
    remembered = []
    for t, target in enumerate(targets):
        known = {**named, **state, "target": np.array(int(target))}
        env = rec.block(t, known, context)
        remembered.append({k: env[k] for k in known} | {line.op: env[line.op] for line in cell.forward.ops})
        state = {f"{s}_prev": env[s] for s in cell.state}
    rec.end()
    grads = {f"d{name}": np.zeros(value.shape) for name, value in named.items()}
    carried = {name: np.zeros(params.hidden_size) for name in cell.carried_grads}
    rec.begin(BACKWARD, "backward (BPTT)", cell.backward)
    for t in reversed(range(len(targets))):
        env = rec.block(t, {**remembered[t], **grads, **carried}, context)
        grads = {k: env[k] for k in grads}
        carried = {k: env[k] for k in carried}
    rec.end()
    return rec, grads, remembered


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def assert_recorded_alike(got, rec, grads, remembered, cell):
    assert isinstance(got.steps, Lazy)
    assert len(got.steps) == len(rec.steps)
    assert got.block_starts == tuple(rec.starts)
    assert got.block_ts == tuple(rec.ts)
    assert [(p.name, p.blocks) for p in got.passes] == [(p.name, p.blocks) for p in rec.passes]
    # blocks out of order (the last first), as a student jumps about
    for block in reversed(range(len(rec.starts))):
        mine, want = got.bases[block], rec.bases[block]
        assert list(mine) == list(want)
        assert all(same(mine[k], want[k]) for k in want), block
    for a, b in zip(got.steps, rec.steps, strict=True):
        assert (a.index, a.phase, a.t, a.op, a.line, a.note) == (b.index, b.phase, b.t, b.op, b.line, b.note)
        assert [n for n, _ in a.inputs] == [n for n, _ in b.inputs]
        assert all(same(x, y) for (_, x), (_, y) in zip(a.inputs, b.inputs, strict=True)), (a.op, a.t)
        assert same(a.output, b.output), (a.phase, a.op, a.t)
    flat = np.concatenate([grads[f"d{n}"].ravel() for n in got.params]) if grads else np.zeros(0)
    assert same(got.grads.flat, flat)
    T = len(remembered)
    for name in ("h", "y", "p", *cell.state, *cell.gates):
        want = np.array([v[name] for v in remembered]).reshape(T, *got.summary[name].shape[1:])
        assert same(got.summary[name], want)
    loss = np.array([float(v["loss_t"]) for v in remembered])
    assert same(got.summary["loss"], loss)
    dh = np.zeros((T, got.hidden_size))
    for s in rec.steps:
        if s.phase == BACKWARD and s.op == "dh":
            dh[s.t] = s.output
    assert same(got.summary["dh"], dh)
    assert got.loss == (float(loss.sum()) if T else 0.0)
    assert dict(got.steps.blocks.tops) == largest_outputs(rec.steps)
    carried = backward_outputs(got, cell.carried_grads)  # what caption guards read
    for name in cell.carried_grads:
        want = np.zeros((T, got.hidden_size))
        for s in rec.steps:
            if s.phase == BACKWARD and s.op == name:
                want[s.t] = s.output
        assert same(carried[name], want)
    for t, want in enumerate(remembered):  # what the contributions panel steps back from
        mine = forward_values(got, t)
        assert list(mine) == list(want) and all(same(mine[k], want[k]) for k in want)


CASES = [
    ("rnn", 3, 1, 0),
    ("rnn", 4, 5, 1),
    ("rnn", 2, 8, 70),
    ("gru", 3, 3, 2),
    ("gru", 7, 5, 40),
    ("lstm", 2, 1, 7),
    ("lstm", 5, 7, 70),
    ("lstm", 28, 16, 33),
]


@pytest.mark.parametrize(("cell", "vocab", "hidden", "steps"), CASES)
def test_a_lazy_recording_is_the_eager_one_bit_for_bit(cell, vocab, hidden, steps):
    rng = np.random.default_rng(vocab * 100 + hidden + steps)
    params = init_params(cell, vocab, hidden, 0.8, int(rng.integers(1000))).frozen()
    if steps:  # an edited weight, and a typed sequence
        name = next(n for n in params if n.startswith("W"))
        params = edited(params, (Edit(name, (0, 0), 2.5),))
    sequence = rng.integers(0, vocab, steps + 1).tolist()
    names = tuple(f"s{k}" for k in range(vocab))
    got = record(params, names, sequence[:-1], sequence[1:])
    assert_recorded_alike(got, *eager(params, names, sequence[:-1], sequence[1:]), CELLS[cell])


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_a_carried_start_state_and_large_weights_record_alike(cell):
    rng = np.random.default_rng(7)
    params = init_params(cell, 4, 6, 3.0, 3).frozen()  # saturating gates, large gradients
    h0 = tuple(rng.standard_normal(6) for _ in CELLS[cell].state)
    inputs, targets = rng.integers(0, 4, 45).tolist(), rng.integers(0, 4, 45).tolist()
    got = record(params, tuple("abcd"), inputs, targets, h0)
    assert_recorded_alike(got, *eager(params, tuple("abcd"), inputs, targets, h0), CELLS[cell])


def test_a_frame_records_only_the_blocks_it_reads():
    params = init_params("lstm", 4, 8, 0.5, 1).frozen()
    trace = record(params, tuple("abcd"), [0, 1, 2, 3] * 50, [1, 2, 3, 0] * 50)
    blocks = trace.steps.blocks
    assert trace.summary["p"].shape == (200, 4) and trace.grads.flat.any()
    assert trace.steps[trace.timestep_range(BACKWARD, 120).start].t == 120
    assert set(blocks._steps) == {2 * 200 - 1 - 120}  # that block, and no other


def test_the_update_pass_and_the_gradient_wait_until_read():
    params = init_params("gru", 3, 4, 0.5, 2).frozen()
    trace = record(params, tuple("abc"), [0, 1, 2] * 20, [1, 2, 0] * 20)
    state = OptimizerState(0, np.zeros(params.flat.size), None)
    updated = with_update(trace, "adagrad", 0.1, 5.0, state)
    update_steps = updated.steps.runs[-1]
    assert "grads" not in vars(trace) and "_made" not in vars(update_steps)  # nothing added up yet
    assert not updated.steps.blocks._steps  # nor any block recorded
    rec, grads, _ = eager(params, tuple("abc"), [0, 1, 2] * 20, [1, 2, 0] * 20)
    tail = updated.steps[len(rec.steps) :]
    assert "_made" in vars(update_steps) and not updated.steps.blocks._steps
    assert [s.index for s in tail] == list(range(len(rec.steps), len(updated.steps)))
    assert {s.phase for s in tail} == {"update"} and len(tail) == len(updated.steps) - len(rec.steps)
    want = np.concatenate([grads[f"d{n}"].ravel() for n in params])
    assert same(updated.update.grad.flat, want) and same(trace.grads.flat, want)
    first = updated.bases[updated.pass_of("update").blocks.start]
    assert same(first["dW"], grads["dW_ir"]) and same(first["W"], params["W_ir"])


def test_walking_a_long_trace_keeps_a_bounded_number_of_blocks():
    params = init_params("rnn", 3, 4, 0.5, 2).frozen()
    trace = record(params, tuple("abc"), [0, 1, 2] * 200, [1, 2, 0] * 200)
    assert sum(1 for _ in trace.steps) == len(trace.steps)
    assert len(trace.steps.blocks._steps) <= lazy.BLOCKS_KEPT
