"""The trace as JSON, in the exact shape scripts rely on (see README, 'Command line')."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from stepper.trace import Trace
from stepper.weights import torch_arrays


def _num(value: float) -> float | None:
    """Full precision; NaN and inf (which JSON cannot hold) become null."""
    return float(value) if math.isfinite(value) else None


def _list(values: np.ndarray) -> Any:
    if values.ndim == 0:
        return _num(float(values))
    return [_list(v) for v in values]


def trace_json(trace: Trace) -> dict[str, Any]:
    s = trace.summary
    gates = {"gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}.get(trace.cell, ())
    steps = []
    for t in range(trace.length):
        step: dict[str, Any] = {
            "t": t,
            "x": trace.inputs[t],
            "target": trace.targets[t],
            "h": _list(s["h"][t]),
            "logits": _list(s["y"][t]),
            "probs": _list(s["p"][t]),
            "loss": _num(float(s["loss"][t])),
            "dh_norm": _num(float(s["dh_norm"][t])),
        }
        if gates:
            step["gates"] = {g: _list(s[g][t]) for g in gates}
        if trace.cell == "lstm":
            step["c"] = _list(s["c"][t])
        steps.append(step)
    grads = torch_arrays(trace.grads)
    if trace.cell == "rnn":  # the RNN's one bias gradient, listed under both torch names
        grads["bias_hh_l0"] = grads["bias_ih_l0"]
    return {
        "cell": trace.cell,
        "vocab": list(trace.vocab),
        "hidden_size": trace.hidden_size,
        "inputs": list(trace.inputs),
        "targets": list(trace.targets),
        "steps": steps,
        "loss": _num(trace.loss),
        "grads": {k: _list(v) for k, v in grads.items()},
    }


def trace_json_text(trace: Trace) -> str:
    return json.dumps(trace_json(trace), indent=1, allow_nan=False) + "\n"
