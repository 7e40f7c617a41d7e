"""Numeric faults: lessons that ask for too much (learning rate 1e3, init scale 50, 1000
steps at hidden 64), weights files with NaN, inf and the wrong shapes, and a training run
that blew up. Each must be refused with one clear line (the CLI: no traceback, non-zero
exit) or open with the problem visible on screen, and the window must keep working."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
import traceback
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame
import pytest
from test_event_storm import key_event

from stepper import app as app_module
from stepper.app import App
from stepper.cli import main
from stepper.navigation import at_step
from stepper.scene import Cell, Text
from stepper.session import Session
from stepper.train import Divergence, TrainResult
from stepper.weights import TORCH_KEYS, load_weights, save_weights

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1920, 1080)


def write_lesson(
    folder: Path,
    name: str,
    *,
    cell: str = "rnn",
    hidden: int = 3,
    init_scale: str = "0.01",
    optimizer: str = "adagrad",
    learning_rate: str = "0.1",
    iterations: int = 100,
    clip: str = "5",
    playback: str = "[1, 0, 1, 0, 1, 0]",
) -> Path:
    """A lesson in the format of lessons/*.yaml (docs/lessons.md), a few keys varied."""
    path = folder / name
    path.write_text(
        textwrap.dedent(
            f"""\
            title: "{name}"
            summary: A lesson made by tests/test_numeric_faults.py.
            vocab: ["0", "1"]
            model:
              cell: {cell}
              hidden_size: {hidden}
              init_scale: {init_scale}
              seed: 7
            data:
              pattern: [1, 0]
            training:
              optimizer: {optimizer}
              learning_rate: {learning_rate}
              iterations: {iterations}
              seq_length: 25
              clip: {clip}
              checkpoints:
                untrained: 0
                trained: {iterations}
            playback:
              sequence: {playback}
            """
        ),
        encoding="utf-8",
    )
    return path


class Window:
    """A real App on SDL's dummy display; keys posted as KEYDOWN events; the safety net
    in render() watched, so a frame that failed to draw fails the test."""

    def __init__(self, lesson: Path, size=SIZE) -> None:
        self.app = App(lesson, size=size)
        self.errors: list[str] = []
        build = self.app.build

        def watched(*args, **kwargs):
            try:
                return build(*args, **kwargs)
            except Exception:
                self.errors.append(traceback.format_exc())
                raise

        self.app.build = watched
        while getattr(self.app, "opening", None) is not None:  # a long training runs in slices
            self.app.tick(0.016)
        self.draw()

    def draw(self):
        self.app.dirty = True
        self.app.render()
        assert not self.errors, self.errors[-1]
        return self.app.scene

    def press(self, *names: str):
        for name in names:
            pygame.event.post(key_event(name))
        for event in pygame.event.get():
            self.app.handle(event)
        return self.draw()

    def texts(self) -> list[str]:
        return [t.text for t in self.app.scene.of(Text)]


@pytest.fixture(autouse=True)
def _quit_display():
    yield
    pygame.display.quit()


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{text}"
    assert "Traceback" not in text
    return lines[0]


# ----- lessons that ask for too much -----------------------------------------------------


def test_learning_rate_1e3_is_refused_with_one_line_everywhere(tmp_path, capsys):
    lesson = write_lesson(tmp_path, "lr1e3.yaml", learning_rate="1e3")
    out = tmp_path / "trace.json"
    assert main([str(lesson), "--export-trace", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"{lesson}:") and "training.learning_rate" in line and "1e3" in line, line
    assert not out.exists()
    assert main(["--check", str(lesson)]) != 0
    check = capsys.readouterr()
    assert "learning_rate" in check.out + check.err and "Traceback" not in check.out + check.err

    w = Window(lesson)
    assert w.app.session is None and "training.learning_rate" in w.app.message
    assert any("learning_rate" in t for t in w.texts()), "the reason is on screen"
    w.press("l")  # back to the lesson list: the app goes on
    assert w.app.running and not w.app.message
    w.press("1")
    assert w.app.session is not None, "and opens a built-in lesson"
    w.press("right", "b", "end")


@pytest.mark.parametrize(
    "optimizer,clip", [("sgd", "off"), ("adam", "off"), ("adagrad", "5")], ids=["sgd", "adam", "adagrad"]
)
def test_learning_rate_at_its_limit_trains_and_steps(tmp_path, optimizer, clip):
    """100 is the largest rate the format takes. tanh and the floored cross-entropy keep every
    value finite (the weights only grow), so the lesson opens; whatever it shows, it shows."""
    lesson = write_lesson(
        tmp_path, "lr100.yaml", optimizer=optimizer, learning_rate="100", clip=clip, iterations=300
    )
    w = Window(lesson)
    assert w.app.session is not None, w.app.message
    result = w.app.session.result
    frame = w.app.frame()
    if result.divergence is not None:
        assert frame.problem and "Training stopped" in frame.problem
    walk_both_passes(w)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_init_scale_50_opens_and_every_op_draws(tmp_path, cell):
    lesson = write_lesson(tmp_path, f"init50-{cell}.yaml", cell=cell, init_scale="50", hidden=4)
    w = Window(lesson)
    assert w.app.session is not None, w.app.message
    trace = w.app.session.trace(w.app.state.checkpoint)
    assert np.abs(trace.params.flat).max() > 50, "the weights really are large"
    walk_both_passes(w)
    # the numbers fit their cells even at this size, and the export holds finite numbers or null
    for item in w.app.scene.of(Cell):
        if item.label:
            assert w.app.fonts.measure(item.label, item.label_size) <= item.w, item
    out = tmp_path / "trace.json"
    assert main([str(lesson), "--export-trace", str(out), "--checkpoint", "untrained"]) == 0
    data = json.loads(out.read_text())
    assert data["loss"] is None or np.isfinite(data["loss"])


def walk_both_passes(w: Window) -> None:
    """Every op of the forward pass and the backward pass drawn, by keys and directly."""
    app = w.app
    w.press("a")  # animations off: each key is one settled frame
    trace = app.session.trace(app.state.checkpoint)
    for phase in ("forward", "backward"):
        span = trace.phase_range(phase)
        for k in range(len(span)):
            app.set_state(replace(app.state, cursor=at_step(trace, phase, k)))
            w.draw()
    w.press("home", "right", "down", "end", "b", "right", "t", "]", "[", "n", "m", "d", "i")
    assert app.running


# ----- a long, wide playback -------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_1000_steps_at_hidden_64(tmp_path, cell, capsys):
    """The largest playback the format takes, with the smallest and the largest cell: it
    opens, draws and steps; the vanilla RNN also opens its panels and exports. The times
    printed are for reading; the speed sheet's lstm, hidden 64, 1000 steps rows
    (benchmarks/window_bench.py) hold the targets."""
    rng = random.Random(64)
    symbols = ", ".join(rng.choice("01") for _ in range(1001))
    lesson = write_lesson(
        tmp_path, f"long-{cell}.yaml", cell=cell, hidden=64, iterations=20, playback=f"[{symbols}]"
    )
    began = time.perf_counter()
    w = Window(lesson)
    first = time.perf_counter() - began
    assert w.app.session is not None, w.app.message
    trace = w.app.session.trace(w.app.state.checkpoint)
    assert trace.length == 1000 and trace.hidden_size == 64
    w.press("a")
    keys = ["right"] * 5 + ["down", "end", "b", "right", "left", "home"]
    began = time.perf_counter()
    for key in keys:
        w.press(key)
    stepping = time.perf_counter() - began
    assert w.app.state.cursor.phase == "backward"
    extra = ""
    if cell == "rnn":
        began = time.perf_counter()
        w.press("m", "d", "c", "end")
        panels = time.perf_counter() - began
        out = tmp_path / "trace.json"
        began = time.perf_counter()
        assert main([str(lesson), "--export-trace", str(out)]) == 0
        export = time.perf_counter() - began
        assert len(json.loads(out.read_text())["steps"]) == 1000
        extra = (
            f"; three panels opened {panels:.2f} s; --export-trace (train + record + write) {export:.2f} s"
        )
    with capsys.disabled():
        print(
            f"\n1000 steps, hidden 64, {cell}: {len(trace.steps)} ops; open + first frame {first:.2f} s; "
            f"{len(keys)} keys, each drawn, {stepping:.2f} s ({1000 * stepping / len(keys):.0f} ms a key)"
            + extra
        )


# ----- weights files ---------------------------------------------------------------------


def weights_for(lesson: Path, tmp_path: Path) -> dict[str, np.ndarray]:
    good = tmp_path / "good.npz"
    assert main([str(lesson), "--export-weights", str(good)]) == 0
    with np.load(good) as npz:
        return {k: npz[k].copy() for k in npz.files}


def broken_weights(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray] | bytes]:
    nan = {k: v.copy() for k, v in arrays.items()}
    nan["weight_hh_l0"][0, 0] = np.nan
    inf = {k: v.copy() for k, v in arrays.items()}
    inf["out.bias"][1] = np.inf
    neg_inf = {k: v.copy() for k, v in arrays.items()}
    neg_inf["weight_ih_l0"][:] = -np.inf
    shape = {k: v.copy() for k, v in arrays.items()}
    shape["weight_hh_l0"] = np.zeros((4, 4))
    transposed = {k: v.copy() for k, v in arrays.items()}
    transposed["out.weight"] = transposed["out.weight"].T.copy()
    gru_like = {k: v.copy() for k, v in arrays.items()}
    h = arrays["weight_hh_l0"].shape[1]
    gru_like["weight_ih_l0"] = np.zeros((3 * h, arrays["weight_ih_l0"].shape[1]))
    gru_like["weight_hh_l0"] = np.zeros((3 * h, h))
    scalar = {k: v.copy() for k, v in arrays.items()}
    scalar["bias_ih_l0"] = np.float64(1.0)
    missing = {k: v for k, v in arrays.items() if k != "out.bias"}
    extra = {**arrays, "weight_hh_l1": arrays["weight_hh_l0"]}
    strings = {k: v.copy() for k, v in arrays.items()}
    strings["out.bias"] = np.array(["a", "b"])
    objects = {k: v.copy() for k, v in arrays.items()}
    objects["out.bias"] = np.array([1.0, None], dtype=object)
    return {
        "nan": nan,
        "inf": inf,
        "minus-inf": neg_inf,
        "wrong-shape": shape,
        "transposed": transposed,
        "gru-weights": gru_like,
        "scalar": scalar,
        "missing-array": missing,
        "extra-layer": extra,
        "strings": strings,
        "object-array": objects,
        "not-a-zip": b"this is not an npz file\n",
        "empty-file": b"",
        "truncated": b"PK\x03\x04" + b"\x00" * 20,
    }


def write_npz(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with path.open("wb") as f:
            np.savez(f, **content)
    return path


FAULTS = list(broken_weights({k: np.zeros((3, 3)) for k in TORCH_KEYS}))


@pytest.mark.parametrize("fault", FAULTS)
def test_bad_weights_are_refused_by_export_trace_with_one_line(tmp_path, capsys, fault):
    lesson = write_lesson(tmp_path, "w.yaml")
    bad = write_npz(tmp_path / f"{fault}.npz", broken_weights(weights_for(lesson, tmp_path))[fault])
    capsys.readouterr()
    out = tmp_path / "trace.json"
    status = main([str(lesson), "--export-trace", str(out), "--weights", str(bad)])
    line = one_line(capsys.readouterr().err)
    assert status == 1, line
    assert line.startswith("error: ") and str(bad) in line, line
    assert not out.exists(), "nothing written"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left"
    words = {
        "nan": "NaN",
        "inf": "inf",
        "minus-inf": "inf",
        "wrong-shape": "weight_hh_l0",
        "transposed": "out.weight",
        "gru-weights": "gru",
        "missing-array": "missing out.bias",
        "extra-layer": "weight_hh_l1",
    }
    if fault in words:
        assert words[fault] in line, line


def test_good_weights_round_trip_and_the_window_does_not_ignore_them_silently(tmp_path, capsys):
    lesson = write_lesson(tmp_path, "w.yaml")
    arrays = weights_for(lesson, tmp_path)
    good = write_npz(tmp_path / "same.npz", arrays)
    out = tmp_path / "trace.json"
    assert main([str(lesson), "--export-trace", str(out), "--weights", str(good)]) == 0
    params = load_weights(good, "rnn", 2, 3)
    assert params.is_finite()
    again = tmp_path / "again.npz"
    save_weights(again, params)
    assert load_weights(again, "rnn", 2, 3) == params
    capsys.readouterr()
    # --weights anywhere else must not be dropped without a word: the window and the image
    # exports step through the lesson's own checkpoints.
    shot = tmp_path / "shot.png"
    status = main([str(lesson), "--screenshot", str(shot), "--weights", str(good)])
    line = one_line(capsys.readouterr().err)
    assert status == 2 and "--weights" in line, line
    assert not shot.exists()


def test_a_bad_weights_file_in_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    lesson = write_lesson(tmp_path, "w.yaml")
    arrays = weights_for(lesson, tmp_path)
    bad = write_npz(tmp_path / "nan.npz", broken_weights(arrays)["nan"])
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            str(lesson),
            "--export-trace",
            str(tmp_path / "t.json"),
            "--weights",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "NaN" in one_line(done.stderr)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), str(lesson), "--weights", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert done.returncode == 2 and "--weights" in one_line(done.stderr), "refused, not a window ignoring it"


# ----- a training run that blew up ------------------------------------------------------


def diverged(result: TrainResult) -> TrainResult:
    """A real training result, then as if the last update overflowed: the last checkpoint's
    weights hold NaN and inf and the result says where training stopped. (Real lessons
    cannot get there: the format caps the rate at 100, and tanh and the floored loss keep
    everything finite; this is the path the app takes if a future cell or optimizer can.)"""
    last = result.checkpoints[-1]
    flat = np.array(last.params.flat)
    flat[: flat.size // 2] = np.nan
    flat[flat.size // 2] = np.inf
    params = type(last.params)(last.params.cell, last.params.vocab_size, last.params.hidden_size, flat)
    broken = replace(last, name="last good", params=params.frozen())
    history = np.array(result.loss_history)
    history[len(history) // 2 :] = np.nan
    history.setflags(write=False)
    stop = len(history) // 2
    return TrainResult(
        (*result.checkpoints[:-1], broken),
        history,
        Divergence(stop, f"the loss became NaN or inf at iteration {stop}"),
        result.seconds,
    )


def break_training(monkeypatch) -> None:
    """Every lesson the app opens from now on trains for real and then blows up."""
    if hasattr(app_module, "training"):  # the app drives the training generator itself
        real = app_module.training

        def training(config, data):
            result = yield from real(config, data)
            return diverged(result)

        monkeypatch.setattr(app_module, "training", training)
    else:

        class Diverged(Session):
            @classmethod
            def open(cls, lesson):
                return cls(lesson, diverged(Session.open(lesson).result))

        monkeypatch.setattr(app_module, "Session", Diverged)


# Recording NaN weights makes numpy warn (invalid value in matmul) on the console; the
# window is what this test reads.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_a_diverged_training_is_shown_with_the_problem_and_nan_marked(tmp_path, monkeypatch):
    lesson = write_lesson(tmp_path, "blowup.yaml", iterations=50)
    break_training(monkeypatch)
    w = Window(lesson)
    app = w.app
    assert app.session is not None
    frame = app.frame()
    assert "Training stopped" in frame.problem and "NaN" in frame.problem
    assert any("Training stopped" in t.text for t in app.scene.tagged("caption-text")), "the caption says so"
    w.press("a", "t")  # the last checkpoint: NaN weights
    assert app.state.checkpoint == "last good"
    w.press("right", "right", "right", "right", "right")  # past h: values computed from NaN
    labels = [c.label for c in app.scene.of(Cell)]
    assert "NaN" in labels, "NaN cells say NaN"
    texts = w.texts()
    assert "NaN" in texts or any("NaN" in t for t in texts), "the timeline or caption marks NaN"
    walk_both_passes(w)
    w.press("i", "m", "d", "c", "r", "u", "v", "v", "v", "w", "n")
    assert app.running
