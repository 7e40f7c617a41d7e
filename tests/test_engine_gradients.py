"""Gradient checks: every parameter of every cell, and dL/dh_t, against finite differences.

Both gradient paths are checked: the recorded trace (what the app shows) and the
vectorised `loss_and_grads` (what training uses). The reference loss is computed
by a forward pass written here, independently of the engine, so a wrong forward
in the engine cannot hide a wrong backward.
"""

from __future__ import annotations

import numpy as np
import pytest

from stepper.cells import CELLS
from stepper.params import Params, init_params
from stepper.record import record

CELL_NAMES = ("rnn", "gru", "lstm")
SIZES = ((3, 4, 6), (2, 3, 5))  # (vocab, hidden, timesteps)
STEP = 1e-4  # finite-difference step; the 4th-order stencil keeps the error near 1e-10


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def reference_run(
    p: Params,
    inputs: list[int],
    targets: list[int],
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    bump: tuple[int, np.ndarray] | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Summed cross-entropy and the final h, c, written straight from the equations.

    `bump = (t, delta)` adds delta to h_t right after it is computed, before the
    output layer and the next step read it: the derivative of the loss with
    respect to delta is the total dL/dh_t.
    """
    size_v, size_h = p.vocab_size, p.hidden_size
    h = np.zeros(size_h) if h0 is None else h0.copy()
    c = np.zeros(size_h) if c0 is None else c0.copy()
    loss = 0.0
    for t, (symbol, target) in enumerate(zip(inputs, targets, strict=True)):
        x = np.zeros(size_v)
        x[symbol] = 1.0
        if p.cell == "rnn":
            h = np.tanh(p["Wxh"] @ x + p["Whh"] @ h + p["bh"])
        elif p.cell == "gru":
            r = _sigmoid(p["W_ir"] @ x + p["b_ir"] + p["W_hr"] @ h + p["b_hr"])
            z = _sigmoid(p["W_iz"] @ x + p["b_iz"] + p["W_hz"] @ h + p["b_hz"])
            n = np.tanh(p["W_in"] @ x + p["b_in"] + r * (p["W_hn"] @ h + p["b_hn"]))
            h = (1.0 - z) * n + z * h
        else:
            pre = {k: p[f"W_i{k}"] @ x + p[f"b_i{k}"] + p[f"W_h{k}"] @ h + p[f"b_h{k}"] for k in "ifgo"}
            i, f, o = _sigmoid(pre["i"]), _sigmoid(pre["f"]), _sigmoid(pre["o"])
            c = f * c + i * np.tanh(pre["g"])
            h = o * np.tanh(c)
        if bump is not None and bump[0] == t:
            h = h + bump[1]
        y = p["Why"] @ h + p["by"]
        y = y - y.max()
        loss -= y[target] - np.log(np.exp(y).sum())
    return float(loss), h, c


def reference_loss(p: Params, inputs: list[int], targets: list[int], **kw) -> float:
    return reference_run(p, inputs, targets, **kw)[0]


def central_difference(f, x: np.ndarray) -> np.ndarray:
    """df/dx entry by entry with the 4th-order central stencil (f at x±h, x±2h)."""
    out = np.zeros_like(x)
    for k in range(x.size):

        def at(offset: float, k: int = k) -> float:
            moved = x.copy()
            moved[k] += offset
            return f(moved)

        out[k] = (8.0 * (at(STEP) - at(-STEP)) - (at(2 * STEP) - at(-2 * STEP))) / (12.0 * STEP)
    return out


def relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a-b| / max(|a|,|b|) entrywise; 0 where both are exactly 0 (an unused weight)."""
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.divide(np.abs(a - b), scale, out=np.zeros_like(scale), where=scale > 0)


def make_case(cell: str, vocab: int, hidden: int, steps: int, seed: int = 11):
    """Well-conditioned weights (scale 0.5) and nonzero biases, so every path carries gradient."""
    rng = np.random.default_rng(seed)
    params = init_params(cell, vocab, hidden, 0.5, seed)
    for name in params:
        if name.startswith("b"):
            params[name][...] = rng.normal(0.0, 0.5, params[name].shape)
    # Every symbol appears as an input, so no weight column is trivially unused.
    sequence = [int(s) for s in rng.permutation(np.resize(np.arange(vocab), steps + 1))]
    return params, sequence[:-1], sequence[1:]


def fast_grads(params: Params, inputs, targets, state=None) -> tuple[float, Params, tuple]:
    cell = CELLS[params.cell]
    if state is None:
        state = tuple(np.zeros(params.hidden_size) for _ in cell.state)
    grads = params.zeros_like()
    grads.flat[...] = 123.0  # must be overwritten, not accumulated into
    loss, final = cell.loss_and_grads(params, grads, inputs, targets, state)
    return loss, grads, final


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"V{s[0]}H{s[1]}T{s[2]}")
@pytest.mark.parametrize("cell", CELL_NAMES)
def test_every_parameter_matches_central_differences(cell: str, size: tuple[int, int, int]) -> None:
    params, inputs, targets = make_case(cell, *size)

    def loss_at(flat: np.ndarray) -> float:
        return reference_loss(Params(cell, params.vocab_size, params.hidden_size, flat), inputs, targets)

    numeric = central_difference(loss_at, params.flat)
    trace = record(params, [str(i) for i in range(size[0])], inputs, targets)
    loss, grads, _ = fast_grads(params, inputs, targets)

    for name in params:  # bias paths are exercised: no bias gradient is zero
        if name.startswith("b"):
            assert np.all(numeric[_slice(params, name)] != 0.0), name
    for label, analytic in (("trace", trace.grads.flat), ("loss_and_grads", grads.flat)):
        err = relative_error(analytic, numeric)
        worst = int(np.argmax(err))
        assert err[worst] < 1e-6, f"{label}: {_entry_name(params, worst)} rel err {err[worst]:.2e}"
    reference = loss_at(params.flat)
    assert trace.loss == pytest.approx(reference, rel=1e-13)
    assert loss == pytest.approx(reference, rel=1e-13)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_fast_gradient_with_a_carried_start_state(cell: str) -> None:
    """Training carries h (and c) across chunks, so the start state must get the right gradient too."""
    params, inputs, targets = make_case(cell, 3, 3, 4, seed=5)
    rng = np.random.default_rng(2)
    h0 = rng.uniform(-0.8, 0.8, 3)
    c0 = rng.uniform(-1.5, 1.5, 3)
    state = (h0, c0) if cell == "lstm" else (h0,)

    def loss_at(flat: np.ndarray) -> float:
        p = Params(cell, 3, 3, flat)
        return reference_loss(p, inputs, targets, h0=h0, c0=c0 if cell == "lstm" else None)

    numeric = central_difference(loss_at, params.flat)
    loss, grads, final = fast_grads(params, inputs, targets, state)
    assert relative_error(grads.flat, numeric).max() < 1e-6
    reference, h_end, c_end = reference_run(params, inputs, targets, h0=h0, c0=c0 if cell == "lstm" else None)
    assert loss == pytest.approx(reference, rel=1e-13)
    # The state handed to the next chunk is h_T (and c_T).
    np.testing.assert_allclose(final[0], h_end, rtol=1e-13, atol=1e-15)
    if cell == "lstm":
        np.testing.assert_allclose(final[1], c_end, rtol=1e-13, atol=1e-15)
    assert len(final) == len(state)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_trace_and_fast_gradients_agree_to_rounding(cell: str) -> None:
    params, inputs, targets = make_case(cell, 4, 5, 9, seed=3)
    trace = record(params, list("abcd"), inputs, targets)
    loss, grads, _ = fast_grads(params, inputs, targets)
    np.testing.assert_allclose(grads.flat, trace.grads.flat, rtol=1e-11, atol=1e-13)
    assert loss == pytest.approx(trace.loss, rel=1e-14)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_dh_norm_is_the_total_derivative_of_the_loss_by_h_t(cell: str) -> None:
    params, inputs, targets = make_case(cell, 3, 4, 6, seed=8)
    trace = record(params, list("abc"), inputs, targets)
    dh_rows = trace.summary["dh"]
    for t in range(len(inputs)):
        numeric = central_difference(
            lambda delta, t=t: reference_loss(params, inputs, targets, bump=(t, delta)), np.zeros(4)
        )
        assert np.abs(dh_rows[t] - numeric).max() < 1e-6 * np.abs(numeric).max(), f"dL/dh_{t}"
        norm = float(np.linalg.norm(numeric))
        assert abs(trace.summary["dh_norm"][t] - norm) < 1e-6 * norm, f"dh_norm at t={t}"
    # Nothing flows into the last step from later ones: its dh is just Why.T @ dy.
    last = len(inputs) - 1
    p_last = trace.summary["p"][last].copy()
    p_last[targets[last]] -= 1.0
    np.testing.assert_allclose(dh_rows[last], params["Why"].T @ p_last, rtol=1e-13, atol=1e-15)


def test_sequence_types_do_not_change_the_fast_path() -> None:
    """Lessons hold tuples, training slices arrays: both must give the list result bit for bit."""
    for cell in CELL_NAMES:
        params, inputs, targets = make_case(cell, 3, 4, 2, seed=4)  # two steps: tuple of 2 is the trap
        by_list = fast_grads(params, list(inputs), list(targets))
        for kind in (tuple, np.array):
            loss, grads, _ = fast_grads(params, kind(inputs), kind(targets))
            assert loss == by_list[0], (cell, kind)
            assert np.array_equal(grads.flat, by_list[1].flat), (cell, kind)


def _slice(params: Params, name: str) -> slice:
    start = 0
    for key in params:
        size = params[key].size
        if key == name:
            return slice(start, start + size)
        start += size
    raise KeyError(name)


def _entry_name(params: Params, index: int) -> str:
    for key in params:
        where = _slice(params, key)
        if where.start <= index < where.stop:
            return f"{key}{np.unravel_index(index - where.start, params[key].shape)}"
    return str(index)
