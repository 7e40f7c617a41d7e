"""The GRU, exactly as torch.nn.GRU documents it (gates r, z, n)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from stepper.cells.base import (
    GATED_TORCH_NAMES,
    Cell,
    gated_parameters,
    gated_slots,
    gated_stacks,
    output_layer,
    replay_inputs,
    replay_output_grads,
    replay_outputs,
    weight_grads,
)
from stepper.listing import parse_listing
from stepper.numerics import sigmoid

if TYPE_CHECKING:
    from stepper.params import Params

GATES = ("r", "z", "n")

FORWARD = parse_listing("""
h = zeros(H)                          # (H,)   h0: the start state
for t in range(T):                    # h_prev is h from step t-1
    x = one_hot(inputs[t], V)         # (V,)   input symbol as one-hot
    r_x = W_ir @ x + b_ir             # (H,)   reset gate, input part
    r_h = W_hr @ h_prev + b_hr        # (H,)   reset gate, memory part
    r = sigmoid(r_x + r_h)            # (H,)   reset gate: how much memory n sees
    z_x = W_iz @ x + b_iz             # (H,)   update gate, input part
    z_h = W_hz @ h_prev + b_hz        # (H,)   update gate, memory part
    z = sigmoid(z_x + z_h)            # (H,)   update gate: 1 keeps h_prev
    n_x = W_in @ x + b_in             # (H,)   candidate, input part
    n_h = W_hn @ h_prev + b_hn        # (H,)   candidate, memory part
    n = tanh(n_x + r * n_h)           # (H,)   candidate state
    h = (1 - z) * n + z * h_prev      # (H,)   new hidden state
    hy = Why @ h                      # (V,)   hidden -> output
    y = hy + by                       # (V,)   logits
    p = softmax(y)                    # (V,)   next-symbol probabilities
    loss_t = -log_softmax(y)[target]  # ()     cross-entropy, -log p[target]
""")

BACKWARD = parse_listing("""
dh_next = zeros(H)                    # (H,)   nothing flows in after the end
for t in reversed(range(T)):          # every dW and db starts at zeros
    dy = p - one_hot(target, V)       # (V,)   dL/dy of softmax + loss
    dWhy += outer(dy, h)              # (V, H)
    dby += dy                         # (V,)
    dh = Why.T @ dy + dh_next         # (H,)   total dL/dh_t
    dn = dh * (1 - z)                 # (H,)   into the candidate
    dz = dh * (h_prev - n)            # (H,)   into the update gate
    dn_a = dn * (1 - n * n)           # (H,)   back through tanh
    dr = dn_a * n_h                   # (H,)   into the reset gate
    dn_h = dn_a * r                   # (H,)   into the candidate's memory part
    dz_a = dz * z * (1 - z)           # (H,)   back through sigmoid
    dr_a = dr * r * (1 - r)           # (H,)   back through sigmoid
    dW_ir += outer(dr_a, x)           # (H, V)
    dW_hr += outer(dr_a, h_prev)      # (H, H)
    db_ir += dr_a                     # (H,)
    db_hr += dr_a                     # (H,)
    dW_iz += outer(dz_a, x)           # (H, V)
    dW_hz += outer(dz_a, h_prev)      # (H, H)
    db_iz += dz_a                     # (H,)
    db_hz += dz_a                     # (H,)
    dW_in += outer(dn_a, x)           # (H, V)
    dW_hn += outer(dn_h, h_prev)      # (H, H)
    db_in += dn_a                     # (H,)
    db_hn += dn_h                     # (H,)
    dh_next = dh * z + W_hr.T @ dr_a + W_hz.T @ dz_a + W_hn.T @ dn_h  # (H,)  to t-1
