"""The recorded forward pass against an independent oracle of the PyTorch equations.

The oracle below is written from the torch.nn.RNN / GRU / LSTM documentation and
reads a torch-style state dict (stacked gates r,z,n or i,f,g,o). The engine gets
the same dict through its own weights loader, so stacking order, bias handling
and the equations are all checked together.
"""

from __future__ import annotations

import numpy as np
import pytest

from stepper.cells import CELLS
from stepper.record import record
from stepper.trace import BACKWARD, FORWARD
from stepper.weights import params_from_torch

TOL = 1e-12
GATES = {"rnn": (), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}  # torch's documented stacking order


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def torch_state_dict(cell: str, vocab: int, hidden: int, seed: int) -> dict[str, np.ndarray]:
    """Random weights in torch's layout; wider than torch's init so the nonlinearities bend."""
    rng = np.random.default_rng(seed)
    rows = {"rnn": 1, "gru": 3, "lstm": 4}[cell] * hidden
    shapes = {
        "weight_ih_l0": (rows, vocab),
        "weight_hh_l0": (rows, hidden),
        "bias_ih_l0": (rows,),
        "bias_hh_l0": (rows,),
        "out.weight": (vocab, hidden),
        "out.bias": (vocab,),
    }
    return {k: rng.uniform(-1.2, 1.2, s) for k, s in shapes.items()}


