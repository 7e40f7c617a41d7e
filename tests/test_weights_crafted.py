"""Crafted .npz files for --weights: names, dtypes and shapes are checked from the zip
directory and each member's .npy header before any numbers are read; only the six arrays
are read, exactly as many bytes as their (checked) headers declare; nothing is unpickled;
a file larger than any weights file of the model is refused from its first bytes. Each is
refused in one line, and the memory used stays a small multiple of the model's size
(tracemalloc peak; benchmarks/weights_bench.py measures the whole process and the time)."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest
from crafted_npz import (
    corrupt_deflate,
    encrypted,
    extra_arrays,
    good_members,
    huge_shape,
    no_npy_suffix,
    npy_bytes,
    npy_of,
    object_array,
    write,
    zip_bomb,
    zip_of,
)

from stepper.cli import main
from stepper.params import init_params
from stepper.weights import WeightsError, load_weights, max_file_bytes

MODEL = ("rnn", 2, 3)
BIGGEST = ("lstm", 16, 64)
MB = 1 << 20


def refusal(path, model=MODEL) -> tuple[str, int]:
    """The one-line refusal, and the peak bytes Python allocated on the way."""
    tracemalloc.start()
    try:
        with pytest.raises(WeightsError) as caught:
            load_weights(path, *model)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    return message, peak


CRAFTED = {
    "huge-shape": (huge_shape, "(100000, 100000)"),
    "no-npy-suffix": (no_npy_suffix, "not an .npy array"),
    "400-extra-arrays": (extra_arrays, "arrays"),
    "zip-bomb-50MB": (lambda: zip_bomb(50), "declares 52,4"),
    "object-array": (object_array, "object"),
    "empty-zip": (lambda: b"PK\x05\x06" + b"\0" * 18, "found no arrays"),
    "bare-npy": (lambda: npy_of(np.zeros(3)), "unnamed array"),
    "empty": (lambda: b"", "not a readable .npz"),
    "random-bytes": (lambda: np.random.default_rng(1).bytes(60_000), "not a readable .npz"),
    "npy-version-9": (
        lambda: zip_of({**good_members(), "out.bias.npy": b"\x93NUMPY\x09\x00" + b"\0" * 64}),
        "not a readable .npz",
    ),
    "complex": (
        lambda: zip_of({**good_members(), "out.bias.npy": npy_of(np.zeros(2, dtype=complex))}),
        "complex",
    ),
    "float128": (
        lambda: zip_of({**good_members(), "out.bias.npy": npy_of(np.zeros(2, dtype=np.longdouble))}),
        "float128",
    ),
    "strings": (
        lambda: zip_of({**good_members(), "out.bias.npy": npy_of(np.array(["a", "b"]))}),
        "<U1",
    ),
    "cut-short": (
        lambda: zip_of(
            {
                **good_members(),
                "out.bias.npy": npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (2,)}),
            }
        ),
        "cut short",
    ),
    "negative-shape": (
        lambda: zip_of(
            {
                **good_members(),
                "out.bias.npy": npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (-2,)}),
            }
        ),
        "(-2,)",
    ),
    "corrupt-deflate": (corrupt_deflate, "not a readable .npz"),
    "encrypted": (encrypted, "not a readable .npz"),
    "two-rnns": (
        lambda: zip_of({**good_members(prefix="a."), **good_members(prefix="b.")}),
        "2 recurrent layers",
    ),
}


@pytest.mark.parametrize("case", CRAFTED)
def test_crafted_files_are_refused_in_one_line_in_little_memory(tmp_path, case):
    build, says = CRAFTED[case]
    path = write(tmp_path / f"{case}.npz", build())
    message, peak = refusal(path)
    assert says in message, message
    assert peak < 2 * MB, f"{case}: {peak / MB:.1f} MB"


def test_a_file_larger_than_the_model_can_be_is_refused_from_its_first_bytes(tmp_path):
    bomb = write(tmp_path / "bomb.npz", zip_bomb(3000))  # 3 MB on disk, 3 GB inflated
    assert bomb.stat().st_size > max_file_bytes(*BIGGEST)
    message, peak = refusal(bomb, BIGGEST)
    assert "larger than" in message and "lstm" in message
    assert peak < 2 * max_file_bytes(*BIGGEST) + MB
    ten = write(tmp_path / "ten.npz", np.random.default_rng(2).bytes(10 * MB))
    message, peak = refusal(ten, BIGGEST)
    assert "larger than" in message and peak < 2 * MB


def test_nothing_is_unpickled(tmp_path, monkeypatch):
    def no(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "loads", no)
    monkeypatch.setattr(pickle, "load", no)
    message, _ = refusal(write(tmp_path / "o.npz", object_array()))
    assert "object" in message


@pytest.mark.parametrize(
    "prefix,out",
    [("rnn.", "out"), ("model.rnn.", "model.out"), ("rnn.", "fc"), ("", "decoder")],
)
def test_a_state_dict_with_the_rnn_as_a_submodule_is_read_through_its_prefix(tmp_path, prefix, out):
    params = init_params("gru", 3, 4, 0.5, 5)
    plain = load_weights(write(tmp_path / "plain.npz", zip_of(good_members("gru", 3, 4))), "gru", 3, 4)
    members = {}
    for name, data in good_members("gru", 3, 4).items():
        if name.startswith("out."):
            members[out + name[3:]] = data
        else:
            members[prefix + name] = data
    loaded = load_weights(write(tmp_path / "sub.npz", zip_of(members)), "gru", 3, 4)
    assert loaded == plain and loaded.flat.shape == params.flat.shape


def test_a_prefixed_file_with_a_piece_missing_says_what_was_found(tmp_path):
    members = good_members(prefix="rnn.")
    del members["rnn.bias_hh_l0.npy"]
    message, _ = refusal(write(tmp_path / "m.npz", zip_of(members)))
    assert "missing rnn.bias_hh_l0" in message and "found rnn.weight_ih_l0" in message, message
    message, _ = refusal(write(tmp_path / "n.npz", zip_of({"encoder.weight.npy": npy_of(np.zeros(2))})))
    assert "no weight_ih_l0" in message and "found encoder.weight" in message, message


def test_stored_variants_of_good_weights_all_load_the_same(tmp_path):
    """float32, big-endian, Fortran order and compression change the bytes, not the weights."""
    members = good_members()
    base = load_weights(write(tmp_path / "base.npz", zip_of(members)), *MODEL)
    arrays = {n: np.load(__import__("io").BytesIO(d)) for n, d in members.items()}
    variants = {
        "fortran": {n: npy_of(np.asfortranarray(a)) for n, a in arrays.items()},
        "big-endian": {n: npy_of(a.astype(">f8")) for n, a in arrays.items()},
        "compressed": members,
    }
    for name, variant in variants.items():
        path = write(tmp_path / f"{name}.npz", zip_of(variant, compress=name == "compressed"))
        assert load_weights(path, *MODEL) == base, name
    f32 = {n: npy_of(a.astype(np.float32)) for n, a in arrays.items()}
    loaded = load_weights(write(tmp_path / "f32.npz", zip_of(f32)), *MODEL)
    assert np.allclose(loaded.flat, base.flat, rtol=1e-6)


def test_the_cli_refuses_a_crafted_file_in_one_line(tmp_path, capsys):
    from pathlib import Path

    lesson = Path(__file__).resolve().parent.parent / "lessons" / "alternating.yaml"
    bad = write(tmp_path / "huge.npz", huge_shape())
    capsys.readouterr()
    status = main([str(lesson), "--export-trace", str(tmp_path / "t.json"), "--weights", str(bad)])
    err = capsys.readouterr().err
    assert status == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not (tmp_path / "t.json").exists()