""")


def loss_and_grads(
    params: Params,
    grads: Params,
    inputs: Sequence[int],
    targets: Sequence[int],
    state: tuple[np.ndarray, ...],
) -> tuple[float, tuple[np.ndarray, ...]]:
    inputs = np.asarray(inputs, dtype=np.intp)  # a tuple would index as (row, col)
    W_ih, W_hh, b_hh = params["W_ih"], params["W_hh"], params["b_hh"]
    steps, hidden = len(inputs), W_hh.shape[1]
    k = 2 * hidden
    gi = W_ih.T[inputs] + params["b_ih"]  # (T, 3H): every input part at once
    hs = np.empty((steps + 1, hidden))
    hs[0] = state[0]
    gh = np.empty((steps, 3 * hidden))  # memory parts r_h, z_h, n_h
    rz = np.empty((steps, k))
    n = np.empty((steps, hidden))
    for t in range(steps):
        np.add(W_hh.dot(hs[t]), b_hh, out=gh[t])
        rz[t] = sigmoid(gi[t, :k] + gh[t, :k])
        np.tanh(gi[t, k:] + rz[t, :hidden] * gh[t, k:], out=n[t])
        hs[t + 1] = n[t] + rz[t, hidden:] * (hs[t] - n[t])
    loss, dh_out = output_layer(params, grads, hs[1:], targets)
    r, z = rz[:, :hidden], rz[:, hidden:]
    # Everything that does not depend on the carried gradient, for all steps at once.
    n_gain = (1.0 - z) * (1.0 - n * n)  # dn_a / dh
    z_gain = (hs[:-1] - n) * z * (1.0 - z)  # dz_a / dh
    r_gain = gh[:, k:] * r * (1.0 - r)  # dr_a / dn_a
    dgi = np.empty((steps, 3 * hidden))
    dgh = np.empty((steps, 3 * hidden))
    dh_next = np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        dh = dh_out[t] + dh_next
        dn_a = dh * n_gain[t]
        dgi[t, :hidden] = dn_a * r_gain[t]
        dgi[t, hidden:k] = dh * z_gain[t]
        dgi[t, k:] = dn_a
        dgh[t, :k] = dgi[t, :k]
        dgh[t, k:] = dn_a * r[t]
        dh_next = dh * z[t] + dgh[t].dot(W_hh)
    weight_grads(grads, ("W_ih", "W_hh"), dgi, dgh, inputs, hs[:-1])
    grads["b_ih"][...] = dgi.sum(axis=0)
    grads["b_hh"][...] = dgh.sum(axis=0)
    return loss, (hs[-1].copy(),)


def replay(
    w: Mapping[str, np.ndarray], inputs: Sequence[int], targets: Sequence[int], start: tuple[np.ndarray, ...]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The listings at every step (stepper.cells.base.Replay)."""
    steps, hidden = len(inputs), w["W_hr"].shape[0]
    fwd = replay_inputs(w, inputs, "rzn")
    W_hr, W_hz, W_hn = (w[f"W_h{g}"] for g in "rzn")
    b_hr, b_hz, b_hn = (w[f"b_h{g}"] for g in "rzn")
    out = {name: np.empty((steps, hidden)) for name in ("r_h", "r", "z_h", "z", "n_h", "n", "h")}
    r_x, z_x, n_x = fwd["r_x"], fwd["z_x"], fwd["n_x"]
    (h_prev,) = start
    for t in range(steps):
        r_h = W_hr @ h_prev + b_hr
        r = sigmoid(r_x[t] + r_h)
        z_h = W_hz @ h_prev + b_hz
        z = sigmoid(z_x[t] + z_h)
        n_h = W_hn @ h_prev + b_hn
        n = np.tanh(n_x[t] + r * n_h)
        h = (1 - z) * n + z * h_prev
        for name, value in (("r_h", r_h), ("r", r), ("z_h", z_h), ("z", z), ("n_h", n_h), ("n", n), ("h", h)):
            out[name][t] = value
        h_prev = h
    fwd |= {**out, **replay_outputs(w, out["h"], targets)}

    r, z, n, n_h = out["r"], out["z"], out["n"], out["n_h"]
    h_prev_all = np.concatenate([np.asarray(start[0])[None], out["h"][:-1]])
    dy, out_back = replay_output_grads(w, fwd["p"], targets)
    one_minus_z, tanh_gain, h_minus_n = 1 - z, 1 - n * n, h_prev_all - n
    one_minus_r = 1 - r
    names = ("dh", "dn", "dz", "dn_a", "dr", "dn_h", "dz_a", "dr_a", "dh_next")
    back = {name: np.empty((steps, hidden)) for name in names}
    dh_next = np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        dh = out_back[t] + dh_next
        dn = dh * one_minus_z[t]
        dz = dh * h_minus_n[t]
        dn_a = dn * tanh_gain[t]
        dr = dn_a * n_h[t]
        dn_h = dn_a * r[t]
        dz_a = dz * z[t] * one_minus_z[t]
        dr_a = dr * r[t] * one_minus_r[t]
        dh_next = dh * z[t] + W_hr.T @ dr_a + W_hz.T @ dz_a + W_hn.T @ dn_h
        for name, value in zip(names, (dh, dn, dz, dn_a, dr, dn_h, dz_a, dr_a, dh_next), strict=True):
            back[name][t] = value
    return fwd, {"dy": dy, **back}


def step_back(
    v: Mapping[str, np.ndarray], w: Params, dh: np.ndarray, dc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows are outputs, so W.T @ g becomes g @ W."""
    r, z, n = v["r"], v["z"], v["n"]
    dn_a = dh * (1.0 - z) * (1.0 - n * n)
    dz_a = dh * (v["h_prev"] - n) * z * (1.0 - z)
    dr_a = dn_a * v["n_h"] * r * (1.0 - r)
    dn_h = dn_a * r
    return dh * z + dr_a @ w["W_hr"] + dz_a @ w["W_hz"] + dn_h @ w["W_hn"], dc


CELL = Cell(
    name="gru",
    title="GRU",
    called="a GRU",
    state=("h",),
    gates=GATES,
    forward=FORWARD,
    backward=BACKWARD,
    carried_grads=("dh_next",),
    loss_and_grads=loss_and_grads,
    step_back=step_back,
    replay=replay,
    parameters=gated_parameters(GATES),
    torch_names=GATED_TORCH_NAMES,
    symbol_seconds=22e-6,  # idle 10.5 us
    stacks=gated_stacks(GATES),
    slots=(*gated_slots(GATES, {"h_prev": 2}, 7), (("h",), 6, 1)),
    grad_of={"h_prev": "dh_next", "r_x": "dr_a", "z_x": "dz_a", "n_x": "dn_a", "n_h": "dn_h"},
    gate_titles=(("r", "reset gate"), ("z", "update gate")),
)