def oracle(sd: dict[str, np.ndarray], cell: str, inputs: list[int], targets: list[int]) -> list[dict]:
    """One dict per timestep, straight from the torch docs; h0 = c0 = 0."""
    w_ih, w_hh, b_ih, b_hh = (sd[k] for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    hidden = w_hh.shape[1]
    vocab = w_ih.shape[1]
    h = np.zeros(hidden)
    c = np.zeros(hidden)
    out = []
    for x_index, target in zip(inputs, targets, strict=True):
        x = np.zeros(vocab)
        x[x_index] = 1.0
        row: dict[str, np.ndarray] = {}
        if cell == "rnn":
            h = np.tanh(w_ih @ x + b_ih + w_hh @ h + b_hh)
        elif cell == "gru":
            W_ir, W_iz, W_in = np.split(w_ih, 3)
            W_hr, W_hz, W_hn = np.split(w_hh, 3)
            b_ir, b_iz, b_in = np.split(b_ih, 3)
            b_hr, b_hz, b_hn = np.split(b_hh, 3)
            r = sigmoid(W_ir @ x + b_ir + W_hr @ h + b_hr)
            z = sigmoid(W_iz @ x + b_iz + W_hz @ h + b_hz)
            n = np.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
            h = (1 - z) * n + z * h
            row.update(r=r, z=z, n=n)
        else:
            W_ii, W_if, W_ig, W_io = np.split(w_ih, 4)
            W_hi, W_hf, W_hg, W_ho = np.split(w_hh, 4)
            b_ii, b_if, b_ig, b_io = np.split(b_ih, 4)
            b_hi, b_hf, b_hg, b_ho = np.split(b_hh, 4)
            i = sigmoid(W_ii @ x + b_ii + W_hi @ h + b_hi)
            f = sigmoid(W_if @ x + b_if + W_hf @ h + b_hf)
            g = np.tanh(W_ig @ x + b_ig + W_hg @ h + b_hg)
            o = sigmoid(W_io @ x + b_io + W_ho @ h + b_ho)
            c = f * c + i * g
            h = o * np.tanh(c)
            row.update(i=i, f=f, g=g, o=o, c=c)
        y = sd["out.weight"] @ h + sd["out.bias"]
        p = np.exp(y - y.max())
        p /= p.sum()
        row.update(h=h, y=y, p=p, loss=-np.log(p[target]))
        out.append(row)
    return out


CASES = [(cell, seed) for cell in ("rnn", "gru", "lstm") for seed in (0, 1, 2)]


@pytest.mark.parametrize(("cell", "seed"), CASES)
def test_recorded_forward_matches_the_torch_equations(cell: str, seed: int) -> None:
    vocab, hidden = 4, 5
    sd = torch_state_dict(cell, vocab, hidden, seed)
    rng = np.random.default_rng(100 + seed)
    sequence = [int(s) for s in rng.integers(0, vocab, 13)]
    inputs, targets = sequence[:-1], sequence[1:]
    params = params_from_torch(sd, cell, vocab, hidden, "oracle")
    trace = record(params, list("abcd"), inputs, targets)
    expected = oracle(sd, cell, inputs, targets)
    summary = trace.summary

    names = ["h", "y", "p", "loss", *GATES[cell]] + (["c"] if cell == "lstm" else [])
    for t, row in enumerate(expected):
        for name in names:
            np.testing.assert_allclose(summary[name][t], row[name], rtol=0, atol=TOL, err_msg=f"{name}@{t}")
        # The recorded steps themselves, not only the summary built from them.
        by_op = {trace.steps[i].op: trace.steps[i].output for i in trace.timestep_range(FORWARD, t)}
        for name in ("h", "p", *GATES[cell]):
            np.testing.assert_allclose(by_op[name], row[name], rtol=0, atol=TOL, err_msg=f"step {name}@{t}")
        np.testing.assert_allclose(by_op["loss_t"], row["loss"], rtol=0, atol=TOL)
    total = sum(float(row["loss"]) for row in expected)
    assert trace.loss == pytest.approx(total, rel=1e-13)
    # The training path computes the same loss from the same weights.
    grads = params.zeros_like()
    state = tuple(np.zeros(hidden) for _ in CELLS[cell].state)
    loss, final = CELLS[cell].loss_and_grads(params, grads, inputs, targets, state)
    assert loss == pytest.approx(total, rel=1e-13)
    np.testing.assert_allclose(final[0], expected[-1]["h"], rtol=0, atol=TOL)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_summary_names_exactly_the_cell_gates_and_state(cell: str) -> None:
    sd = torch_state_dict(cell, 2, 3, 9)
    trace = record(params_from_torch(sd, cell, 2, 3, "oracle"), ["0", "1"], [0, 1, 1], [1, 1, 0])
    for gate in ("r", "z", "n", "i", "f", "g", "o"):
        assert (gate in trace.summary) == (gate in GATES[cell]), gate
    assert ("c" in trace.summary) == (cell == "lstm")
    assert trace.summary["h"].shape == (3, 3)
    assert trace.summary["p"].shape == (3, 2)
    np.testing.assert_allclose(trace.summary["p"].sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_backward_starts_from_softmax_minus_one_hot() -> None:
    """dy = p - onehot(target) at every step: the first backward op of each timestep."""
    sd = torch_state_dict("gru", 3, 4, 4)
    inputs, targets = [0, 2, 1, 1], [2, 1, 1, 0]
    trace = record(params_from_torch(sd, "gru", 3, 4, "oracle"), list("abc"), inputs, targets)
    expected = oracle(sd, "gru", inputs, targets)
    for t in range(4):
        first = trace.steps[trace.timestep_range(BACKWARD, t)[0]]
        assert first.op == "dy"
        want = expected[t]["p"].copy()
        want[targets[t]] -= 1.0
        np.testing.assert_allclose(first.output, want, rtol=0, atol=TOL)


def test_saturated_logits_stay_finite() -> None:
    """Max-shifted softmax: logits near 800 (exp overflows at 710) still give exact probabilities."""
    sd = torch_state_dict("rnn", 2, 2, 1)
    sd["out.bias"] = np.array([800.0, 799.0])
    inputs, targets = [0, 1, 1], [1, 1, 0]
    trace = record(params_from_torch(sd, "rnn", 2, 2, "big"), ["0", "1"], inputs, targets)
    expected = oracle(sd, "rnn", inputs, targets)
    assert np.isfinite(trace.grads.flat).all()
    for t, row in enumerate(expected):
        assert np.isfinite(row["p"]).all()
        np.testing.assert_allclose(trace.summary["p"][t], row["p"], rtol=0, atol=TOL)
    assert trace.loss == pytest.approx(sum(float(r["loss"]) for r in expected), rel=1e-13)
