"""Weights in and out as .npz with PyTorch's names, so torch-trained models step here too."""

from __future__ import annotations

import errno
import io
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from stepper.cells import CELLS
from stepper.files import InputError, atomic_write, read_regular
from stepper.params import Params, param_count, view_shapes

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "out.weight", "out.bias")


class WeightsError(Exception):
    """A weights file that does not fit the lesson's model."""


def _torch_names(cell: str) -> dict[str, str]:
    """Torch's name -> the array of ours it holds."""
    return dict(zip(TORCH_KEYS, (*CELLS[cell].torch_names, "Why", "by"), strict=True))


def torch_arrays(params: Params) -> dict[str, np.ndarray]:
    """Our arrays under torch's names. Where two of torch's add up to one of ours (the RNN's
    bias is bias_ih_l0 + bias_hh_l0), the first holds it and the second zeros."""
    out: dict[str, np.ndarray] = {}
    held: set[str] = set()
    for key, name in _torch_names(params.cell).items():
        out[key] = np.zeros_like(params[name]) if name in held else np.array(params[name], dtype=np.float64)
        held.add(name)
    return out


def torch_grads(grads: Params) -> dict[str, np.ndarray]:
    """Gradients under torch's names. Where two of torch's add up to one of ours, each has its
    gradient (the RNN's bias gradient is listed under both names)."""
    return {key: np.array(grads[name], dtype=np.float64) for key, name in _torch_names(grads.cell).items()}


def _expected_shapes(cell: str, vocab: int, hidden: int) -> dict[str, tuple[int, ...]]:
    shapes = view_shapes(cell, vocab, hidden)
    return {key: shapes[name] for key, name in _torch_names(cell).items()}


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
        hint = _guess_cell({k: tuple(a.shape) for k, a in arrays.items()})
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
    ours: dict[str, np.ndarray] = {}
    for key, name in _torch_names(cell).items():
        value = np.asarray(arrays[key], dtype=np.float64)
        ours[name] = ours[name] + value if name in ours else value
    params = Params(cell, vocab, hidden, np.zeros(param_count(cell, vocab, hidden)))
    for name, value in ours.items():
        params[name][...] = value
    return params


def _guess_cell(shapes: dict[str, tuple[int, ...]]) -> str | None:
    """The cell whose weight_hh_l0 has this shape, if any."""
    w = shapes.get("weight_hh_l0")
    if w is None or len(w) != 2 or w[1] == 0:
        return None
    fits = (n for n in CELLS if _expected_shapes(n, 1, w[1])["weight_hh_l0"] == tuple(w))
    return next(fits, None)


#: The largest numeric item a weight may be stored as (float64, int64).
MAX_ITEMSIZE = 8
#: Room for the .npy headers and the zip's own records, beyond the numbers themselves.
SLACK_BYTES = 64 * 1024
NPY_MAGIC = b"\x93NUMPY"


def max_file_bytes(cell: str, vocab: int, hidden: int) -> int:
    """No weights file for this model is larger: every array stored uncompressed as float64
    (twice over, for generous zip records), plus headers."""
    return 2 * MAX_ITEMSIZE * param_count(cell, vocab, hidden) + SLACK_BYTES


