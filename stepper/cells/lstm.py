"""The LSTM, exactly as torch.nn.LSTM documents it (gates i, f, g, o)."""

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

if TYPE_CHECKING:
    from stepper.params import Params

GATES = ("i", "f", "g", "o")

FORWARD = parse_listing("""
h, c = zeros(H), zeros(H)             # (H,)   h0 and c0: the start state
for t in range(T):                    # h_prev, c_prev are from step t-1
    x = one_hot(inputs[t], V)         # (V,)   input symbol as one-hot
    i_x = W_ii @ x + b_ii             # (H,)   input gate, input part
    i_h = W_hi @ h_prev + b_hi        # (H,)   input gate, memory part
    i = sigmoid(i_x + i_h)            # (H,)   input gate: how much g is written
    f_x = W_if @ x + b_if             # (H,)   forget gate, input part
    f_h = W_hf @ h_prev + b_hf        # (H,)   forget gate, memory part
    f = sigmoid(f_x + f_h)            # (H,)   forget gate: 1 keeps c_prev
    g_x = W_ig @ x + b_ig             # (H,)   candidate, input part
    g_h = W_hg @ h_prev + b_hg        # (H,)   candidate, memory part
    g = tanh(g_x + g_h)               # (H,)   candidate cell values
    o_x = W_io @ x + b_io             # (H,)   output gate, input part
    o_h = W_ho @ h_prev + b_ho        # (H,)   output gate, memory part
    o = sigmoid(o_x + o_h)            # (H,)   output gate: how much c is shown
    c = f * c_prev + i * g            # (H,)   new cell state
    h = o * tanh(c)                   # (H,)   new hidden state
    hy = Why @ h                      # (V,)   hidden -> output
    y = hy + by                       # (V,)   logits
    p = softmax(y)                    # (V,)   next-symbol probabilities
    loss_t = -log_softmax(y)[target]  # ()     cross-entropy, -log p[target]
""")

BACKWARD = parse_listing("""
dh_next, dc_next = zeros(H), zeros(H) # (H,)   nothing flows in after the end
for t in reversed(range(T)):          # every dW and db starts at zeros
    dy = p - one_hot(target, V)       # (V,)   dL/dy of softmax + loss
    dWhy += outer(dy, h)              # (V, H)
    dby += dy                         # (V,)
    dh = Why.T @ dy + dh_next         # (H,)   total dL/dh_t
    do = dh * tanh(c)                 # (H,)   into the output gate
    dc = dh * o * (1 - tanh(c) ** 2) + dc_next  # (H,)   total dL/dc_t
    di = dc * g                       # (H,)   into the input gate
    df = dc * c_prev                  # (H,)   into the forget gate
    dg = dc * i                       # (H,)   into the candidate
    di_a = di * i * (1 - i)           # (H,)   back through sigmoid
    df_a = df * f * (1 - f)           # (H,)   back through sigmoid
    dg_a = dg * (1 - g * g)           # (H,)   back through tanh
    do_a = do * o * (1 - o)           # (H,)   back through sigmoid
    dW_ii += outer(di_a, x)           # (H, V)
    dW_hi += outer(di_a, h_prev)      # (H, H)
    db_ii += di_a                     # (H,)
    db_hi += di_a                     # (H,)
    dW_if += outer(df_a, x)           # (H, V)
    dW_hf += outer(df_a, h_prev)      # (H, H)
    db_if += df_a                     # (H,)
    db_hf += df_a                     # (H,)
    dW_ig += outer(dg_a, x)           # (H, V)
    dW_hg += outer(dg_a, h_prev)      # (H, H)
    db_ig += dg_a                     # (H,)
    db_hg += dg_a                     # (H,)
    dW_io += outer(do_a, x)           # (H, V)
    dW_ho += outer(do_a, h_prev)      # (H, H)
    db_io += do_a                     # (H,)
    db_ho += do_a                     # (H,)
    dc_next = dc * f                  # (H,)   cell gradient to step t-1
    dh_next = W_hi.T @ di_a + W_hf.T @ df_a + W_hg.T @ dg_a + W_ho.T @ do_a  # (H,)  to t-1
""")


