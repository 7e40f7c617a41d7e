"""Golden screenshots of the update and sample passes at 1280x720 and 1920x1080 (see
test_window_golden.py for how references are written and compared)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pygame
import pytest
from test_window_golden import check_golden
from window_support import LESSONS

from stepper.app import App
from stepper.navigation import Cursor
from stepper.passes.sample import SampleSettings
from stepper.trace import SAMPLE, UPDATE

SIZES = {"720": (1280, 720), "1080": (1920, 1080)}
#: name -> (lesson, pass, op the cursor stands on (its last occurrence), sample settings)
CASES = {
    "update-adagrad": ("hello.yaml", UPDATE, "W", None),
    "update-adam": ("gru-gates.yaml", UPDATE, "m_hat", None),
    "sample-draw": ("hello.yaml", SAMPLE, "s", SampleSettings(12, 1.0, 3, None)),
}


def render(lesson: str, phase: str, op: str, sample: SampleSettings | None, size) -> np.ndarray:
    app = App(LESSONS / lesson, size=size, headless=True)
    names = app.session.checkpoint_names
    state = replace(app.state, checkpoint=names[-1], sample=sample, animate=False, panels=())
    trace = app.trace_of(state)
    span = trace.phase_range(phase)
    index = [i for i in span if trace.steps[i].op == op][min(4, len(span) - 1) if phase == SAMPLE else 1]
    app.set_state(replace(state, cursor=Cursor(phase, index)))
    app.render()
    return pygame.surfarray.array3d(app.surface).swapaxes(0, 1).copy()


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name, size):
    check_golden(f"{name}-{size}", render(*CASES[name], SIZES[size]))
