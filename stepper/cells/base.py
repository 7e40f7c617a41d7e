"""What every cell provides: its parameters, listings to show and run, a fast path to train
with, and how torch names its weights."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from stepper.listing import Listing
from stepper.numerics import log_softmax, one_hot, one_hot_rows, softmax

if TYPE_CHECKING:  # params looks its layouts up here, so the cells name Params only in hints
    from stepper.params import Params

#: (params, grads to fill, inputs, targets, start state) -> (summed loss, final state).
#: Filling a caller's gradient buffer keeps allocation out of the training loop.
LossAndGrads = Callable[
    ["Params", "Params", Sequence[int], Sequence[int], tuple[np.ndarray, ...]],
    tuple[float, tuple[np.ndarray, ...]],
]
#: (step k's forward values, params, dL/dh_k rows, dL/dc_k rows) -> the same for step k-1:
#: the backward listing's dh -> dh_next, for many output rows at once (contributions panel).
StepBack = Callable[
    [Mapping[str, np.ndarray], "Params", np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]
]

#: A parameter's name and its shape in "H" (hidden size) and "V" (vocabulary size).
Declared = tuple[str, tuple[str, ...]]
#: The output layer every cell shares; it follows the cell's own parameters in the buffer.
OUTPUT_PARAMETERS: tuple[Declared, ...] = (("Why", ("V", "H")), ("by", ("V",)))
#: A gated cell's arrays under torch's weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.
GATED_TORCH_NAMES = ("W_ih", "W_hh", "b_ih", "b_hh")


def gated_parameters(gates: tuple[str, ...]) -> tuple[Declared, ...]:
    """A gated cell's parameters in torch's order: every gate's input matrix, then memory
    matrix, then the two biases, so torch's stacked tensors are runs of the buffer."""
    return (
        *((f"W_i{g}", ("H", "V")) for g in gates),
        *((f"W_h{g}", ("H", "H")) for g in gates),
        *((f"b_i{g}", ("H",)) for g in gates),
        *((f"b_h{g}", ("H",)) for g in gates),
    )


