"""Golden screenshots of each look-inside panel on a built-in lesson: the whole frame is
rendered headless at 1920x1080 with three panels open, and the panel's own box is
compared with tests/golden/panel-NAME.png, as tests/test_window_golden.py does for
whole frames (same tolerance; references written only when RNN_STEPPER_GOLDEN=update)."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pygame
import pytest
from test_window_golden import CHANNEL_TOLERANCE, GOLDEN, MAX_DIFFERENT, load, save
from window_support import LESSONS

from stepper.app import App
from stepper.navigation import at_step

SIZE = (1920, 1080)
TRIO = ("heatmap", "gradients", "contributions")
#: panel -> (lesson, checkpoint, phase, op k, panels open)
CASES = {
    "heatmap": ("alternating.yaml", "trained", "forward", 45, TRIO),
    "gates": ("lstm-gates.yaml", "trained", "forward", 120, ("gates", "heatmap", "history")),
    "gradients": ("vanishing-gradients.yaml", "trained", "backward", 80, TRIO),
    "contributions": ("vanishing-gradients.yaml", "trained", "forward", 86, TRIO),
    "trajectory": ("one-one-zero.yaml", "trained", "backward", 0, ("heatmap", "trajectory", "responses")),
    "responses": ("hello.yaml", "trained", "forward", 30, ("heatmap", "trajectory", "responses")),
    "history": ("alternating.yaml", "learning", "backward", 30, ("history", "contributions", "gradients")),
}


def render_panel(name: str) -> np.ndarray:
    lesson, checkpoint, phase, k, panels = CASES[name]
    app = App(LESSONS / lesson, size=SIZE, headless=True)
    trace = app.session.trace(checkpoint)
    cursor = at_step(trace, phase, k)
    app.set_state(replace(app.state, checkpoint=checkpoint, cursor=cursor, animate=False, panels=panels))
    app.render()
    (layer,) = [layer for layer in app.scene.layers if layer.name == name]
    pixels = pygame.surfarray.array3d(app.surface).swapaxes(0, 1)
    return pixels[layer.y : layer.y + layer.h, layer.x : layer.x + layer.w].copy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_panel_golden(name):
    actual = render_panel(name)
    reference = GOLDEN / f"panel-{name}.png"
    if os.environ.get("RNN_STEPPER_GOLDEN") == "update":
        GOLDEN.mkdir(exist_ok=True)
        save(actual, reference)
        pytest.skip(f"wrote {reference}")
    assert reference.exists(), f"{reference} missing: run with RNN_STEPPER_GOLDEN=update to make it"
    expected = load(reference)
    assert expected.shape == actual.shape
    different = np.abs(expected.astype(int) - actual.astype(int)).max(axis=2) > CHANNEL_TOLERANCE
    share = float(different.mean())
    if share > MAX_DIFFERENT:
        save(actual, GOLDEN / f"panel-{name}.actual.png")
        marked = actual.copy()
        marked[different] = (255, 0, 255)
        save(np.concatenate([expected, actual, marked], axis=1), GOLDEN / f"panel-{name}.diff.png")
    assert share <= MAX_DIFFERENT, f"{share:.2%} of pixels differ; see panel-{name}.diff.png"
