"""Golden screenshots of each look-inside panel on a built-in lesson: the panel is drawn
alone, with the bundled fonts, into the box it gets at 1920x1080 with three panels open,
and compared with tests/golden/panel-NAME.png as tests/test_window_golden.py compares
whole frames (same tolerance; references written only when RNN_STEPPER_GOLDEN=update).
A fixed box keeps these pictures about the panels, not about how the screen is laid out."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from test_window_golden import check_golden
from window_support import THEME, fonts, frame_at, measure

from stepper.render import draw_items
from stepper.views.frame import Box
from stepper.views.panels import PANELS

BOX = Box(0, 0, 626, 294)  # one of three panels at 1920x1080
#: panel -> (lesson, checkpoint, phase, op k)
CASES = {
    "heatmap": ("alternating.yaml", "trained", "forward", 45),
    "gates": ("lstm-gates.yaml", "trained", "forward", 120),
    "gradients": ("vanishing-gradients.yaml", "trained", "backward", 80),
    "contributions": ("vanishing-gradients.yaml", "trained", "forward", 86),
    "trajectory": ("one-one-zero.yaml", "trained", "backward", 0),
    "responses": ("hello.yaml", "trained", "forward", 30),
    "history": ("alternating.yaml", "learning", "backward", 30),
}


def render_panel(name: str) -> np.ndarray:
    lesson, checkpoint, phase, k = CASES[name]
    frame = frame_at(lesson, phase, k, checkpoint=checkpoint, panels=(name,))
    surface = pygame.Surface((BOX.w, BOX.h))
    draw_items(tuple(PANELS[name](frame, BOX, THEME, measure)), surface, fonts())
    return pygame.surfarray.array3d(surface).swapaxes(0, 1).copy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_panel_golden(name):
    check_golden(f"panel-{name}", render_panel(name))
