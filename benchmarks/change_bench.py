"""Change it and see: an edit (a weight, or a typed sequence) to its new frame on screen, and
live training's frame rate and iterations per second, through the app's own commands."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from stepper import places
from stepper.app import App
from stepper.commands import Command
from stepper.symbols import written

ROOT = Path(__file__).resolve().parent.parent
FRAME_MS = 1000 / 60
BIG_EDIT_MS = 100.0
LIVE_FPS, LIVE_ITERATIONS = 30.0, 1000.0
SIZE = (1280, 720)
EDITS = 15

BIG_LSTM = """\
title: "LSTM, hidden 64, 1000 steps (benchmark)"
summary: The largest model and playback a lesson may have.
vocab: [a, b, c, d]
model: {cell: lstm, hidden_size: 64, seed: 1, init_scale: 0.1}
data: {text: abcdabdc}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 4
  checkpoints: {untrained: 0, trained: 4}
playback:
  sequence: "%s"
"""


def _row(name: str, value: float | None, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, **extra}


def _app(path: Path) -> App:
    app = App(path, size=SIZE, headless=True)
    app.render()
    return app


def _edit_ms(app: App, kind: str) -> float:
    """Median time from an edit's command to its new frame drawn; every edit a new value
    (a nudge of a weight, or another first symbol), so nothing comes from a cache."""
    times = []
    trace = app.trace_of(app.state)
    name = next(iter(trace.params))
    index = (0,) * trace.params[name].ndim
    vocab = app.session.lesson.vocab
    played = app.state.sequence or app.session.lesson.playback
    if kind == "weight":
        app.set_state(replace(app.state, mode="weight", selected=(name, index)))
        app.render()
    for k in range(EDITS):
        if kind == "sequence":
            varied = list(played)
            varied[k % len(varied)] = (varied[k % len(varied)] + 1) % len(vocab)  # a new sequence
            if k % 2:
                varied.append(played[-1])  # a new length too
            app.set_state(places.open_entry(app.state, "sequence", written(varied, vocab)))
            app.render()
        start = time.perf_counter()
        app.command(Command.NUDGE_UP if kind == "weight" else Command.ENTRY_ACCEPT)
        app.render()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def edit_to_frame() -> list[dict[str, Any]]:
    rows = []
    for path in sorted((ROOT / "lessons").glob("*.yaml")):
        app = _app(path)
        for kind in ("weight", "sequence"):
            ms = _edit_ms(app, kind)
            rows.append(
                _row(
                    f"{kind} edit to frame, {path.stem} (median)",
                    ms,
                    "ms",
                    target=f"<= {FRAME_MS:.1f} ms",
                    passed=ms <= FRAME_MS,
                    key=f"edit_to_frame_ms.{kind}.{path.stem}",
                )
            )
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big-lstm.yaml"
        big.write_text(BIG_LSTM % ("abcd" * 250 + "a"), encoding="utf-8")
        app = _app(big)
        ms = _edit_ms(app, "weight")
        rows.append(
            _row(
                "weight edit to frame, LSTM hidden 64, 1000 steps (median)",
                ms,
                "ms",
                target=f"<= {BIG_EDIT_MS:g} ms",
                passed=ms <= BIG_EDIT_MS,
                key="edit_to_frame_ms.weight.lstm64x1000",
                note="the forward and backward passes are recorded lazily (stepper/lazy.py): an "
                "edit replays the listings at every step (their own float operations, a step at "
                "a time only where a value feeds the next), adds up the weight gradients' running "
                "sums in the listing's order, and records line by line only the blocks the frame "
                "draws; the update pass (and the gradient's running sums) when first read",
            )
        )
    return rows


def live_training() -> list[dict[str, Any]]:
    """One second of live training per lesson, as the window runs it: a slice, then a frame."""
    rows = []
    for path in sorted((ROOT / "lessons").glob("*.yaml")):
        app = _app(path)
        app.headless = False  # train by time per frame, as on screen (nothing is flipped)
        app.command(Command.TRAIN_LIVE)
        first = app.live.iteration
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            app.tick(1 / 60)
            app.layers.draw(app.build(), app.surface, app.fonts)
            frames += 1
        seconds = time.perf_counter() - start
        fps, per_second = frames / seconds, (app.live.iteration - first) / seconds
        rows.append(
            _row(
                f"live training, {path.stem}: frames",
                fps,
                "/s",
                target=f">= {LIVE_FPS:g}/s",
                passed=fps >= LIVE_FPS,
                key=f"live_fps.{path.stem}",
            )
        )
        rows.append(
            _row(
                f"live training, {path.stem}: iterations",
                per_second,
                "/s",
                target=f">= {LIVE_ITERATIONS:,.0f}/s",
                passed=per_second >= LIVE_ITERATIONS,
                key=f"live_iterations_per_s.{path.stem}",
            )
        )
    return rows


SECTIONS = {"edit_to_frame": edit_to_frame, "live_training": live_training}
