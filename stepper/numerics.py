"""Numerically safe building blocks shared by every cell (numpy only)."""

from __future__ import annotations

import numpy as np


def softmax(y: np.ndarray) -> np.ndarray:
    """Max-shifted so large logits never overflow exp."""
    e = np.exp(y - np.max(y, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(y: np.ndarray) -> np.ndarray:
    """log(softmax(y)) without forming softmax: finite even where p underflows to 0."""
    shifted = y - np.max(y, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Written through tanh: exact, and never overflows for large |a|."""
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


def one_hot(index: int, size: int) -> np.ndarray:
    v = np.zeros(size)
    v[index] = 1.0
    return v


def one_hot_rows(indices: np.ndarray | list[int], size: int) -> np.ndarray:
    """One one-hot row per index: the whole sequence at once for vectorised code."""
    idx = np.asarray(indices, dtype=np.intp)
    out = np.zeros((idx.size, size))
    out[np.arange(idx.size), idx] = 1.0
    return out
