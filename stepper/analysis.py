"""Numbers the look-inside panels draw that the trace does not hold directly.

Everything is derived from a recorded trace (its values and its weights), so a
panel shows exactly the network the diagram shows. Pure numpy. Each result is
computed once per trace and dropped with it (traces compare by identity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from weakref import WeakKeyDictionary

import numpy as np

from stepper.cells import CELLS
from stepper.lazy import forward_values
from stepper.trace import Trace

R = TypeVar("R")
_CACHE: WeakKeyDictionary[Trace, dict[str, object]] = WeakKeyDictionary()


def _cached(trace: Trace, name: str, compute: Callable[[Trace], R]) -> R:
    kept = _CACHE.setdefault(trace, {})
    if name not in kept:
        kept[name] = compute(trace)
    return kept[name]  # type: ignore[return-value]


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Contributions:
    """`norms[t, k]` = ||d loss_t / d h_k||: how much the loss of output t depends on
    the hidden state of step k (k <= t; NaN where k > t, which cannot matter)."""

    norms: np.ndarray  # (T, T)


@dataclass(frozen=True, eq=False)
class Projection:
    """The hidden states as 2-D points: PCA fitted on h_0 .. h_(T-1), or the raw axes
    when there are only two units. The start state h = 0 is projected, not fitted:
    the axes describe where the network goes, not where it was put."""

    points: np.ndarray  # (T, 2)
    start: np.ndarray  # (2,) the zero start state
    mean: np.ndarray  # (H,)
    axes: np.ndarray  # (2, H), one direction per row
    explained: tuple[float, float] | None  # share of the variance per axis; None for raw axes
    labels: tuple[str, str]

    def project(self, h: np.ndarray) -> np.ndarray:
        """Other states (another checkpoint's) in the same picture."""
        with np.errstate(all="ignore"):
            return (np.asarray(h, dtype=np.float64) - self.mean) @ self.axes.T


@dataclass(frozen=True, eq=False)
class Responses:
    """RNNvis's expected response: the mean of h_t - h_(t-1) over the steps whose input
    is each symbol (NaN for a symbol the sequence never feeds in)."""

    mean_change: np.ndarray  # (H, V)
    counts: np.ndarray  # (V,) how often each symbol arrives


def state_changes(trace: Trace) -> np.ndarray:
    """h_t - h_(t-1) per step, with h_(-1) = 0 (the start state), shape (T, H)."""

    def compute(tr: Trace) -> np.ndarray:
        h = np.asarray(tr.summary["h"], dtype=np.float64)
        before = np.vstack([np.zeros((1, tr.hidden_size)), h[:-1]]) if len(h) else h
        with np.errstate(all="ignore"):
            return _frozen(h - before)

    return _cached(trace, "changes", compute)


def change_norms(trace: Trace) -> np.ndarray:
    """||h_t - h_(t-1)|| per step: how far each input moves the hidden state."""

    def compute(tr: Trace) -> np.ndarray:
        with np.errstate(all="ignore"):
            return _frozen(np.linalg.norm(state_changes(tr), axis=1))

    return _cached(trace, "change_norms", compute)


def contributions(trace: Trace) -> Contributions:
    return _cached(trace, "contributions", _contributions)


def _contributions(trace: Trace) -> Contributions:
    """Back-propagate every loss_t on its own, all at once: row t of `grad` carries
    d loss_t / d h_k while k walks back from the last step. The step-back rule is the
    cell's backward listing (dh -> dh_next), applied to all rows together."""
    steps, hidden = trace.length, trace.hidden_size
    norms = np.full((steps, steps), np.nan)
    params = trace.params
    grad = np.zeros((steps, hidden))  # d loss_t / d h_k, one row per output t
    grad_c = np.zeros((steps, hidden))  # LSTM: d loss_t / d c_k
    p = np.asarray(trace.summary["p"])
    with np.errstate(all="ignore"):
        for k in range(steps - 1, -1, -1):
            dy = p[k].copy()
            dy[trace.targets[k]] -= 1.0
            grad[k] += params["Why"].T @ dy  # loss_k reaches h_k through the output layer only
            norms[k:, k] = np.linalg.norm(grad[k:], axis=1)
            if k:
                grad, grad_c = _step_back(trace, k, grad, grad_c)
    return Contributions(_frozen(norms))


def _step_back(trace: Trace, k: int, dh: np.ndarray, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradients on h_k (and c_k) -> gradients on h_(k-1) (and c_(k-1)), row by row,
    with step k's recorded forward values. Rows are outputs, so W.T @ g becomes g @ W."""
    return CELLS[trace.cell].step_back(forward_values(trace, k), trace.params, dh, dc)




def trajectory(trace: Trace) -> Projection:
    return _cached(trace, "trajectory", _trajectory)


def _trajectory(trace: Trace) -> Projection:
    h = np.asarray(trace.summary["h"], dtype=np.float64)
    hidden = trace.hidden_size
    if hidden == 2:
        mean, axes, explained = np.zeros(2), np.eye(2), None
        labels = ("h[0]", "h[1]")
    else:
        fit_rows = h[np.isfinite(h).all(axis=1)] if len(h) else h
        mean = fit_rows.mean(axis=0) if len(fit_rows) else np.zeros(hidden)
        if len(fit_rows):
            _, s, vt = np.linalg.svd(fit_rows - mean, full_matrices=True)
        else:
            s, vt = np.zeros(0), np.eye(hidden)
        axes = vt[:2].copy()
        # A principal axis has no preferred sign: point each one's largest entry up,
        # so the picture does not flip between two checkpoints or two runs.
        for row in axes:
            if row[np.argmax(np.abs(row))] < 0:
                row *= -1.0
        variance = s * s
        total = float(variance.sum())
        shares = [float(variance[j]) / total if total > 0 and j < len(variance) else 0.0 for j in range(2)]
        explained = (shares[0], shares[1])
        labels = ("PC1", "PC2")
    with np.errstate(all="ignore"):
        points = (h - mean) @ axes.T
    return Projection(
        points=_frozen(points.reshape(len(h), 2)),
        start=_frozen(-mean @ axes.T),
        mean=_frozen(mean),
        axes=_frozen(axes),
        explained=explained,
        labels=labels,
    )


def responses(trace: Trace) -> Responses:
    return _cached(trace, "responses", _responses)


def _responses(trace: Trace) -> Responses:
    changes = state_changes(trace)
    inputs = np.asarray(trace.inputs, dtype=np.intp)
    vocab = len(trace.vocab)
    out = np.full((trace.hidden_size, vocab), np.nan)
    counts = np.bincount(inputs, minlength=vocab) if len(inputs) else np.zeros(vocab, dtype=np.intp)
    with np.errstate(all="ignore"):
        for s in range(vocab):
            if counts[s]:
                out[:, s] = changes[inputs == s].mean(axis=0)
    return Responses(_frozen(out), _frozen(counts))
