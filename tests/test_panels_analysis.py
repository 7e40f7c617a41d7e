"""stepper.analysis against oracles written here from the equations, not from its code:
contributions by finite differences, the projection by an SVD, responses by loops."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from window_support import BY_CELL, ROOT, session

from stepper import analysis
from stepper.params import init_params
from stepper.record import record


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _one_step(cell: str, w, x: int, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One timestep as torch documents each cell (column x of W_i* is W_i* @ one_hot(x))."""
    if cell == "rnn":
        return np.tanh(w["Wxh"][:, x] + w["Whh"] @ h + w["bh"]), c
    if cell == "gru":
        r = _sigmoid(w["W_ir"][:, x] + w["b_ir"] + w["W_hr"] @ h + w["b_hr"])
        z = _sigmoid(w["W_iz"][:, x] + w["b_iz"] + w["W_hz"] @ h + w["b_hz"])
        n = np.tanh(w["W_in"][:, x] + w["b_in"] + r * (w["W_hn"] @ h + w["b_hn"]))
        return (1 - z) * n + z * h, c
    gate = {g: w[f"W_i{g}"][:, x] + w[f"b_i{g}"] + w[f"W_h{g}"] @ h + w[f"b_h{g}"] for g in "ifgo"}
    c_new = _sigmoid(gate["f"]) * c + _sigmoid(gate["i"]) * np.tanh(gate["g"])
    return _sigmoid(gate["o"]) * np.tanh(c_new), c_new


def _loss_from(trace, k: int, t: int, h_k: np.ndarray) -> float:
    """loss_t when h_k is replaced by h_k (c_k kept as recorded), replaying steps k+1..t."""
    w = trace.params
    h = h_k
    c = np.asarray(trace.summary["c"][k]) if trace.cell == "lstm" else np.zeros_like(h)
    for step in range(k + 1, t + 1):
        h, c = _one_step(trace.cell, w, trace.inputs[step], h, c)
    y = w["Why"] @ h + w["by"]
    y = y - y.max()
    return float(-(y[trace.targets[t]] - np.log(np.exp(y).sum())))


def finite_difference_norms(trace, t: int, eps: float = 1e-6) -> np.ndarray:
    """||d loss_t / d h_k|| for k = 0..t by central differences on every unit of h_k."""
    out = []
    for k in range(t + 1):
        h_k = np.asarray(trace.summary["h"][k], dtype=np.float64)
        grad = np.empty_like(h_k)
        for j in range(len(h_k)):
            bump = np.zeros_like(h_k)
            bump[j] = eps
            grad[j] = (_loss_from(trace, k, t, h_k + bump) - _loss_from(trace, k, t, h_k - bump)) / (2 * eps)
        out.append(np.linalg.norm(grad))
    return np.array(out)


def _random_trace(cell: str, seed: int, steps: int = 6):
    """Untrained weights big enough that every step depends on every earlier one."""
    rng = np.random.default_rng(seed)
    params = init_params(cell, 3, 4, 0.8, seed)
    symbols = rng.integers(0, 3, steps + 1)
    return record(params, ("a", "b", "c"), symbols[:-1].tolist(), symbols[1:].tolist())


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("seed", [1, 2])
def test_contributions_equal_finite_differences(cell, seed):
    trace = _random_trace(cell, seed)
    norms = analysis.contributions(trace).norms
    for t in range(trace.length):
        expected = finite_difference_norms(trace, t)
        np.testing.assert_allclose(norms[t, : t + 1], expected, rtol=1e-5, atol=1e-9)
        assert np.isnan(norms[t, t + 1 :]).all(), "a later step cannot change an earlier loss"


@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_contributions_on_the_lessons(cell):
    s = session(BY_CELL[cell])
    trace = s.trace(s.checkpoint_names[0])
    t = trace.length - 1
    np.testing.assert_allclose(
        analysis.contributions(trace).norms[t, : t + 1],
        finite_difference_norms(trace, t),
        rtol=1e-4,
        atol=1e-9,
    )


def test_contributions_of_the_last_output_add_up_to_the_engines_dh():
    """Only the last loss reaches the last h, so its blame there is the engine's dh_(T-1)."""
    trace = _random_trace("gru", 3)
    t = trace.length - 1
    assert analysis.contributions(trace).norms[t, t] == pytest.approx(trace.summary["dh_norm"][t])


def _pca_oracle(h: np.ndarray) -> np.ndarray:
    centred = h - h.mean(axis=0)
    _, _, vt = np.linalg.svd(centred)
    return centred @ vt[:2].T


@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_projection_equals_an_svd_projection_up_to_sign(cell):
    s = session(BY_CELL[cell])
    trace = s.trace(s.checkpoint_names[-1])
    projection = analysis.trajectory(trace)
    expected = _pca_oracle(np.asarray(trace.summary["h"]))
    for axis in range(2):
        got = projection.points[:, axis]
        sign = 1.0 if np.dot(got, expected[:, axis]) >= 0 else -1.0
        np.testing.assert_allclose(got, sign * expected[:, axis], atol=1e-10)
    assert projection.labels == ("PC1", "PC2")
    assert sum(projection.explained) <= 1.0 + 1e-12
    # The start state is projected with the same centre and axes.
    np.testing.assert_allclose(projection.start, projection.project(np.zeros(trace.hidden_size)))


def test_two_units_are_drawn_on_their_own_axes():
    trace = record(init_params("rnn", 2, 2, 0.5, 4), ("0", "1"), [0, 1, 1, 0], [1, 1, 0, 1])
    projection = analysis.trajectory(trace)
    np.testing.assert_array_equal(projection.points, trace.summary["h"])
    assert projection.labels == ("h[0]", "h[1]") and projection.explained is None


def test_responses_are_mean_changes_per_input_symbol():
    trace = _random_trace("rnn", 5, steps=9)
    h = np.asarray(trace.summary["h"])
    got = analysis.responses(trace)
    for s in range(len(trace.vocab)):
        changes = [h[t] - (h[t - 1] if t else 0.0) for t in range(trace.length) if trace.inputs[t] == s]
        assert got.counts[s] == len(changes)
        if changes:
            np.testing.assert_allclose(got.mean_change[:, s], np.mean(changes, axis=0))
        else:
            assert np.isnan(got.mean_change[:, s]).all()


def test_change_norms_start_from_the_zero_state():
    trace = _random_trace("lstm", 6)
    h = np.asarray(trace.summary["h"])
    expected = np.linalg.norm(np.diff(np.vstack([np.zeros(trace.hidden_size), h]), axis=0), axis=1)
    np.testing.assert_allclose(analysis.change_norms(trace), expected)


def test_results_are_kept_per_trace_and_read_only():
    trace = _random_trace("rnn", 7)
    first = analysis.contributions(trace)
    assert analysis.contributions(trace) is first
    assert not first.norms.flags.writeable
    assert analysis.contributions(_random_trace("rnn", 7)) is not first


def test_nan_weights_give_nan_results_without_raising():
    params = init_params("rnn", 2, 3, 0.5, 1)
    params.flat[0] = np.nan
    trace = record(params, ("0", "1"), [0, 1, 0], [1, 0, 1])
    assert np.isnan(analysis.contributions(trace).norms).any()
    analysis.trajectory(trace)
    analysis.responses(trace)


def test_analysis_loads_neither_pygame_nor_yaml():
    probe = (
        "import json, sys, stepper.analysis; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'pygame', 'yaml'})))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