def gated_stacks(gates: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Torch's stacked tensors and the per-gate parameters they are made of."""
    return tuple(
        (stacked, tuple(f"{prefix}{g}" for g in gates))
        for stacked, prefix in zip(GATED_TORCH_NAMES, ("W_i", "W_h", "b_i", "b_h"), strict=True)
    )


#: (weights by name, inputs, targets, start state) -> every forward op's value and every
#: backward op's but the running sums (dW += ...), at every step, stacked (T, ...). The
#: listings' own float operations in their own order, so a block the recorder runs later
#: from these values is bit for bit the block a run from the start records: a step at a
#: time only where a value feeds the next step, all steps at once where each element is
#: one correctly rounded operation (+, -, *) or the same elementwise function.
Replay = Callable[
    [Mapping[str, np.ndarray], Sequence[int], Sequence[int], tuple[np.ndarray, ...]],
    tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
]


#: Where the diagram draws an array: (names drawn side by side as one block, column, row).
Slot = tuple[tuple[str, ...], int, int]


def gated_slots(gates: tuple[str, ...], state_rows: dict[str, int], tail: int) -> tuple[Slot, ...]:
    """The diagram of a gated cell: each gate's input part, memory part and activation in a row."""
    slots: list[Slot] = [(("x",), 0, 0)]
    slots += [((name,), 0, row) for name, row in state_rows.items()]
    for row, g in enumerate(gates):
        slots += [
            ((f"W_i{g}", f"b_i{g}"), 1, row),
            ((f"{g}_x",), 2, row),
            ((f"W_h{g}", f"b_h{g}"), 3, row),
            ((f"{g}_h",), 4, row),
            ((g,), 5, row),
        ]
    return tuple(slots) + output_slots(tail)


def output_slots(col: int) -> tuple[Slot, ...]:
    """The output layer every cell shares: Why and by, hy, y and p, from column `col`."""
    return ((("Why", "by"), col, 1), (("hy",), col + 1, 1), (("y",), col + 2, 1), (("p",), col + 3, 1))


@dataclass(frozen=True)
class Cell:
    """A recurrent cell.

    `forward` and `backward` are what the code panel shows and the recorder
    runs; `loss_and_grads` is the same maths vectorised over time for training.
    Tests pin the two together and check both against finite differences.
    """

    name: str
    title: str
    called: str  # the cell in a sentence: "an RNN"
    state: tuple[str, ...]  # carried across timesteps: ("h",) or ("h", "c")
    gates: tuple[str, ...]  # forward ops shown as gates, in torch's stacking order
    forward: Listing
    backward: Listing
    carried_grads: tuple[str, ...]  # backward values handed to step t-1
    loss_and_grads: LossAndGrads
    step_back: StepBack
    replay: Replay
    parameters: tuple[Declared, ...]  # the cell's own, in buffer order (OUTPUT_PARAMETERS follow)
    #: The arrays torch names weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0. One named
    #: twice is the sum of torch's two (the RNN's bh is bias_ih_l0 + bias_hh_l0).
    torch_names: tuple[str, str, str, str]
    #: Training seconds per symbol besides the matrix products, for lesson/cost.py's estimate.
    symbol_seconds: float
    #: Torch's stacked tensors, each a run of the parameters above: (name, its parts).
    stacks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    slots: tuple[Slot, ...] = ()  # the diagram's layout of every array
    #: The gradient the diagram shows beside a forward value in the backward pass, where it
    #: is not "d" + name (a pre-activation's gradient is shown once, beside its input part).
    grad_of: Mapping[str, str] = field(default_factory=dict)
    gate_titles: tuple[tuple[str, str], ...] = ()  # (array, what it does) for the gates panel


def output_layer(
    params: Params, grads: Params, hs: np.ndarray, targets: Sequence[int]
) -> tuple[float, np.ndarray]:
    """Logits, softmax and summed cross-entropy (from log-softmax, so never inf) for all timesteps.

    Fills dWhy and dby in `grads`; returns the loss and dL/dh from the outputs (T, H).
    """
    Why = params["Why"]
    y = hs.dot(Why.T) + params["by"]
    y -= y.max(axis=1, keepdims=True)
    e = np.exp(y)
    dy = e / e.sum(axis=1, keepdims=True)  # p, turned into dL/dy below
    rows = np.arange(len(targets))
    loss = float((np.log(e.sum(axis=1)) - y[rows, targets]).sum())
    dy[rows, targets] -= 1.0
    grads["Why"][...] = dy.T.dot(hs)
    grads["by"][...] = dy.sum(axis=0)
    return loss, dy.dot(Why)


def weight_grads(
    grads: Params,
    names: tuple[str, str],
    d_in: np.ndarray,
    d_mem: np.ndarray,
    inputs: np.ndarray,
    h_prev: np.ndarray,
) -> None:
    """dW of the input and memory matrices from every step's pre-activation gradients (T, k):
    one matrix product each instead of an outer product per step."""
    w_in, w_mem = names
    grads[w_in][...] = d_in.T.dot(one_hot_rows(inputs, grads[w_in].shape[1]))
    grads[w_mem][...] = d_mem.T.dot(h_prev)


def per_symbol(inputs: Sequence[int], size: int, part: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`part(one_hot(s, size))` at every step (T, ...), worked out once per symbol: a
    listing's input part (`W_ir @ x + b_ir`) depends on nothing but the step's symbol."""
    known = {s: part(one_hot(s, size)) for s in dict.fromkeys(inputs)}
    first = next(iter(known.values()), part(one_hot(0, size)))
    out = np.empty((len(inputs), *np.shape(first)))
    for t, s in enumerate(inputs):
        out[t] = known[s]
    return out


def replay_inputs(
    w: Mapping[str, np.ndarray], inputs: Sequence[int], gates: str
) -> dict[str, np.ndarray]:
    """x and each gate's input part (`W_ir @ x + b_ir`) at every step."""
    size_v = w["Why"].shape[0]
    found = {"x": per_symbol(inputs, size_v, lambda x: x)}
    for g in gates:
        found[f"{g}_x"] = per_symbol(inputs, size_v, lambda x, g=g: w[f"W_i{g}"] @ x + w[f"b_i{g}"])
    return found


def replay_outputs(
    w: Mapping[str, np.ndarray], hs: np.ndarray, targets: Sequence[int]
) -> dict[str, np.ndarray]:
    """The output lines every forward listing ends with (hy, y, p, loss_t), at every step."""
    Why = w["Why"]
    hy = np.empty((len(hs), Why.shape[0]))
    for t, h in enumerate(hs):
        hy[t] = Why @ h  # one matrix-vector product per step, as the listing runs it
    y = hy + w["by"]
    rows = np.arange(len(targets))
    loss = -log_softmax(y)[rows, np.asarray(targets, dtype=np.intp)]
    return {"hy": hy, "y": y, "p": softmax(y), "loss_t": loss}


def replay_output_grads(
    w: Mapping[str, np.ndarray], p: np.ndarray, targets: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """dy = p - one_hot(target, V) at every step, and Why.T @ dy (the part of dh that does
    not wait for the step after)."""
    dy = p - one_hot_rows(targets, p.shape[1])
    Why = w["Why"]
    back = np.empty((len(p), Why.shape[1]))
    for t, row in enumerate(dy):
        back[t] = Why.T @ row
    return dy, back
