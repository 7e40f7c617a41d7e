"""Side by side: what V cycles through, and that the two frames move together."""

from __future__ import annotations

from dataclasses import replace

import pygame
import pytest
from test_window_keys import press
from window_support import LESSONS

from stepper.app import App, varied_sequence
from stepper.scene import Cell, Text
from stepper.trace import FORWARD


@pytest.fixture
def app():
    a = App(LESSONS / "gru-gates.yaml", size=(1920, 1080))
    a.set_state(replace(a.state, panels=()))  # the lesson may open some; start from none
    a.render()
    yield a
    pygame.display.quit()


def diagram_cells(scene, layer_name):
    (layer,) = [layer for layer in scene.layers if layer.name == layer_name]
    return layer, [i for i in layer.items if isinstance(i, Cell)]


def test_v_cycles_checkpoints_cells_sequences_then_closes(app):
    assert app.session.lesson.compare_cell, "gru-gates names a comparison cell"
    seen = []
    for _ in range(3):
        press(app, "v")
        assert "compare" in app.state.panels
        seen.append(app.state.compare)
    assert seen == ["checkpoints", "cells", "sequences"]
    press(app, "v")
    assert "compare" not in app.state.panels


def test_checkpoints_side_by_side_untrained_left_and_cursors_move_together(app):
    press(app, "t", "v", "right", "right", "down")
    frame = app.frame()
    assert frame.partner is not None and frame.partner.state.checkpoint == app.session.checkpoint_names[0]
    left, _ = diagram_cells(app.scene, "diagram-b")
    right, _ = diagram_cells(app.scene, "diagram")
    assert left.x < right.x, "the earlier checkpoint is drawn on the left"
    assert frame.partner.cursor == frame.cursor, "same trace shape: the very same op"
    assert not [layer for layer in app.scene.layers if layer.name == "code"]
    titles = [i.text for i in left.items if isinstance(i, Text) and "iteration 0" in i.text]
    assert titles


def test_cells_side_by_side_keeps_the_op_where_both_cells_have_it(app):
    press(app, "v", "v")
    assert app.state.compare == "cells"
    trace = app.session.trace(app.state.checkpoint)
    ops = [line.op for line in trace.forward_code.ops]
    for _ in range(ops.index("h")):
        press(app, "right")
    frame = app.frame()
    assert frame.step.op == "h"
    assert frame.partner.trace.cell == "rnn" and frame.partner.step.op == "h"
    assert frame.partner.step.t == frame.step.t
    press(app, "down")
    assert app.frame().partner.step.t == 1


def test_sequences_side_by_side_differ_only_in_the_first_input(app):
    press(app, "v", "v", "v")
    frame = app.frame()
    ours, theirs = frame.trace.inputs, frame.partner.trace.inputs
    assert ours[1:] == theirs[1:] and ours[0] != theirs[0]
    assert varied_sequence((0, 1, 1), 2) == (1, 1, 1)
    assert frame.partner.cursor.phase == FORWARD


def test_compare_from_the_command_line_panels(tmp_path):
    from stepper.cli import main

    out = tmp_path / "side.png"
    assert (
        main(
            [
                str(LESSONS / "alternating.yaml"),
                "--screenshot",
                str(out),
                "--panels",
                "compare",
                "--size",
                "1280x720",
            ]
        )
        == 0
    )
    assert out.exists()


# ----- the compare cell trains in slices, with progress, and Esc cancels -------------------


@pytest.fixture
def slow_compare(monkeypatch):
    """gru-gates with nothing trained at once: every slice of the compare training is seen."""
    from stepper import app as app_module

    a = App(LESSONS / "gru-gates.yaml", size=(1920, 1080))
    monkeypatch.setattr(app_module, "OPEN_AT_ONCE_SECONDS", 0.0)
    monkeypatch.setattr(app_module, "SLICE_SECONDS", 1e-4)  # a slice or two of 16 iterations a tick
    a.set_state(replace(a.state, panels=()))
    a.render()
    yield a
    pygame.display.quit()


def diagram_title(app) -> str:
    (layer,) = [layer for layer in app.scene.layers if layer.name == "diagram"]
    return next(i.text for i in layer.items if isinstance(i, Text))


def test_the_compare_cell_trains_between_frames_with_progress(slow_compare):
    app = slow_compare
    press(app, "v", "v")
    assert app.state.compare == "cells" and app.frame().partner is None, "not trained inside the draw"
    assert "training the vanilla RNN" in diagram_title(app) and "Esc cancels" in diagram_title(app)
    total = app.session.lesson.training.iterations
    seen = []
    for _ in range(10_000):
        app.tick(0.016)
        if app.frame().partner is not None:
            break
        seen.append(app._compare_opening.done)
        press(app, "right")  # the window answers keys while it trains
    frame = app.frame()
    assert frame.partner is not None and frame.partner.trace.cell == "rnn"
    assert seen == sorted(seen) and len(set(seen)) > 1 and seen[-1] <= total + 16
    app.render()
    assert "training the" not in diagram_title(app)


def test_esc_cancels_the_compare_training_and_the_window_goes_on(slow_compare):
    app = slow_compare
    press(app, "v", "v")
    app.tick(0.016)
    assert app._compare_opening is not None
    press(app, "escape")
    assert app.running and "compare" not in app.state.panels
    assert "cancelled" in app.state.message and app._compare_opening is None
    press(app, "right", "v")  # side by side opens again, on checkpoints
    assert app.state.compare == "checkpoints" and app.frame().partner is not None
    press(app, "v")
    assert app.state.compare == "cells" and app._compare_opening is not None, "training starts over"
    press(app, "v")  # moving on to sequences: the training is dropped at the next tick
    app.tick(0.016)
    assert app._compare_opening is None and app.frame().partner is not None
