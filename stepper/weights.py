"""Weights in and out as .npz with PyTorch's names, so torch-trained models step here too."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from stepper.files import atomic_write
from stepper.params import GATES, Params, param_count

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "out.weight", "out.bias")


class WeightsError(Exception):
    """A weights file that does not fit the lesson's model."""


def torch_arrays(params: Params) -> dict[str, np.ndarray]:
    """The RNN's single bias goes out as bias_ih_l0 with zeros as bias_hh_l0."""
    if params.cell == "rnn":
        core = (params["Wxh"], params["Whh"], params["bh"], np.zeros_like(params["bh"]))
    else:
        core = (params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
    values = (*core, params["Why"], params["by"])
    return {k: np.array(v, dtype=np.float64) for k, v in zip(TORCH_KEYS, values, strict=True)}


def _expected_shapes(cell: str, vocab: int, hidden: int) -> dict[str, tuple[int, ...]]:
    rows = max(1, len(GATES[cell])) * hidden
    return dict(
        zip(
            TORCH_KEYS,
            ((rows, vocab), (rows, hidden), (rows,), (rows,), (vocab, hidden), (vocab,)),
            strict=True,
        )
    )


def params_from_torch(
    arrays: dict[str, np.ndarray], cell: str, vocab: int, hidden: int, source: str
) -> Params:
    """Check names, shapes and values, then lay them out; reading the RNN adds its two biases."""
    missing = [k for k in TORCH_KEYS if k not in arrays]
    if missing:
        raise WeightsError(f"{source}: missing {', '.join(missing)}; expected {', '.join(TORCH_KEYS)}")
    extra = sorted(set(arrays) - set(TORCH_KEYS))
    if extra:
        raise WeightsError(f"{source}: unexpected arrays {', '.join(extra)} (one layer only)")
    expected = _expected_shapes(cell, vocab, hidden)
    problems = []
    for key, shape in expected.items():
        got = tuple(arrays[key].shape)
        if got != shape:
            problems.append(f"{key} is {got}, expected {shape}")
    if problems:
        hint = _guess_cell(arrays, hidden)
        found = f"; these look like {hint} weights" if hint and hint != cell else ""
        raise WeightsError(
            f"{source}: shapes do not fit a {cell} with vocab {vocab}, hidden {hidden}: "
            + "; ".join(problems)
            + found
        )
    for key in TORCH_KEYS:
        kind = arrays[key].dtype
        if kind.kind not in "iuf":
            raise WeightsError(f"{source}: {key} holds {kind} values; every weight must be a number")
        value = np.asarray(arrays[key], dtype=np.float64)
        if not np.isfinite(value).all():
            bad = "NaN" if np.isnan(value).any() else "inf"
            raise WeightsError(f"{source}: {key} holds {bad}; every weight must be a finite number")
    get = {k: np.asarray(arrays[k], dtype=np.float64) for k in TORCH_KEYS}
    if cell == "rnn":
        core = [get["weight_ih_l0"], get["weight_hh_l0"], get["bias_ih_l0"] + get["bias_hh_l0"]]
    else:
        core = [get[k] for k in TORCH_KEYS[:4]]
    flat = np.concatenate([a.ravel() for a in (*core, get["out.weight"], get["out.bias"])])
    assert flat.size == param_count(cell, vocab, hidden)
    return Params(cell, vocab, hidden, flat)


def _guess_cell(arrays: dict[str, np.ndarray], hidden: int) -> str | None:
    w = arrays.get("weight_hh_l0")
    if w is None or w.ndim != 2 or w.shape[1] == 0:
        return None
    per_gate = {1: "rnn", 3: "gru", 4: "lstm"}
    return per_gate.get(w.shape[0] // w.shape[1]) if w.shape[0] % w.shape[1] == 0 else None


def load_weights(path: str | os.PathLike[str], cell: str, vocab: int, hidden: int) -> Params:
    source = str(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if not hasattr(loaded, "files"):  # a bare .npy array: no names to match
            raise WeightsError(f"{source}: one unnamed array, not an .npz of {', '.join(TORCH_KEYS)}")
        with loaded as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise WeightsError(f"{source}: no such file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise WeightsError(f"{source}: not a readable .npz file ({exc or type(exc).__name__})") from None
    return params_from_torch(arrays, cell, vocab, hidden, source)


def save_weights(path: str | os.PathLike[str], params: Params, overwrite: bool = False) -> Path:
    buffer = io.BytesIO()
    np.savez(buffer, **torch_arrays(params))
    return atomic_write(path, lambda tmp: tmp.write_bytes(buffer.getvalue()), overwrite)