def load_weights(path: str | os.PathLike[str], cell: str, vocab: int, hidden: int) -> Params:
    """Read an .npz without trusting it: the file size, the zip directory's names and the
    .npy headers' dtypes and shapes are checked first; only then are the six arrays read,
    exactly as many bytes as their headers declare. Nothing is unpickled; memory stays a
    small multiple of the model's size whatever the file claims."""
    source = str(path)
    limit = max_file_bytes(cell, vocab, hidden)
    try:
        data = read_regular(path, limit)
    except InputError as exc:
        if exc.errno == errno.ENOENT:
            raise WeightsError(f"{source}: no such file") from None
        raise WeightsError(f"{source}: cannot read the file ({exc})") from None
    if len(data) > limit:
        raise WeightsError(
            f"{source}: larger than {limit:,} bytes, more than any weights file for a {cell} with "
            f"vocab {vocab}, hidden {hidden}; expected an .npz of {', '.join(TORCH_KEYS)}"
        )
    if data.startswith(NPY_MAGIC):
        raise WeightsError(f"{source}: one unnamed array, not an .npz of {', '.join(TORCH_KEYS)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _members(archive, source)
            expected = _expected_shapes(cell, vocab, hidden)
            for key, info in members.items():
                _check_declared_size(info, expected[key], source)
            headers = {key: _header(archive, info, source) for key, info in members.items()}
            shapes = {key: shape for key, (shape, _, _) in headers.items()}
            _check_shapes(shapes, expected, cell, vocab, hidden, source)
            arrays = {key: _read(archive, members[key], headers[key], source) for key in TORCH_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError, zlib.error) as exc:
        raise WeightsError(f"{source}: not a readable .npz file ({exc or type(exc).__name__})") from None
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise WeightsError(f"{source}: not a readable .npz file ({exc})") from None
    return params_from_torch(arrays, cell, vocab, hidden, source)


def _members(archive: zipfile.ZipFile, source: str) -> dict[str, zipfile.ZipInfo]:
    """Torch name -> zip entry, from the directory alone. A state_dict of a module that holds
    the RNN as a submodule (`rnn.weight_ih_l0`, `out.weight`) is read through its prefix."""
    infos = archive.infolist()
    found = [i.filename for i in infos]
    if len(infos) > 4 * len(TORCH_KEYS):
        raise WeightsError(f"{source}: {len(infos)} arrays; a one-layer model has {len(TORCH_KEYS)}")
    not_npy = [name for name in found if not name.endswith(".npy")]
    if not_npy:
        raise WeightsError(
            f"{source}: entry {not_npy[0]!r} is not an .npy array; an .npz holds only .npy files"
        )
    names = {i.filename[: -len(".npy")]: i for i in infos}
    if len(names) < len(infos):
        raise WeightsError(f"{source}: an array name appears twice in the archive")
    listed = _some(names)
    cores = [n for n in names if n.endswith(TORCH_KEYS[0]) and n[: -len(TORCH_KEYS[0])][-1:] in ("", ".")]
    if len(cores) != 1:
        what = "no weight_ih_l0" if not cores else f"{len(cores)} recurrent layers ({_some(cores)})"
        raise WeightsError(f"{source}: {what}; found {listed}; expected {', '.join(TORCH_KEYS)}")
    prefix = cores[0][: -len(TORCH_KEYS[0])]
    core = {k: prefix + k for k in TORCH_KEYS[:4]}
    rest = [n for n in names if n not in core.values()]
    linears = sorted(
        {n[: -len(".weight")] for n in rest if n.endswith(".weight") and n[:-7] + ".bias" in rest}
    )
    if len(linears) > 1 and any(x.split(".")[-1] == "out" for x in linears):
        linears = [x for x in linears if x.split(".")[-1] == "out"]
    out = linears[0] if len(linears) == 1 else "out"
    wanted = {**core, "out.weight": f"{out}.weight", "out.bias": f"{out}.bias"}
    missing = [n for n in wanted.values() if n not in names]
    if missing:
        raise WeightsError(f"{source}: missing {', '.join(missing)}; found {listed}")
    extra = sorted(set(names) - set(wanted.values()))
    if extra:
        raise WeightsError(f"{source}: unexpected arrays {_some(extra)} (one layer only)")
    return {key: names[name] for key, name in wanted.items()}


def _check_declared_size(info: zipfile.ZipInfo, shape: tuple[int, ...], source: str) -> None:
    """The directory's uncompressed size, before anything is inflated: no more than the array
    the model needs, stored at the widest item size, plus its header."""
    most = int(np.prod(shape)) * MAX_ITEMSIZE + 4096
    if info.file_size > most:
        raise WeightsError(
            f"{source}: {info.filename} declares {info.file_size:,} bytes; an array of shape {shape} "
            f"needs at most {most:,}"
        )


def _some(names, shown: int = 8) -> str:
    names = list(names)
    if not names:
        return "no arrays"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str):
    """(shape, dtype, fortran_order) from the .npy header, which is all that is read."""
    with archive.open(info) as f:
        shape, fortran, dtype = _header_of(f)
    if dtype.hasobject or dtype.kind not in "iuf" or dtype.itemsize > MAX_ITEMSIZE:
        raise WeightsError(f"{source}: {info.filename} holds {dtype} values; every weight must be a number")
    return tuple(shape), dtype, fortran


def _header_of(f) -> tuple:
    """Read the .npy magic and header (a Python literal, parsed safely by numpy)."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise ValueError(f".npy format {version}; expected 1.0 or 2.0")


def _check_shapes(shapes, expected, cell: str, vocab: int, hidden: int, source: str) -> None:
    problems = [
        f"{key} is {shapes[key]}, expected {shape}" for key, shape in expected.items() if shapes[key] != shape
    ]
    if problems:
        hint = _guess_cell(shapes)
        found = f"; these look like {hint} weights" if hint and hint != cell else ""
        raise WeightsError(
            f"{source}: shapes do not fit a {cell} with vocab {vocab}, hidden {hidden}: "
            + "; ".join(problems)
            + found
        )


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, header, source: str) -> np.ndarray:
    """Exactly the bytes the (already checked) header declares, and no more."""
    shape, dtype, fortran = header
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    with archive.open(info) as f:
        _header_of(f)  # past the header, to the numbers
        data = f.read(size)
    if len(data) != size:
        raise WeightsError(f"{source}: {info.filename} is cut short ({len(data)} of {size} bytes)")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def save_weights(path: str | os.PathLike[str], params: Params, overwrite: bool = False) -> Path:
    buffer = io.BytesIO()
    np.savez(buffer, **torch_arrays(params))
    return atomic_write(path, lambda tmp: tmp.write_bytes(buffer.getvalue()), overwrite)