def loss_and_grads(
    params: Params,
    grads: Params,
    inputs: Sequence[int],
    targets: Sequence[int],
    state: tuple[np.ndarray, ...],
) -> tuple[float, tuple[np.ndarray, ...]]:
    inputs = np.asarray(inputs, dtype=np.intp)  # a tuple would index as (row, col)
    W_ih, W_hh = params["W_ih"], params["W_hh"]
    steps, hidden = len(inputs), W_hh.shape[1]
    gi = W_ih.T[inputs] + (params["b_ih"] + params["b_hh"])  # (T, 4H)
    # sigmoid(a) = 0.5 * tanh(0.5 a) + 0.5, so one tanh serves all four gates:
    # scale by 0.5 and shift for i, f, o; leave g (rows 2H..3H) as a plain tanh.
    half = np.full(4 * hidden, 0.5)
    half[2 * hidden : 3 * hidden] = 1.0
    shift = np.where(half == 0.5, 0.5, 0.0)
    hs = np.empty((steps + 1, hidden))
    cs = np.empty((steps + 1, hidden))
    hs[0], cs[0] = state
    act = np.empty((steps, 4, hidden))  # i, f, g, o after their nonlinearities
    tc = np.empty((steps, hidden))
    for t in range(steps):
        flat = act[t].reshape(-1)
        np.tanh((W_hh.dot(hs[t]) + gi[t]) * half, out=flat)
        flat *= half
        flat += shift
        i, f, g, o = act[t]
        cs[t + 1] = f * cs[t] + i * g
        np.tanh(cs[t + 1], out=tc[t])
        np.multiply(o, tc[t], out=hs[t + 1])
    loss, dh_out = output_layer(params, grads, hs[1:], targets)
    i, f, g, o = (act[:, j] for j in range(4))
    c_gain = o * (1.0 - tc * tc)  # dc / dh through h = o * tanh(c)
    # dL/d(pre-activation) of i, f, g per unit of dc, and of o per unit of dh.
    ifg_gain = np.stack((g * i * (1 - i), cs[:-1] * f * (1 - f), i * (1 - g * g)), axis=1)
    o_gain = tc * o * (1 - o)
    dpre = np.empty((steps, 4, hidden))
    dh_next = np.zeros(hidden)
    dc_next = np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        dh = dh_out[t] + dh_next
        dc = dh * c_gain[t] + dc_next
        np.multiply(ifg_gain[t], dc, out=dpre[t, :3])
        np.multiply(dh, o_gain[t], out=dpre[t, 3])
        dc_next = dc * f[t]
        dh_next = dpre[t].reshape(-1).dot(W_hh)
    dflat = dpre.reshape(steps, 4 * hidden)
    weight_grads(grads, ("W_ih", "W_hh"), dflat, dflat, inputs, hs[:-1])
    grads["b_ih"][...] = grads["b_hh"][...] = dflat.sum(axis=0)
    return loss, (hs[-1].copy(), cs[-1].copy())


