"""Hostile .npz files, built byte by byte (shared by tests/test_weights_crafted.py and
benchmarks/weights_bench.py): each is small on disk and lies about what it holds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from stepper.params import Params, init_params
from stepper.weights import torch_arrays


def npy_bytes(header: dict, data: bytes = b"") -> bytes:
    """An .npy member: magic, the given header (shape and dtype as claimed), then `data`."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def npy_of(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def zip_of(members: dict[str, bytes], compress: bool = False) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def good_members(cell: str = "rnn", vocab: int = 2, hidden: int = 3, prefix: str = "") -> dict[str, bytes]:
    params: Params = init_params(cell, vocab, hidden, 0.5, 3)
    arrays = torch_arrays(params)
    named = {}
    for key, value in arrays.items():
        name = key if key.startswith("out.") else prefix + key
        named[f"{name}.npy"] = npy_of(value)
    return named


def huge_shape() -> bytes:
    """weight_hh_l0 claims (100000, 100000) float64: 80 GB, in 1.5 KB."""
    members = good_members()
    members["weight_hh_l0.npy"] = npy_bytes(
        {"descr": "<f8", "fortran_order": False, "shape": (100_000, 100_000)}, b"\0" * 1024
    )
    return zip_of(members)


def no_npy_suffix() -> bytes:
    return zip_of({name[: -len(".npy")]: data for name, data in good_members().items()})


def extra_arrays(count: int = 400) -> bytes:
    members = good_members()
    members.update({f"junk_{k}.npy": npy_of(np.zeros(4)) for k in range(count)})
    return zip_of(members, compress=True)


def zip_bomb(megabytes: int) -> bytes:
    """weight_hh_l0's header is right, and `megabytes` of zeros follow it, deflated: a reader
    that reads the member whole inflates all of it."""
    members = good_members()
    header = members["weight_hh_l0.npy"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != "weight_hh_l0.npy":
                z.writestr(name, data)
        with z.open("weight_hh_l0.npy", "w", force_zip64=True) as f:
            f.write(header)
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
    return buf.getvalue()


def object_array() -> bytes:
    """A pickled object array: refused from its header, never unpickled."""
    members = good_members()
    members["out.bias.npy"] = npy_bytes({"descr": "|O", "fortran_order": False, "shape": (2,)}, b"\x80\x04N.")
    return zip_of(members)


def corrupt_deflate() -> bytes:
    """A compressed member whose deflate stream is garbage half-way."""
    members = good_members()
    members["weight_hh_l0.npy"] = npy_of(np.arange(9.0).reshape(3, 3))
    data = bytearray(zip_of(members, compress=True))
    start = data.index(b"weight_hh_l0.npy") + len("weight_hh_l0.npy")
    data[start + 2 : start + 40] = b"\xff" * 38
    return bytes(data)


def encrypted() -> bytes:
    """Every member flagged as encrypted (bit 0 of the flags, local and central)."""
    data = bytearray(zip_of(good_members()))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 1
            at = data.find(signature, at + 4)
    return bytes(data)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
