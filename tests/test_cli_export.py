"""The command-line export contract (README 'Command line'): others script against it, so exactly.

Lessons are written here into tmp_path with the keys of lessons/alternating.yaml,
so the test does not depend on the built-in course.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stepper.cells import CELLS
from stepper.cli import main
from stepper.params import init_params
from stepper.record import record
from stepper.trace import BACKWARD, Trace
from stepper.weights import TORCH_KEYS, load_weights, save_weights

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ["a", "b", "c"]
HIDDEN = 4
GATE_KEYS = {"rnn": None, "gru": {"r", "z", "n"}, "lstm": {"i", "f", "g", "o"}}
STEP_KEYS = {"t", "x", "target", "h", "logits", "probs", "loss", "dh_norm"}
TOP_KEYS = {"cell", "vocab", "hidden_size", "inputs", "targets", "steps", "loss", "grads"}

LESSON = """\
title: "CLI test ({cell})"
summary: >
  A small {cell} for the export tests.
vocab: ["a", "b", "c"]
model: {{cell: {cell}, hidden_size: 4, init_scale: 0.5, seed: 3}}
data: {{pattern: ["a", "b", "b", "c"]}}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 30
  seq_length: 8
  clip: 5
  checkpoints: {{untrained: 0, trained: 30}}
playback: {{sequence: ["a", "b", "b", "c", "a", "b"]}}
"""


def write_lesson(folder: Path, cell: str) -> Path:
    path = folder / f"{cell}-lesson.yaml"
    path.write_text(LESSON.format(cell=cell), encoding="utf-8")
    return path


@pytest.fixture(params=["rnn", "gru", "lstm"])
def cell(request: pytest.FixtureRequest) -> str:
    return request.param


def run_cli(*args: str | Path) -> int:
    return main([str(a) for a in args])


def export_trace(lesson: Path, out: Path, *extra: str | Path) -> dict:
    assert run_cli(lesson, "--export-trace", out, *extra) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def checkpoint_weights(lesson: Path, cell: str, folder: Path, checkpoint: str | None = None):
    out = folder / f"weights-{checkpoint or 'last'}.npz"
    extra = ["--checkpoint", checkpoint] if checkpoint else []
    assert run_cli(lesson, "--export-weights", out, *extra) == 0
    return load_weights(out, cell, len(VOCAB), HIDDEN)


def encode(text: str) -> list[int]:
    return [VOCAB.index(s) for s in text.split(",")]


def _floats(value) -> list[float]:
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return [value]


def test_schema_and_values(tmp_path: Path, cell: str, capsys: pytest.CaptureFixture[str]) -> None:
    lesson = write_lesson(tmp_path, cell)
    out = tmp_path / "trace.json"
    doc = export_trace(lesson, out, "--sequence", "a,b,b,c,a")
    assert str(out) in capsys.readouterr().out

    assert set(doc) == TOP_KEYS
    assert doc["cell"] == cell
    assert doc["vocab"] == VOCAB
    assert doc["hidden_size"] == HIDDEN and type(doc["hidden_size"]) is int
    # N symbols play N-1 steps: step t has input s_t and target s_(t+1).
    assert doc["inputs"] == [0, 1, 1, 2] and doc["targets"] == [1, 1, 2, 0]
    assert len(doc["steps"]) == 4
    for t, step in enumerate(doc["steps"]):
        gates = GATE_KEYS[cell]
        assert set(step) == STEP_KEYS | ({"gates"} if gates else set()) | ({"c"} if cell == "lstm" else set())
        assert (step["t"], step["x"], step["target"]) == (t, doc["inputs"][t], doc["targets"][t])
        assert all(type(step[k]) is int for k in ("t", "x", "target"))
        assert len(step["h"]) == HIDDEN
        assert len(step["logits"]) == len(step["probs"]) == len(VOCAB)
        assert math.isclose(sum(step["probs"]), 1.0, rel_tol=1e-14)
        assert step["loss"] == pytest.approx(-math.log(step["probs"][step["target"]]), rel=1e-12)
        if gates:
            assert set(step["gates"]) == gates
            assert all(len(v) == HIDDEN for v in step["gates"].values())
        if cell == "lstm":
            assert len(step["c"]) == HIDDEN
        floats = _floats([step["h"], step["logits"], step["probs"], step["loss"], step["dh_norm"]])
        assert all(type(f) is float and math.isfinite(f) for f in floats)
    assert doc["loss"] == pytest.approx(sum(s["loss"] for s in doc["steps"]), rel=1e-14)
    rows = {"rnn": 1, "gru": 3, "lstm": 4}[cell] * HIDDEN
    shapes = [(rows, 3), (rows, HIDDEN), (rows,), (rows,), (3, HIDDEN), (3,)]
    assert list(doc["grads"]) == list(TORCH_KEYS)
    for key, shape in zip(TORCH_KEYS, shapes, strict=True):
        assert np.array(doc["grads"][key]).shape == shape, key

    # Full precision: every number is exactly the engine's value for the checkpoint's weights.
    params = checkpoint_weights(lesson, cell, tmp_path)
    trace = record(params, VOCAB, [0, 1, 1, 2], [1, 1, 2, 0])
    assert_matches_trace(doc, trace)


def assert_matches_trace(doc: dict, trace: Trace) -> None:
    s = trace.summary
    for t, step in enumerate(doc["steps"]):
        assert step["h"] == s["h"][t].tolist()
        assert step["logits"] == s["y"][t].tolist()
        assert step["probs"] == s["p"][t].tolist()
        assert step["loss"] == float(s["loss"][t])
        assert step["dh_norm"] == float(s["dh_norm"][t])
        for gate in step.get("gates", {}):
            assert step["gates"][gate] == s[gate][t].tolist()
        if "c" in step:
            assert step["c"] == s["c"][t].tolist()
    assert doc["loss"] == trace.loss


def test_start_state_is_zero(tmp_path: Path, cell: str) -> None:
    """h0 = c0 = 0: the first step's h depends on the first input and the biases alone."""
    lesson = write_lesson(tmp_path, cell)
    doc = export_trace(lesson, tmp_path / "t.json", "--sequence", "c,a")
    p = checkpoint_weights(lesson, cell, tmp_path)
    x = 2
    if cell == "rnn":
        h = np.tanh(p["Wxh"][:, x] + p["bh"])
    elif cell == "gru":

        def sig(name: str) -> np.ndarray:
            return 1 / (1 + np.exp(-(p[f"W_i{name}"][:, x] + p[f"b_i{name}"] + p[f"b_h{name}"])))

        r, z = sig("r"), sig("z")
        n = np.tanh(p["W_in"][:, x] + p["b_in"] + r * p["b_hn"])
        h = (1 - z) * n
    else:
        pre = {k: p[f"W_i{k}"][:, x] + p[f"b_i{k}"] + p[f"b_h{k}"] for k in "ifgo"}
        i, o = 1 / (1 + np.exp(-pre["i"])), 1 / (1 + np.exp(-pre["o"]))
        c = i * np.tanh(pre["g"])  # f * c0 vanishes
        h = o * np.tanh(c)
        np.testing.assert_allclose(doc["steps"][0]["c"], c, rtol=0, atol=1e-14)
    np.testing.assert_allclose(doc["steps"][0]["h"], h, rtol=0, atol=1e-14)


