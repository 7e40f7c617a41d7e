"""A lesson that trains for seconds must not freeze the window: it trains in slices between
frames, shows its progress, and Esc cancels it."""

from __future__ import annotations

import pygame
import pytest
from test_window_keys import press

from stepper import app as app_module
from stepper.app import App
from stepper.train import SLICE

LONG = """\
title: "Long training"
summary: Trains for a few seconds.
vocab: [a, b, c]
model: {cell: lstm, hidden_size: 16, init_scale: 0.1, seed: 1}
data: {pattern: [a, b, c, c]}
training:
  optimizer: adam
  learning_rate: 0.01
  iterations: 3000
  seq_length: 25
  clip: 5
  checkpoints: {untrained: 0, trained: 3000}
playback:
  sequence: [a, b, c, c, a]
"""


@pytest.fixture
def lesson(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(LONG, encoding="utf-8")
    return path


STEP_S = 0.01


class SteppedClock:
    """time.perf_counter that moves STEP_S a call: a time slice becomes a count of training
    slices, the same on any machine (the real times are the speed sheet's rows "window opens
    while training" and "frame while training", benchmarks/window_bench.py)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += STEP_S
        return self.now


def test_long_training_keeps_the_window_responsive_and_finishes(lesson, monkeypatch):
    monkeypatch.setattr(app_module.time, "perf_counter", SteppedClock())
    app = App(lesson, size=(1280, 720))
    assert app.opening is not None and app.session is None, "the window opens before training ends"
    app.render()
    most = (round(app_module.SLICE_SECONDS / STEP_S) + 1) * SLICE  # iterations one frame may train
    frames, done = 0, app.opening.done
    left = 3000 - done
    while app.opening is not None:
        assert any(getattr(i, "tag", "") == "progress" for i in app.scene.items)
        app.tick(0.016)
        app.render()
        frames += 1
        now = app.opening.done if app.opening is not None else 3000
        assert now - done <= most, f"a frame trained {now - done} iterations; a slice holds {most}"
        done = now
    assert frames >= left // most > 1
    assert app.session is not None and app.state.checkpoint == "untrained"
    pygame.display.quit()


def test_escape_cancels_training_and_the_app_keeps_running(lesson):
    app = App(lesson, size=(1280, 720))
    press(app, "escape")
    assert app.opening is None and app.session is None and app.running
    assert "cancelled" in app.message
    pygame.display.quit()


def test_headless_opens_in_one_go(lesson):
    app = App(lesson, size=(640, 360), headless=True)
    assert app.opening is None and app.session is not None
