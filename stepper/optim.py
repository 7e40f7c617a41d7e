"""Optimizers over one flat parameter buffer. Clipping lives here, never in the gradient."""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "adagrad", "adam")


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

    def step(self, flat: np.ndarray, grad: np.ndarray) -> None:
        if self.clip is not None:
            np.clip(grad, -self.clip, self.clip, out=grad)  # elementwise, as min-char-rnn
        lr = self.learning_rate
        self.steps += 1
        if self.name == "sgd":
            flat -= lr * grad
        elif self.name == "adagrad":
            self.m += grad * grad
            flat -= lr * grad / np.sqrt(self.m + 1e-8)
        else:
            b1, b2 = 0.9, 0.999
            assert self.v is not None
            self.m *= b1
            self.m += (1 - b1) * grad
            self.v *= b2
            self.v += (1 - b2) * grad * grad
            m_hat = self.m / (1 - b1**self.steps)
            v_hat = self.v / (1 - b2**self.steps)
            flat -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
