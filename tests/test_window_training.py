"""A lesson that trains for seconds must not freeze the window: it trains in slices between
frames, shows its progress, and Esc cancels it."""

from __future__ import annotations

import time

import pygame
import pytest
from test_window_keys import press

from stepper.app import App

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


def test_long_training_keeps_the_window_responsive_and_finishes(lesson):
    started = time.perf_counter()
    app = App(lesson, size=(1280, 720))
    assert time.perf_counter() - started < 1.5, "the window opens before training ends"
    assert app.opening is not None and app.session is None
    app.render()
    assert any(getattr(i, "tag", "") == "progress" for i in app.scene.items)
    worst = 0.0
    while app.opening is not None:
        tick = time.perf_counter()
        app.tick(0.016)
        app.render()
        worst = max(worst, time.perf_counter() - tick)
    assert app.session is not None and app.state.checkpoint == "untrained"
    assert worst < 0.5, f"a frame took {worst:.2f} s while training"
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
