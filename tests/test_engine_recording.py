"""The recorded trace: replayable, consistent forward to backward, read-only, navigable, deterministic."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pytest

from stepper.cells import CELLS
from stepper.export import trace_json_text
from stepper.listing import FUNCTIONS, run_line
from stepper.params import init_params
from stepper.record import record
from stepper.trace import BACKWARD, FORWARD, Trace
from stepper.train import TrainConfig, train

ROOT = Path(__file__).resolve().parent.parent
CELL_NAMES = ("rnn", "gru", "lstm")
INPUTS = (0, 2, 1, 1, 0)
TARGETS = (2, 1, 1, 0, 2)


def make_trace(cell: str, inputs=INPUTS, targets=TARGETS) -> Trace:
    params = init_params(cell, 3, 4, 0.6, seed=21)
    rng = np.random.default_rng(21)
    for name in params:
        if name.startswith("b"):
            params[name][...] = rng.normal(0.0, 0.4, params[name].shape)
    return record(params, ("a", "b", "c"), inputs, targets)


@pytest.fixture(scope="module", params=CELL_NAMES)
def trace(request: pytest.FixtureRequest) -> Trace:
    return make_trace(request.param)


def _context(trace: Trace, t: int) -> dict[str, object]:
    """What a listing line may read besides recorded values: functions and bookkeeping."""
    return {**FUNCTIONS, "inputs": trace.inputs, "t": t, "T": trace.length, "V": 3, "H": 4}


def test_each_step_replays_from_its_recorded_inputs(trace: Trace) -> None:
    """Re-executing the lit line on the step's own inputs gives its output, bit for bit."""
    for step in trace.steps:
        line = trace.listing(step.phase).lines[step.line]
        assert line.op == step.op
        assert step.note == line.comment
        env = {**_context(trace, step.t), **dict(step.inputs)}
        assert set(dict(step.inputs)) == set(line.reads)
        out = run_line(line, env)
        assert out.dtype == step.output.dtype == np.float64
        assert np.array_equal(out, step.output), (step.phase, step.t, step.op)


def test_chained_replay_from_weights_alone_reproduces_every_step(trace: Trace) -> None:
    """Run the listings ourselves from the weights and zero state, carrying values the way the
    code panel says (h -> h_prev, dh_next -> next step): every recorded output must match."""
    cell = CELLS[trace.cell]
    weights = {name: trace.params[name] for name in trace.params}
    steps = iter(trace.steps)
    state = {f"{s}_prev": np.zeros(4) for s in cell.state}
    forward_envs = []
    for t in range(trace.length):
        env = {**_context(trace, t), **weights, **state, "target": trace.targets[t]}
        for line in cell.forward.ops:
            step = next(steps)
            assert (step.phase, step.t, step.op) == (FORWARD, t, line.op)
            assert np.array_equal(run_line(line, env), step.output), (t, line.op)
        forward_envs.append(env)
        state = {f"{s}_prev": env[s] for s in cell.state}
    accum = {f"d{name}": np.zeros(w.shape) for name, w in weights.items()}
    carried = {name: np.zeros(4) for name in cell.carried_grads}
    for t in reversed(range(trace.length)):
        env = {**forward_envs[t], **accum, **carried}
        for line in cell.backward.ops:
            step = next(steps)
            assert (step.phase, step.t, step.op) == (BACKWARD, t, line.op)
            assert np.array_equal(run_line(line, env), step.output), (t, line.op)
        accum = {k: env[k] for k in accum}
        carried = {k: env[k] for k in carried}
    assert next(steps, None) is None
    for name in weights:
        assert np.array_equal(trace.grads[name], accum[f"d{name}"]), name


def test_backward_reads_the_forward_values_of_its_own_timestep(trace: Trace) -> None:
    for t in range(trace.length):
        forward = {trace.steps[i].op: trace.steps[i].output for i in trace.timestep_range(FORWARD, t)}
        first = trace.timestep_range(BACKWARD, t)[0]
        env = trace.env(first)
        for op, value in forward.items():
            assert np.array_equal(env[op], value), (t, op)
        h_before = forward_h(trace, t - 1)
        assert np.array_equal(env["h_prev"], h_before)
        for i in trace.timestep_range(BACKWARD, t):
            for name, value in trace.steps[i].inputs:
                if name in forward:
                    assert np.array_equal(value, forward[name]), (t, trace.steps[i].op, name)


