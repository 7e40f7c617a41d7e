"""Every panel fits and stays legible: three panels open at 1280x720 and 1920x1080 on the
rnn, gru and lstm lessons, in small boxes, and with NaN values; never an exception."""

from __future__ import annotations

import numpy as np
import pytest
from test_window_scene import text_box
from window_support import BY_CELL, THEME, frame_at, measure, session

from stepper.navigation import at_step
from stepper.params import init_params
from stepper.record import record
from stepper.scene import Cell, Hotspot, Line, Rect, Text
from stepper.state import ViewState
from stepper.theme import MIN_TEXT_PX
from stepper.trace import BACKWARD, FORWARD
from stepper.views.code import code_width
from stepper.views.frame import Box, Frame
from stepper.views.panels import PANELS
from stepper.views.screen import build_screen, regions

THREE = [
    ("heatmap", "gradients", "contributions"),
    ("gates", "trajectory", "responses"),
    ("history", "heatmap", "gates"),
    ("trajectory", "responses", "history"),
]
SIZES = ((1280, 720), (1920, 1080))


def assert_inside(items, box: Box, slack: int = 1, min_text: int = MIN_TEXT_PX) -> None:
    """Every primitive inside `box`, every text at least 16 px (at zoom 1), every cell label fits."""
    for item in items:
        if isinstance(item, Text):
            if not item.text:
                continue
            assert item.size >= min_text, item
            x, y, w, h = text_box(item)
            assert box.x - slack <= x and x + w <= box.right + slack, item
            assert box.y - slack <= y and y + h <= box.bottom + 2 + slack, item
        elif isinstance(item, (Cell, Rect, Hotspot)):
            assert box.x - slack <= item.x and item.x + item.w <= box.right + slack, item
            assert box.y - slack <= item.y and item.y + item.h <= box.bottom + slack, item
            if isinstance(item, Cell):
                assert item.label_size >= min_text
                if item.label:
                    assert measure(item.label, item.label_size) <= item.w, item
        elif isinstance(item, Line):
            for x, y in ((item.x1, item.y1), (item.x2, item.y2)):
                assert box.x - slack <= x <= box.right + slack and box.y - slack <= y <= box.bottom + slack, (
                    item
                )


def assert_paints_its_box(items, box: Box) -> None:
    first = items[0]
    assert isinstance(first, Rect) and first.fill is not None
    assert (first.x, first.y, first.w, first.h) == (box.x, box.y, box.w, box.h)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("names", THREE)
@pytest.mark.parametrize("cell", sorted(BY_CELL))
@pytest.mark.parametrize("phase,k", [(FORWARD, 13), (BACKWARD, 40)])
def test_three_panels_fit_their_boxes(cell, names, size, phase, k):
    """Built into the boxes the screen gives them, whether or not the screen shows them."""
    frame = frame_at(BY_CELL[cell], phase, k, panels=names)
    boxes = regions(size[0], size[1], THEME, code_width(frame, THEME, measure), names)
    for name in names:
        items = PANELS[name](frame, boxes[name], THEME, measure)
        assert_paints_its_box(items, boxes[name])
        assert_inside(items, boxes[name])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("names", THREE)
@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_whole_screen_with_three_panels_stays_on_the_canvas(cell, names, size):
    frame = frame_at(BY_CELL[cell], BACKWARD, 25, panels=names)
    scene = build_screen(frame, size[0], size[1], THEME, measure)
    assert_inside(scene.items, Box(0, 0, *size), slack=4)
    shown = {layer.name for layer in scene.layers}
    named = {r.tag.removeprefix("collapsed:") for r in scene.of(Rect) if r.tag.startswith("collapsed:")}
    assert set(names) <= shown | named  # drawn, or named on the line of panels with no room


@pytest.mark.parametrize(
    "box", [Box(0, 0, 320, 180), Box(5, 5, 260, 120), Box(0, 0, 200, 70), Box(0, 0, 900, 600)]
)
@pytest.mark.parametrize("name", sorted(PANELS))
@pytest.mark.parametrize("lesson", ["vanishing-gradients.yaml", "lstm-gates.yaml"])
def test_small_and_large_boxes_degrade_without_overflow(lesson, name, box):
    frame = frame_at(lesson, BACKWARD, 30, panels=(name,))
    items = PANELS[name](frame, box, THEME, measure)
    assert_paints_its_box(items, box)
    assert_inside(items, box)
    assert any(isinstance(i, Text) and i.tag == f"title:{name}" for i in items)


def _frame_of(trace) -> Frame:
    lesson = session("alternating.yaml").lesson
    state = ViewState(checkpoint="bad", cursor=at_step(trace, BACKWARD, 10**6), animate=False)
    history = np.array([0.7, 0.5, np.nan, np.inf])
    return Frame(state, lesson, trace, 3, ("bad",), loss_history=history, marks=(("bad", 3),), baseline=trace)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_nan_values_are_drawn_marked_not_raised(cell):
    params = init_params(cell, 2, 3, 0.5, 1)
    params.flat[:4] = np.nan
    with np.errstate(all="ignore"):
        trace = record(params, ("0", "1"), [0, 1, 0, 1], [1, 0, 1, 0])
    frame = _frame_of(trace)
    box = Box(0, 0, 626, 294)
    for name, build in PANELS.items():
        items = build(frame, box, THEME, measure)
        assert_inside(items, box)
        marked = [i for i in items if isinstance(i, Cell) and i.tag == "nan"]
        if name in ("heatmap", "gradients", "contributions", "responses"):
            assert marked, name
            assert all(c.fill == THEME.faint for c in marked)


def test_a_sequence_of_one_step():
    params = init_params("gru", 2, 3, 0.5, 1)
    frame = _frame_of(record(params, ("0", "1"), [0], [1]))
    box = Box(0, 0, 413, 157)
    for build in PANELS.values():
        assert_inside(build(frame, box, THEME, measure), box)