def test_dh_norm_is_the_norm_of_the_recorded_dh(tmp_path: Path, cell: str) -> None:
    lesson = write_lesson(tmp_path, cell)
    doc = export_trace(lesson, tmp_path / "t.json", "--sequence", "b,c,a,a,b,c")
    trace = record(checkpoint_weights(lesson, cell, tmp_path), VOCAB, doc["inputs"], doc["targets"])
    for t, step in enumerate(doc["steps"]):
        (dh,) = (
            trace.steps[i].output for i in trace.timestep_range(BACKWARD, t) if trace.steps[i].op == "dh"
        )
        assert step["dh_norm"] == pytest.approx(float(np.linalg.norm(dh)), rel=1e-14)
        assert step["dh_norm"] > 0.0


def test_grads_are_the_raw_unclipped_gradients(tmp_path: Path, cell: str) -> None:
    """Large weights give gradients far above the lesson's clip of 5: they must come out as they are."""
    lesson = write_lesson(tmp_path, cell)
    params = init_params(cell, 3, HIDDEN, 3.0, seed=11)
    params.flat[...] = np.random.default_rng(11).normal(0.0, 3.0, params.flat.size)
    weights = save_weights(tmp_path / "big.npz", params)
    sequence = "a,b,c,c,b,a,a,c,b,b,a,c,a"
    doc = export_trace(lesson, tmp_path / "t.json", "--weights", weights, "--sequence", sequence)
    grads = params.zeros_like()
    xs = encode(sequence)
    state = tuple(np.zeros(HIDDEN) for _ in CELLS[cell].state)
    loss, _ = CELLS[cell].loss_and_grads(params, grads, xs[:-1], xs[1:], state)
    assert doc["loss"] == pytest.approx(loss, rel=1e-13)
    if cell == "rnn":
        expected = {
            "weight_ih_l0": grads["Wxh"],
            "weight_hh_l0": grads["Whh"],
            "bias_ih_l0": grads["bh"],
            "bias_hh_l0": grads["bh"],  # the one bias, listed under both names
        }
    else:
        expected = {
            k: grads[n] for k, n in zip(TORCH_KEYS[:4], ("W_ih", "W_hh", "b_ih", "b_hh"), strict=True)
        }
    expected |= {"out.weight": grads["Why"], "out.bias": grads["by"]}
    biggest = 0.0
    for key, value in expected.items():
        got = np.array(doc["grads"][key])
        np.testing.assert_allclose(got, value, rtol=1e-11, atol=1e-12, err_msg=key)
        biggest = max(biggest, float(np.abs(got).max()))
    assert biggest > 5.0