def forward_h(trace: Trace, t: int) -> np.ndarray:
    if t < 0:
        return np.zeros(4)
    return next(trace.steps[i].output for i in trace.timestep_range(FORWARD, t) if trace.steps[i].op == "h")


def test_gradients_flow_from_step_t_plus_1_into_step_t(trace: Trace) -> None:
    """Carried gradients and running parameter gradients: step t starts from what t+1 left."""
    cell = CELLS[trace.cell]
    accumulators = {f"d{name}" for name in trace.params}
    carried_names = set(cell.carried_grads) | accumulators
    left: dict[str, np.ndarray] = {}
    for t in reversed(range(trace.length)):
        block = [trace.steps[i] for i in trace.timestep_range(BACKWARD, t)]
        first_read: dict[str, np.ndarray] = {}
        for step in block:
            for name, value in step.inputs:
                if name in carried_names and name not in {s.op for s in block[: block.index(step)]}:
                    first_read.setdefault(name, value)
        for name, value in first_read.items():
            before = left.get(name)
            if before is None:  # nothing flows in after the last step
                assert not value.any(), (t, name)
            else:
                assert np.array_equal(value, before), (t, name)
        for step in block:
            if step.op in carried_names:
                left[step.op] = step.output
    assert set(cell.carried_grads) <= set(left)


