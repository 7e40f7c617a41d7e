"""Optimizers over one flat parameter buffer. Clipping lives here, never in the gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OPTIMIZERS = ("sgd", "adagrad", "adam")
TITLES = {"sgd": "SGD", "adagrad": "Adagrad", "adam": "Adam"}
#: The optimizer's own state per parameter, by the names its update listing uses.
STATE_NAMES = {"sgd": (), "adagrad": ("mem",), "adam": ("m", "v")}
BETA1, BETA2 = 0.9, 0.999
EPSILON = 1e-8


@dataclass(frozen=True)
class OptimizerState:
    """A copy of everything the optimizer carries between steps (read-only arrays)."""

    steps: int
    m: np.ndarray  # adagrad: sum of squares (mem); adam: first moment
    v: np.ndarray | None  # adam: second moment


class Optimizer:
    """Updates `flat` in place from `grad` (which it may clip in place)."""

    def __init__(self, name: str, size: int, learning_rate: float, clip: float | None) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
        self.name = name
        self.learning_rate = learning_rate
        self.clip = clip
        self.steps = 0
        self.m = np.zeros(size)  # adagrad: sum of squares; adam: first moment
        self.v = np.zeros(size) if name == "adam" else None

    def snapshot(self) -> OptimizerState:
        m = self.m.copy()
        m.setflags(write=False)
        v = None
        if self.v is not None:
            v = self.v.copy()
            v.setflags(write=False)
        return OptimizerState(self.steps, m, v)

    def restore(self, state: OptimizerState) -> None:
        self.steps = state.steps
        np.copyto(self.m, state.m)
        if self.v is not None and state.v is not None:
            np.copyto(self.v, state.v)

    def step(self, flat: np.ndarray, grad: np.ndarray) -> None:
        # The update pass's listings (stepper/passes/update.py) run these same operations in
        # the same order, one parameter at a time, so they land on the same bits.
        if self.clip is not None:
            np.clip(grad, -self.clip, self.clip, out=grad)  # elementwise, as min-char-rnn
        lr = self.learning_rate
        self.steps += 1
        if self.name == "sgd":
            flat -= lr * grad
        elif self.name == "adagrad":
            self.m += grad * grad
            flat -= lr * grad / np.sqrt(self.m + EPSILON)
        else:
            b1, b2 = BETA1, BETA2
            assert self.v is not None
            self.m *= b1
            self.m += (1 - b1) * grad
            self.v *= b2
            self.v += (1 - b2) * grad * grad
            m_hat = self.m / (1 - b1**self.steps)
            v_hat = self.v / (1 - b2**self.steps)
            flat -= lr * m_hat / (np.sqrt(v_hat) + EPSILON)
