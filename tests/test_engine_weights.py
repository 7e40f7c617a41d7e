"""Weights as .npz with PyTorch's names: round trip, torch's stacking order, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stepper.files import OutputError
from stepper.params import Params, init_params
from stepper.weights import TORCH_KEYS, WeightsError, load_weights, save_weights

CELL_NAMES = ("rnn", "gru", "lstm")
GATES = {"rnn": (), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}  # torch's documented stacking order
V, H = 3, 4


def random_params(cell: str, seed: int = 0) -> Params:
    """Every entry random, biases included, so a swapped block cannot go unnoticed."""
    params = init_params(cell, V, H, 1.0, seed)
    params.flat[...] = np.random.default_rng(seed).standard_normal(params.flat.size)
    return params


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    np.savez(path, **arrays)
    return path


def torch_like(cell: str, seed: int = 1) -> dict[str, np.ndarray]:
    rows = max(1, len(GATES[cell])) * H
    rng = np.random.default_rng(seed)
    shapes = [(rows, V), (rows, H), (rows,), (rows,), (V, H), (V,)]
    return {k: rng.standard_normal(s) for k, s in zip(TORCH_KEYS, shapes, strict=True)}


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_round_trip_is_exact(tmp_path: Path, cell: str) -> None:
    params = random_params(cell)
    path = save_weights(tmp_path / f"{cell}.npz", params)
    assert path == tmp_path / f"{cell}.npz"
    loaded = load_weights(path, cell, V, H)
    assert loaded.flat.dtype == np.float64
    assert loaded.flat.tobytes() == params.flat.tobytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{cell}.npz"]  # no temp file left over
    with np.load(path) as npz:
        assert sorted(npz.files) == sorted(TORCH_KEYS)
        assert all(npz[k].dtype == np.float64 for k in npz.files)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gates_are_stacked_in_torch_order(tmp_path: Path, cell: str) -> None:
    """torch stacks r,z,n (GRU) and i,f,g,o (LSTM) as row blocks of H."""
    params = random_params(cell, seed=3)
    with np.load(save_weights(tmp_path / "w.npz", params)) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for k, gate in enumerate(GATES[cell]):
        rows = slice(k * H, (k + 1) * H)
        np.testing.assert_array_equal(arrays["weight_ih_l0"][rows], params[f"W_i{gate}"])
        np.testing.assert_array_equal(arrays["weight_hh_l0"][rows], params[f"W_h{gate}"])
        np.testing.assert_array_equal(arrays["bias_ih_l0"][rows], params[f"b_i{gate}"])
        np.testing.assert_array_equal(arrays["bias_hh_l0"][rows], params[f"b_h{gate}"])
    np.testing.assert_array_equal(arrays["out.weight"], params["Why"])
    np.testing.assert_array_equal(arrays["out.bias"], params["by"])
    if cell == "gru":  # spelled out once, as the brief to torch users reads
        np.testing.assert_array_equal(arrays["weight_ih_l0"][H : 2 * H], params["W_iz"])
    else:
        np.testing.assert_array_equal(arrays["weight_ih_l0"][2 * H : 3 * H], params["W_ig"])


def test_rnn_bias_goes_out_once_and_comes_back_summed(tmp_path: Path) -> None:
    params = random_params("rnn", seed=4)
    with np.load(save_weights(tmp_path / "rnn.npz", params)) as npz:
        np.testing.assert_array_equal(npz["bias_ih_l0"], params["bh"])
        np.testing.assert_array_equal(npz["bias_hh_l0"], np.zeros(H))
        np.testing.assert_array_equal(npz["weight_ih_l0"], params["Wxh"])
        np.testing.assert_array_equal(npz["weight_hh_l0"], params["Whh"])
    arrays = torch_like("rnn")  # a torch.nn.RNN has two nonzero biases
    loaded = load_weights(write_npz(tmp_path / "torch.npz", arrays), "rnn", V, H)
    np.testing.assert_array_equal(loaded["bh"], arrays["bias_ih_l0"] + arrays["bias_hh_l0"])
    np.testing.assert_array_equal(loaded["Wxh"], arrays["weight_ih_l0"])


def test_torch_float32_and_compressed_files_load(tmp_path: Path) -> None:
    arrays = {k: v.astype(np.float32) for k, v in torch_like("lstm").items()}
    path = tmp_path / "f32.npz"
    np.savez_compressed(path, **arrays)
    loaded = load_weights(path, "lstm", V, H)
    assert loaded.flat.dtype == np.float64
    np.testing.assert_array_equal(loaded["W_ih"], arrays["weight_ih_l0"].astype(np.float64))
    np.testing.assert_array_equal(loaded["b_hh"], arrays["bias_hh_l0"].astype(np.float64))


def test_save_never_replaces_a_file_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "keep.npz"
    path.write_bytes(b"precious")
    with pytest.raises(OutputError, match="already exists"):
        save_weights(path, random_params("rnn"))
    assert path.read_bytes() == b"precious"
    save_weights(path, random_params("rnn"), overwrite=True)
    assert load_weights(path, "rnn", V, H) == random_params("rnn")


def _refusal(path: Path, cell: str = "gru", vocab: int = V, hidden: int = H) -> str:
    with pytest.raises(WeightsError) as info:
        load_weights(path, cell, vocab, hidden)
    message = str(info.value)
    assert str(path) in message  # the user learns which file
    assert "\n" not in message
    return message


def test_wrong_cell_is_refused_and_named(tmp_path: Path) -> None:
    path = save_weights(tmp_path / "gru.npz", random_params("gru"))
    message = _refusal(path, cell="lstm")
    assert "look like gru" in message
    assert "weight_ih_l0" in message
    message = _refusal(save_weights(tmp_path / "lstm.npz", random_params("lstm")), cell="rnn")
    assert "look like lstm" in message


def test_wrong_sizes_are_refused(tmp_path: Path) -> None:
    path = save_weights(tmp_path / "gru.npz", random_params("gru"))
    assert "hidden 5" in _refusal(path, hidden=5)
    assert "vocab 2" in _refusal(path, vocab=2)
    arrays = torch_like("gru")
    arrays["out.bias"] = np.zeros((V, 1))
    assert "out.bias" in _refusal(write_npz(tmp_path / "bias.npz", arrays))


@pytest.mark.parametrize(("value", "word"), [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_non_finite_weights_are_refused(tmp_path: Path, value: float, word: str) -> None:
    arrays = torch_like("gru")
    arrays["weight_hh_l0"][2, 1] = value
    message = _refusal(write_npz(tmp_path / "bad.npz", arrays))
    assert word in message and "weight_hh_l0" in message


def test_missing_and_extra_arrays_are_refused(tmp_path: Path) -> None:
    arrays = torch_like("gru")
    del arrays["out.weight"]
    assert "missing out.weight" in _refusal(write_npz(tmp_path / "missing.npz", arrays))
    arrays = {**torch_like("gru"), "weight_ih_l1": np.zeros((3 * H, H))}
    assert "weight_ih_l1" in _refusal(write_npz(tmp_path / "two_layers.npz", arrays))


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.npz"
    text.write_text("these are not weights\n")
    assert "not a readable .npz" in _refusal(text)
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(save_weights(tmp_path / "whole.npz", random_params("gru")).read_bytes()[:200])
    assert "not a readable .npz" in _refusal(truncated)
    assert "no such file" in _refusal(tmp_path / "absent.npz")
    pickled = tmp_path / "objects.npz"
    np.savez(pickled, **{**torch_like("gru"), "out.bias": np.array([None, 1, 2], dtype=object)})
    _refusal(pickled)  # object arrays need pickle, which is never allowed