def test_every_recorded_array_refuses_writes(trace: Trace) -> None:
    arrays = []
    for step in trace.steps:
        arrays.append(step.output)
        arrays.extend(value for _, value in step.inputs)
    arrays.extend(trace.summary.values())
    arrays.extend(trace.grads[name] for name in trace.grads)
    arrays.extend(trace.params[name] for name in trace.params)
    arrays.extend([trace.grads.flat, trace.params.flat])
    for base in trace.bases:
        arrays.extend(base.values())
    arrays.extend(trace.env(len(trace.steps) // 2).values())
    for array in arrays:
        with pytest.raises(ValueError):
            array[...] = 0.0
    with pytest.raises((TypeError, AttributeError)):
        trace.summary["h"] = np.zeros(1)  # type: ignore[index]
    with pytest.raises(AttributeError):
        trace.steps[0].output = np.zeros(1)  # type: ignore[misc]


def test_recording_copies_the_callers_weights() -> None:
    """Training keeps updating its buffer; a recorded trace must not change with it."""
    params = init_params("gru", 2, 3, 0.5, seed=1)
    trace = record(params, ("0", "1"), (0, 1, 1), (1, 1, 0))
    assert params.flat.flags.writeable
    kept = trace.params.flat.copy()
    h_kept = trace.summary["h"].copy()
    params.flat[...] = 9.0
    assert np.array_equal(trace.params.flat, kept)
    assert np.array_equal(trace.summary["h"], h_kept)


def test_step_counts_and_ranges(trace: Trace) -> None:
    cell = CELLS[trace.cell]
    size_t = trace.length
    n_fwd, n_bwd = len(cell.forward.ops), len(cell.backward.ops)
    assert len(trace.phase_range(FORWARD)) == size_t * n_fwd
    assert len(trace.phase_range(BACKWARD)) == size_t * n_bwd
    assert trace.phase_range(FORWARD) == range(0, size_t * n_fwd)
    assert trace.phase_range(BACKWARD) == range(size_t * n_fwd, len(trace.steps))
    assert [s.index for s in trace.steps] == list(range(len(trace.steps)))
    for phase, per_step in ((FORWARD, n_fwd), (BACKWARD, n_bwd)):
        covered: list[int] = []
        order = range(size_t) if phase == FORWARD else reversed(range(size_t))
        for t in order:
            indices = trace.timestep_range(phase, t)
            assert len(indices) == per_step
            assert all(trace.steps[i].phase == phase and trace.steps[i].t == t for i in indices)
            covered.extend(indices)
        # Forward runs t = 0..T-1, backward T-1..0, each timestep one contiguous block.
        assert covered == list(trace.phase_range(phase))


def test_block_of_and_env(trace: Trace) -> None:
    size_t = trace.length
    for step in trace.steps:
        block = trace.block_of(step.index)
        assert block == (step.t if step.phase == FORWARD else 2 * size_t - 1 - step.t)
        assert step.index in trace.block_range(block)
    for phase in trace.pass_names:
        for t in (0, size_t - 1):
            indices = trace.timestep_range(phase, t)
            for i in indices:
                env = trace.env(i)
                assert env[trace.steps[i].op] is trace.steps[i].output
                for j in range(i + 1, indices.stop):
                    later = trace.steps[j]
                    if later.op in {trace.steps[k].op for k in range(indices.start, i + 1)}:
                        continue
                    if phase == FORWARD:  # nothing of this timestep exists before its line runs
                        assert later.op not in env, (i, later.op)
                    else:  # carried values and accumulators still hold what step t+1 left
                        base = trace.bases[trace.block_of(i)]
                        assert later.op not in env or env[later.op] is base[later.op], (i, later.op)
    # The weights and the start state are there before the first line runs.
    env0 = trace.env(0)
    assert np.array_equal(env0["h_prev"], np.zeros(4))
    assert all(np.array_equal(env0[name], trace.params[name]) for name in trace.params)


def test_one_step_sequence() -> None:
    trace = make_trace("lstm", (1,), (2,))
    cell = CELLS["lstm"]
    assert len(trace.steps) == len(cell.forward.ops) + len(cell.backward.ops)
    assert trace.block_of(0) == 0
    assert trace.block_of(len(trace.steps) - 1) == 1
    assert trace.summary["dh_norm"].shape == (1,)


def test_listing_lines_assign_the_op_they_are_named_by() -> None:
    """The code panel lights `step.line`; that line must visibly write `step.op`."""
    for cell in CELLS.values():
        for listing in (cell.forward, cell.backward):
            assert listing.ops, cell.name
            for line in listing.ops:
                head = line.source.strip()
                assert head.startswith((f"{line.op} =", f"{line.op} +=")), head
                assert listing.lines[line.number] is line


# ---- determinism ---------------------------------------------------------------------------------

DETERMINISM_SCRIPT = """
import hashlib, sys
from stepper.export import trace_json_text
from stepper.record import record
from stepper.train import TrainConfig, train
digest = hashlib.sha256()
for cell, opt in (("rnn", "adagrad"), ("gru", "adam"), ("lstm", "sgd")):
    cfg = TrainConfig(cell, 3, 4, 0.3, 5, opt, 0.05, 40, 7, 5.0, {"a": 0, "b": 13, "c": 40})
    result = train(cfg, [0, 1, 2, 2, 1, 0, 0, 2])
    for c in result.checkpoints:
        digest.update(c.params.flat.tobytes())
    digest.update(result.loss_history.tobytes())
    trace = record(result.last.params, ("x", "y", "z"), (0, 1, 2, 2), (1, 2, 2, 1))
    digest.update(trace_json_text(trace).encode())
print(digest.hexdigest())
"""


def _digest_here() -> str:
    namespace: dict[str, object] = {}
    out = StringIO()
    with redirect_stdout(out):
        exec(DETERMINISM_SCRIPT, namespace)
    return out.getvalue().strip()


def test_two_runs_give_identical_bytes() -> None:
    config = TrainConfig("lstm", 3, 4, 0.3, 5, "adam", 0.05, 30, 7, 5.0, {"start": 0, "end": 30})
    data = [0, 1, 2, 2, 1, 0]
    runs = []
    for _ in range(2):
        result = train(config, data)
        trace = record(result.last.params, ("x", "y", "z"), (0, 1, 2), (1, 2, 2))
        runs.append(
            (
                [c.params.flat.tobytes() for c in result.checkpoints],
                result.loss_history.tobytes(),
                trace_json_text(trace),
                json.dumps(trace.summary["dh_norm"].tolist()),
            )
        )
    assert runs[0] == runs[1]
    assert runs[0][0][0] != runs[0][0][1]  # training moved the weights: the comparison means something


def test_fresh_interpreters_train_bit_identically() -> None:
    """Nothing may depend on hash seeds, import order or leftover global state."""
    digests = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1] == _digest_here()
    assert len(digests[0]) == len(hashlib.sha256().hexdigest())