def replay(
    w: Mapping[str, np.ndarray], inputs: Sequence[int], targets: Sequence[int], start: tuple[np.ndarray, ...]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The listings at every step (stepper.cells.base.Replay); gates side by side as (T, 4, H)."""
    steps, hidden = len(inputs), w["W_hi"].shape[0]
    fwd = replay_inputs(w, inputs, "ifgo")
    parts_x = np.stack([fwd[f"{g}_x"] for g in "ifgo"], axis=1)  # (T, 4, H)
    mem_w = [w[f"W_h{g}"] for g in "ifgo"]
    mem_b = np.stack([w[f"b_h{g}"] for g in "ifgo"])
    parts_h = np.empty((steps, 4, hidden))
    gates = np.empty((steps, 4, hidden))  # i, f, g, o
    cs, hs = np.empty((steps, hidden)), np.empty((steps, hidden))
    h_prev, c_prev = start
    for t in range(steps):  # in place, but each element the listing's operations in its order
        part, act = parts_h[t], gates[t]
        for k in range(4):
            np.matmul(mem_w[k], h_prev, out=part[k])
        part += mem_b  # W_hi @ h_prev + b_hi ...
        a = parts_x[t] + part  # i_x + i_h ...
        np.multiply(a, 0.5, out=act)  # sigmoid(a) = 0.5 * (tanh(0.5 * a) + 1.0), stepper.numerics
        np.tanh(act, out=act)
        act += 1.0
        act *= 0.5
        np.tanh(a[2], out=act[2])  # g = tanh(g_x + g_h)
        i, f, g, o = act
        c = np.multiply(f, c_prev, out=cs[t])
        c += i * g
        h = np.tanh(c, out=hs[t])
        h *= o
        h_prev, c_prev = h, c
    for k, g in enumerate("ifgo"):
        fwd[f"{g}_h"], fwd[g] = parts_h[:, k], gates[:, k]
    fwd |= {"c": cs, "h": hs, **replay_outputs(w, hs, targets)}

    i, f, g, o = (gates[:, k] for k in range(4))
    c_prev_all = np.concatenate([np.asarray(start[1])[None], cs])[:steps]
    dy, out_back = replay_output_grads(w, fwd["p"], targets)
    tanh_c = np.tanh(cs)
    c_gain = 1 - tanh_c**2
    names = ("dh", "do", "dc", "di", "df", "dg", "di_a", "df_a", "dg_a", "do_a", "dc_next", "dh_next")
    back = {name: np.empty((steps, hidden)) for name in names}
    DH, DO, DC, DI, DF, DG, DI_A, DF_A, DG_A, DO_A, DC_NEXT, DH_NEXT = back.values()
    minus_i, minus_f, minus_g, minus_o = 1 - i, 1 - f, 1 - g * g, 1 - o
    W_hi, W_hf, W_hg, W_ho = mem_w
    dh_next, dc_next = np.zeros(hidden), np.zeros(hidden)
    for t in range(steps - 1, -1, -1):
        dh = np.add(out_back[t], dh_next, out=DH[t])  # Why.T @ dy + dh_next
        do = np.multiply(dh, tanh_c[t], out=DO[t])
        dc = np.multiply(dh, o[t], out=DC[t])  # dh * o * (1 - tanh(c) ** 2) + dc_next
        dc *= c_gain[t]
        dc += dc_next
        di = np.multiply(dc, g[t], out=DI[t])
        df = np.multiply(dc, c_prev_all[t], out=DF[t])
        dg = np.multiply(dc, i[t], out=DG[t])
        di_a = np.multiply(di, i[t], out=DI_A[t])
        di_a *= minus_i[t]
        df_a = np.multiply(df, f[t], out=DF_A[t])
        df_a *= minus_f[t]
        dg_a = np.multiply(dg, minus_g[t], out=DG_A[t])
        do_a = np.multiply(do, o[t], out=DO_A[t])
        do_a *= minus_o[t]
        dc_next = np.multiply(dc, f[t], out=DC_NEXT[t])
        dh_next = np.add(W_hi.T @ di_a, W_hf.T @ df_a, out=DH_NEXT[t])
        dh_next += W_hg.T @ dg_a
        dh_next += W_ho.T @ do_a
    return fwd, {"dy": dy, **back}


def step_back(
    v: Mapping[str, np.ndarray], w: Params, dh: np.ndarray, dc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows are outputs, so W.T @ g becomes g @ W."""
    i, f, g, o = v["i"], v["f"], v["g"], v["o"]
    tanh_c = np.tanh(v["c"])
    dc_total = dh * o * (1.0 - tanh_c * tanh_c) + dc
    di_a = dc_total * g * i * (1.0 - i)
    df_a = dc_total * v["c_prev"] * f * (1.0 - f)
    dg_a = dc_total * i * (1.0 - g * g)
    do_a = dh * tanh_c * o * (1.0 - o)
    dh_prev = di_a @ w["W_hi"] + df_a @ w["W_hf"] + dg_a @ w["W_hg"] + do_a @ w["W_ho"]
    return dh_prev, dc_total * f


CELL = Cell(
    name="lstm",
    title="LSTM",
    called="an LSTM",
    state=("h", "c"),
    gates=GATES,
    forward=FORWARD,
    backward=BACKWARD,
    carried_grads=("dh_next", "dc_next"),
    loss_and_grads=loss_and_grads,
    step_back=step_back,
    replay=replay,
    parameters=gated_parameters(GATES),
    torch_names=GATED_TORCH_NAMES,
    symbol_seconds=24e-6,  # idle 11.4 us
    stacks=gated_stacks(GATES),
    slots=(*gated_slots(GATES, {"h_prev": 1, "c_prev": 3}, 8), (("c",), 6, 2), (("h",), 7, 1)),
    grad_of={"h_prev": "dh_next", "c_prev": "dc_next", **{f"{g}_x": f"d{g}_a" for g in "ifgo"}},
    gate_titles=(("i", "input gate"), ("f", "forget gate"), ("o", "output gate"), ("c", "cell state")),
)
