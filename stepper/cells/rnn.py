"""The vanilla tanh RNN of min-char-rnn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from stepper.cells.base import (
    Cell,
    output_layer,
    output_slots,
    per_symbol,
    replay_output_grads,
    replay_outputs,
    weight_grads,
)
from stepper.listing import parse_listing

if TYPE_CHECKING:
    from stepper.params import Params

FORWARD = parse_listing("""
h = zeros(H)                         # (H,)   h0: the start state
for t in range(T):                   # h_prev is h from step t-1
    x = one_hot(inputs[t], V)        # (V,)   input symbol as one-hot
    xh = Wxh @ x                     # (H,)   what the input adds
    hh = Whh @ h_prev                # (H,)   what memory adds
    a = xh + hh + bh                 # (H,)   pre-activation
    h = tanh(a)                      # (H,)   new hidden state
    hy = Why @ h                     # (V,)   hidden -> output
    y = hy + by                      # (V,)   logits
    p = softmax(y)                   # (V,)   next-symbol probabilities
    loss_t = -log_softmax(y)[target] # ()     cross-entropy, -log p[target]
""")

BACKWARD = parse_listing("""
dh_next = zeros(H)                   # (H,)   nothing flows in after the end
for t in reversed(range(T)):         # every dW starts at zeros
    dy = p - one_hot(target, V)      # (V,)   dL/dy of softmax + loss
    dWhy += outer(dy, h)             # (V, H)
    dby += dy                        # (V,)
    dh = Why.T @ dy + dh_next        # (H,)   total dL/dh_t
    da = (1 - h * h) * dh            # (H,)   back through tanh
    dWxh += outer(da, x)             # (H, V)
    dWhh += outer(da, h_prev)        # (H, H)
    dbh += da                        # (H,)
    dh_next = Whh.T @ da             # (H,)   handed to step t-1
""")


def loss_and_grads(
    params: Params,
    grads: Params,
    inputs: Sequence[int],
    targets: Sequence[int],
    state: tuple[np.ndarray, ...],
) -> tuple[float, tuple[np.ndarray, ...]]:
    inputs = np.asarray(inputs, dtype=np.intp)  # a tuple would index as (row, col)
    Wxh, Whh, bh = params["Wxh"], params["Whh"], params["bh"]
    steps, hidden = len(inputs), Whh.shape[0]
    a_in = Wxh.T[inputs] + bh  # (T, H): one-hot @ Wxh.T is a row lookup
    hs = np.empty((steps + 1, hidden))
    hs[0] = state[0]
    for t in range(steps):
        np.tanh(Whh.dot(hs[t]) + a_in[t], out=hs[t + 1])
    loss, dh_out = output_layer(params, grads, hs[1:], targets)
    gain = 1.0 - hs[1:] * hs[1:]  # tanh' at every step
    da = np.empty((steps, hidden))
    dh_next = np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        np.multiply(dh_out[t] + dh_next, gain[t], out=da[t])
        dh_next = da[t].dot(Whh)
    weight_grads(grads, ("Wxh", "Whh"), da, da, inputs, hs[:-1])
    grads["bh"][...] = da.sum(axis=0)
    return loss, (hs[-1].copy(),)


def replay(
    w: Mapping[str, np.ndarray], inputs: Sequence[int], targets: Sequence[int], start: tuple[np.ndarray, ...]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The listings at every step (stepper.cells.base.Replay)."""
    steps, size_v, hidden = len(inputs), w["Why"].shape[0], w["Whh"].shape[0]
    Whh, bh = w["Whh"], w["bh"]
    x = per_symbol(inputs, size_v, lambda x: x)
    xh = per_symbol(inputs, size_v, lambda x: w["Wxh"] @ x)
    hh, a, hs = np.empty((steps, hidden)), np.empty((steps, hidden)), np.empty((steps, hidden))
    (h_prev,) = start
    for t in range(steps):
        hh[t] = Whh @ h_prev
        a[t] = xh[t] + hh[t] + bh
        hs[t] = np.tanh(a[t])
        h_prev = hs[t]
    fwd = {"x": x, "xh": xh, "hh": hh, "a": a, "h": hs, **replay_outputs(w, hs, targets)}

    dy, out_back = replay_output_grads(w, fwd["p"], targets)
    gain = 1 - hs * hs
    back = {name: np.empty((steps, hidden)) for name in ("dh", "da", "dh_next")}
    dh_next = np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        dh = out_back[t] + dh_next
        da = gain[t] * dh
        dh_next = Whh.T @ da
        back["dh"][t], back["da"][t], back["dh_next"][t] = dh, da, dh_next
    return fwd, {"dy": dy, **back}


def step_back(
    v: Mapping[str, np.ndarray], w: Params, dh: np.ndarray, dc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows are outputs, so W.T @ g becomes g @ W."""
    da = (1.0 - v["h"] * v["h"]) * dh
    return da @ w["Whh"], dc


CELL = Cell(
    name="rnn",
    title="vanilla RNN",
    called="an RNN",
    state=("h",),
    gates=(),
    forward=FORWARD,
    backward=BACKWARD,
    carried_grads=("dh_next",),
    loss_and_grads=loss_and_grads,
    step_back=step_back,
    replay=replay,
    parameters=(("Wxh", ("H", "V")), ("Whh", ("H", "H")), ("bh", ("H",))),
    torch_names=("Wxh", "Whh", "bh", "bh"),  # torch's two biases add up to the one bh
    symbol_seconds=6e-6,  # idle 2.7 us
    slots=(
        (("x",), 0, 0),
        (("Wxh",), 1, 0),
        (("xh",), 2, 0),
        (("h_prev",), 0, 1),
        (("Whh",), 1, 1),
        (("hh",), 2, 1),
        (("bh",), 3, 0),
        (("a",), 3, 1),
        (("h",), 4, 1),
        *output_slots(5),
    ),
    grad_of={"h_prev": "dh_next"},
)
