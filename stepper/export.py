"""The trace as JSON, in the exact shape scripts rely on (see README, 'Command line')."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from stepper.cells import CELLS
from stepper.trace import Trace
from stepper.weights import torch_arrays, torch_grads


def _num(value: float) -> float | None:
    """Full precision; NaN and inf (which JSON cannot hold) become null."""
    return float(value) if math.isfinite(value) else None


def _list(values: np.ndarray) -> Any:
    if values.ndim == 0:
        return _num(float(values))
    return [_list(v) for v in values]


def trace_json(trace: Trace, sample: bool = False) -> dict[str, Any]:
    """The trace; a replayed iteration adds "chunk" and "update", `sample` adds "sample"."""
    out = _sequence_json(trace)
    if trace.chunk is not None and trace.update is not None:
        h0 = dict(zip(("h", "c"), trace.chunk.h0, strict=False))
        out["chunk"] = {
            "iteration": trace.chunk.iteration,
            "inputs": list(trace.inputs),
            "targets": list(trace.targets),
            "h0": {k: _list(v) for k, v in h0.items()},
        }
        u = trace.update
        out["update"] = {
            "optimizer": u.optimizer,
            "step": u.step_number,
            "before": _named(u.before),
            "after": _named(u.after),
            "state": {name: _named(p) for name, p in u.state_before.items()},
            "loss_before": _num(u.loss_before),
            "loss_after": _num(u.loss_after),
        }
    if sample and trace.sample is not None:
        s = trace.sample
        out["sample"] = {
            "prime": [trace.vocab[i] for i in s.prime],
            "temperature": s.temperature,
            "seed": s.seed,
            "symbols": [trace.vocab[i] for i in s.symbols],
            "u": [_num(u) for u in s.u],
            "p": _list(s.p),
        }
    return out


def _named(params) -> dict[str, Any]:
    """Arrays under the .npz keys --export-weights writes (torch's names)."""
    return {k: _list(v) for k, v in torch_arrays(params).items()}


def _sequence_json(trace: Trace) -> dict[str, Any]:
    s = trace.summary
    cell = CELLS[trace.cell]
    gates = cell.gates
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
        if "c" in cell.state:
            step["c"] = _list(s["c"][t])
        steps.append(step)
    grads = torch_grads(trace.grads)
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


def trace_json_text(trace: Trace, sample: bool = False) -> str:
    return json.dumps(trace_json(trace, sample), indent=1, allow_nan=False) + "\n"
