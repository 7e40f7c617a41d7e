"""Training against min-char-rnn written out in the test, and a loss that stays finite.

The reference loop below is Karpathy's min-char-rnn in its own terms (column
vectors, dicts of arrays, its own forward and backward, its own chunk rule),
sharing nothing with the engine but the starting weights.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stepper.cells import CELLS
from stepper.export import trace_json_text
from stepper.params import init_params
from stepper.record import record
from stepper.train import TrainConfig, train


def _min_char_rnn_loss(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
    vocab = Wxh.shape[1]
    xs, hs, ys, ps = {}, {-1: np.copy(hprev)}, {}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        ys[t] = Why @ hs[t] + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += dhraw @ xs[t].T
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, (dWxh, dWhh, dWhy, dbh, dby), hs[len(inputs) - 1]


def _min_char_rnn(data, start, seq_length, iterations, learning_rate, clip=5.0):
    """Weights after every iteration, min-char-rnn's loop verbatim in spirit."""
    Wxh, Whh, Why = (start[n].copy() for n in ("Wxh", "Whh", "Why"))
    bh, by = start["bh"].reshape(-1, 1).copy(), start["by"].reshape(-1, 1).copy()
    params = (Wxh, Whh, Why, bh, by)
    memory = [np.zeros_like(w) for w in params]
    weights = [tuple(w.copy() for w in params)]
    n, p = 0, 0
    hprev = None
    while n < iterations:
        if p + seq_length + 1 >= len(data) or n == 0:
            hprev = np.zeros((Whh.shape[0], 1))
            p = 0
        inputs = data[p : p + seq_length]
        targets = data[p + 1 : p + seq_length + 1]
        _, grads, hprev = _min_char_rnn_loss(inputs, targets, hprev, *params)
        for param, dparam, mem in zip(params, grads, memory, strict=True):
            np.clip(dparam, -clip, clip, out=dparam)
            mem += dparam * dparam
            param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
        weights.append(tuple(w.copy() for w in params))
        p += seq_length
        n += 1
    return weights


@pytest.mark.parametrize(
    ("length", "seq_length"),
    [(201, 25), (151, 25), (200, 25), (47, 7), (16, 5)],
    ids=lambda v: str(v),
)
def test_every_iteration_matches_min_char_rnn(length: int, seq_length: int) -> None:
    """201 symbols, seq_length 25: 200 is a multiple of 25, where the reset rule used to
    differ (first at iteration 7); 200 and 47 are not multiples; 16 with 5: 15 is."""
    rng = np.random.default_rng(length)
    vocab, hidden, iterations = 4, 6, 30
    data = [int(s) for s in rng.integers(0, vocab, size=length)]
    cfg = TrainConfig(
        "rnn", vocab, hidden, 0.3, 11, "adagrad", 0.1, iterations, seq_length, 5.0,
        {f"i{k}": k for k in range(iterations + 1)},
    )  # fmt: skip
    result = train(cfg, data)
    start = init_params("rnn", vocab, hidden, 0.3, 11)
    expected = _min_char_rnn(data, start, seq_length, iterations, 0.1)
    assert [c.iteration for c in result.checkpoints] == list(range(iterations + 1))
    for checkpoint, (Wxh, Whh, Why, bh, by) in zip(result.checkpoints, expected, strict=True):
        got = checkpoint.params
        for name, want in (("Wxh", Wxh), ("Whh", Whh), ("Why", Why), ("bh", bh[:, 0]), ("by", by[:, 0])):
            np.testing.assert_allclose(
                got[name], want, rtol=0, atol=1e-12, err_msg=f"{name} at iteration {checkpoint.iteration}"
            )


def _extreme(cell: str):
    """Weights whose logits at step 0 put the target 800 below the best symbol."""
    params = init_params(cell, 3, 2, 0.1, 1)
    params.flat[...] = 0.0
    params["by"][...] = [0.0, 800.0, -100.0]
    return params


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_extreme_logits_give_a_finite_loss_in_both_paths_and_the_json(cell: str) -> None:
    params = _extreme(cell)
    inputs, targets = [0, 1, 2], [0, 2, 1]
    y = np.array([0.0, 800.0, -100.0])  # zero weights: the logits are the biases
    top = y.max()
    logsumexp = top + math.log(sum(math.exp(v - top) for v in y))
    expected = [logsumexp - y[k] for k in targets]  # 800, 900, 0
    trace = record(params, ("a", "b", "c"), inputs, targets)
    losses = [float(v) for v in trace.summary["loss"]]
    np.testing.assert_allclose(losses, expected, rtol=1e-15, atol=0)
    assert float(trace.summary["p"][0, 0]) == 0.0  # p really underflowed where the loss is 800
    grads = params.zeros_like()
    state = tuple(np.zeros(2) for _ in CELLS[cell].state)
    fast, _ = CELLS[cell].loss_and_grads(params, grads, inputs, targets, state)
    assert fast == pytest.approx(sum(expected), rel=1e-15)
    exported = json.loads(trace_json_text(trace))
    assert [step["loss"] for step in exported["steps"]] == pytest.approx(expected, rel=1e-15)
    text = json.dumps(exported)
    assert "null" not in text and "Infinity" not in text and "NaN" not in text