def test_default_sequence_is_the_lesson_playback(tmp_path: Path) -> None:
    lesson = write_lesson(tmp_path, "gru")
    doc = export_trace(lesson, tmp_path / "t.json")
    assert doc["inputs"] == encode("a,b,b,c,a") and doc["targets"] == encode("b,b,c,a,b")


def test_checkpoint_selects_the_weights(tmp_path: Path) -> None:
    lesson = write_lesson(tmp_path, "lstm")
    last = export_trace(lesson, tmp_path / "last.json")
    trained = export_trace(lesson, tmp_path / "trained.json", "--checkpoint", "trained")
    untrained = export_trace(lesson, tmp_path / "untrained.json", "--checkpoint", "untrained")
    assert last == trained  # the default is the last checkpoint
    assert untrained != trained
    start = init_params("lstm", 3, HIDDEN, 0.5, 3)  # the lesson's model: scale 0.5, seed 3
    assert_matches_trace(untrained, record(start, VOCAB, untrained["inputs"], untrained["targets"]))
    assert checkpoint_weights(lesson, "lstm", tmp_path, "untrained") == start


def test_weights_override_the_checkpoint(tmp_path: Path, cell: str) -> None:
    lesson = write_lesson(tmp_path, cell)
    params = init_params(cell, 3, HIDDEN, 0.8, seed=99)
    weights = save_weights(tmp_path / "mine.npz", params)
    doc = export_trace(lesson, tmp_path / "t.json", "--weights", weights, "--checkpoint", "untrained")
    assert_matches_trace(doc, record(params, VOCAB, doc["inputs"], doc["targets"]))


def test_export_weights_writes_a_file_that_loads_back(tmp_path: Path, cell: str) -> None:
    lesson = write_lesson(tmp_path, cell)
    trained = checkpoint_weights(lesson, cell, tmp_path, "trained")
    assert checkpoint_weights(lesson, cell, tmp_path) == trained
    assert trained != init_params(cell, 3, HIDDEN, 0.5, 3)
    # Loaded back through --weights it gives the same pass as the checkpoint itself.
    again = export_trace(lesson, tmp_path / "a.json", "--weights", tmp_path / "weights-trained.npz")
    assert again == export_trace(lesson, tmp_path / "b.json")


@pytest.mark.parametrize("option", ["--export-trace", "--export-weights"])
def test_existing_output_is_kept_without_overwrite(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = write_lesson(tmp_path, "rnn")
    out = tmp_path / ("out.json" if option == "--export-trace" else "out.npz")
    out.write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert run_cli(lesson, option, out) != 0
    err = capsys.readouterr().err
    assert str(out) in err and "--overwrite" in err
    assert out.read_text(encoding="utf-8") == "mine"
    assert run_cli(lesson, option, out, "--overwrite") == 0
    if option == "--export-trace":
        assert json.loads(out.read_text(encoding="utf-8"))["cell"] == "rnn"
    else:
        load_weights(out, "rnn", 3, HIDDEN)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([lesson.name, out.name])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--sequence", "a,q,b"], ["'q'", "vocabulary"]),
        (["--sequence", "a"], ["two symbols"]),
        (["--checkpoint", "halfway"], ["halfway", "untrained, trained"]),
    ],
)
def test_bad_arguments_fail_with_one_line(
    tmp_path: Path, args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = write_lesson(tmp_path, "gru")
    out = tmp_path / "t.json"
    assert run_cli(lesson, "--export-trace", out, *args) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert all(w in err for w in words), err
    assert not out.exists()


def test_weights_of_the_wrong_cell_fail_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = write_lesson(tmp_path, "lstm")
    weights = save_weights(tmp_path / "gru.npz", init_params("gru", 3, HIDDEN, 0.5, 1))
    assert run_cli(lesson, "--export-trace", tmp_path / "t.json", "--weights", weights) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(weights) in err and "gru" in err
    assert not (tmp_path / "t.json").exists()


def _run_main_py(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_main_py_end_to_end(tmp_path: Path) -> None:
    """The real entry point: same JSON as in-process, and an unknown symbol is one line, no traceback."""
    lesson = write_lesson(tmp_path, "gru")
    out = tmp_path / "proc.json"
    done = _run_main_py(lesson, "--export-trace", out, "--sequence", "c,b,a,a")
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == export_trace(
        lesson, tmp_path / "here.json", "--sequence", "c,b,a,a"
    )
    assert out.read_text(encoding="utf-8") == (tmp_path / "here.json").read_text(encoding="utf-8")

    bad = _run_main_py(lesson, "--export-trace", tmp_path / "bad.json", "--sequence", "a,b,zz")
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "'zz'" in bad.stderr
    assert not (tmp_path / "bad.json").exists()
