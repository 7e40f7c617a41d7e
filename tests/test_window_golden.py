"""Golden screenshots: a few frames rendered headless with the bundled fonts and compared
with references in tests/golden/ under a tolerance. References are written only when
RNN_STEPPER_GOLDEN=update; a failure writes NAME.actual.png and a side-by-side
NAME.diff.png (reference | actual | differences in magenta) next to the reference."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame
import pytest
from window_support import LESSONS

from stepper.app import App
from stepper.navigation import at_step

GOLDEN = Path(__file__).parent / "golden"
SIZE = (1280, 720)
CHANNEL_TOLERANCE = 48  # antialiasing may differ a little between SDL/FreeType builds
MAX_DIFFERENT = 0.004  # share of pixels allowed to differ by more than that

CASES = {
    "alternating-forward": ("alternating.yaml", "trained", "forward", 4, ""),
    "alternating-backward": ("alternating.yaml", "trained", "backward", 12, ""),
    "gru-untrained": ("gru-gates.yaml", "untrained", "forward", 9, ""),
    "lstm-backward": ("lstm-gates.yaml", "trained", "backward", 20, ""),
    "help-overlay": ("alternating.yaml", "trained", "forward", 0, "help"),
}


def render(lesson: str, checkpoint: str, phase: str, k: int, overlay: str) -> np.ndarray:
    app = App(LESSONS / lesson, size=SIZE, headless=True)
    trace = app.session.trace(checkpoint)
    cursor = at_step(trace, phase, k)
    # Panels have goldens of their own: these frames pin the diagram, code and bars.
    app.set_state(
        replace(app.state, checkpoint=checkpoint, cursor=cursor, overlay=overlay, animate=False, panels=())
    )
    app.render()
    return pygame.surfarray.array3d(app.surface).swapaxes(0, 1).copy()


def save(pixels: np.ndarray, path: Path) -> None:
    pygame.image.save(pygame.surfarray.make_surface(pixels.swapaxes(0, 1)), str(path))


def load(path: Path) -> np.ndarray:
    return pygame.surfarray.array3d(pygame.image.load(str(path))).swapaxes(0, 1).copy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    check_golden(name, render(*CASES[name]))


def check_golden(name: str, actual: np.ndarray) -> None:
    """Compare with tests/golden/NAME.png (or write it when asked); on failure write
    NAME.actual.png and the side-by-side NAME.diff.png."""
    reference = GOLDEN / f"{name}.png"
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
        save(actual, GOLDEN / f"{name}.actual.png")
        marked = actual.copy()
        marked[different] = (255, 0, 255)
        save(np.concatenate([expected, actual, marked], axis=1), GOLDEN / f"{name}.diff.png")
    assert share <= MAX_DIFFERENT, f"{share:.2%} of pixels differ; see {name}.diff.png"


def test_golden_compare_can_fail():
    """The tolerance is tight enough to catch a moved step."""
    a = render(*CASES["alternating-forward"])
    b = render("alternating.yaml", "trained", "forward", 5, "")
    different = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > CHANNEL_TOLERANCE
    assert different.mean() > MAX_DIFFERENT
