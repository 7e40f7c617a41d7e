"""What every cell provides: listings to show and run, and a fast path to train with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from stepper.listing import Listing
from stepper.numerics import one_hot_rows
from stepper.params import Params

#: (params, grads to fill, inputs, targets, start state) -> (summed loss, final state).
#: Filling a caller's gradient buffer keeps allocation out of the training loop.
LossAndGrads = Callable[
    [Params, Params, Sequence[int], Sequence[int], tuple[np.ndarray, ...]],
    tuple[float, tuple[np.ndarray, ...]],
]


@dataclass(frozen=True)
class Cell:
    """A recurrent cell.

    `forward` and `backward` are what the code panel shows and the recorder
    runs; `loss_and_grads` is the same maths vectorised over time for training.
    Tests pin the two together and check both against finite differences.
    """

    name: str
    title: str
    state: tuple[str, ...]  # carried across timesteps: ("h",) or ("h", "c")
    gates: tuple[str, ...]  # forward ops shown as gates, in torch's stacking order
    forward: Listing
    backward: Listing
    carried_grads: tuple[str, ...]  # backward values handed to step t-1
    loss_and_grads: LossAndGrads


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
