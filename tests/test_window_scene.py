"""Scene-level tests: what the views draw, read from the display list, no pixels."""

from __future__ import annotations

import numpy as np
import pytest
from window_support import BY_CELL, THEME, frame_at, measure

from stepper.scene import Cell, Line, Rect, Text
from stepper.state import Hover
from stepper.theme import MIN_TEXT_PX
from stepper.trace import BACKWARD, FORWARD
from stepper.views.diagram import value_scales
from stepper.views.screen import build_screen

SIZES = ((1280, 720), (1920, 1080))
PLACES = [(cell, phase, k) for cell in BY_CELL for phase in (FORWARD, BACKWARD) for k in (0, 5, 17)]


def scene_of(frame, size=(1920, 1080)):
    return build_screen(frame, size[0], size[1], THEME, measure)


def text_box(item: Text) -> tuple[float, float, float, float]:
    w = measure(item.text, item.size, item.font, item.bold)
    h = item.size * 1.2
    x = {"left": item.x, "mid": item.x - w / 2, "right": item.x - w}
    y = {"top": item.y, "mid": item.y - h / 2, "bottom": item.y - h}
    horizontal = (
        "mid" if item.anchor in ("center", "midtop") else ("right" if "right" in item.anchor else "left")
    )
    if item.anchor in ("center", "midleft", "midright"):
        vertical = "mid"
    elif item.anchor.startswith("bottom"):
        vertical = "bottom"
    else:
        vertical = "top"
    return x[horizontal], y[vertical], w, h


@pytest.mark.parametrize("cell,phase,k", PLACES)
def test_lit_line_is_the_steps_line(cell, phase, k):
    frame = frame_at(BY_CELL[cell], phase, k)
    scene = scene_of(frame)
    (lit,) = scene.tagged("lit-line")
    (code,) = scene.tagged(f"code:{frame.step.line}")
    assert lit.y <= code.y < lit.y + lit.h
    listing = frame.trace.listing(phase)
    assert code.text == listing.lines[frame.step.line].source


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("cell,phase,k", PLACES)
def test_text_is_large_enough_and_everything_fits(cell, phase, k, size):
    frame = frame_at(BY_CELL[cell], phase, k, numbers=True)
    scene = scene_of(frame, size)
    w, h = size
    for item in scene.items:
        if isinstance(item, Text) and item.text:
            assert item.size >= MIN_TEXT_PX, item
            x, y, tw, th = text_box(item)
            assert x >= -1 and y >= -1 and x + tw <= w + 1 and y + th <= h + 2, item
        elif isinstance(item, Cell):
            assert item.label_size >= MIN_TEXT_PX
            if item.label:
                assert measure(item.label, item.label_size) <= item.w, item
            assert item.x >= 0 and item.x + item.w <= w and item.y >= 0 and item.y + item.h <= h, item
        elif isinstance(item, Rect):
            assert item.x >= -4 and item.x + item.w <= w + 4 and item.y >= -4 and item.y + item.h <= h + 4, (
                item
            )
        elif isinstance(item, Line):
            for x, y in ((item.x1, item.y1), (item.x2, item.y2)):
                assert 0 <= x <= w and 0 <= y <= h, item


def test_negative_weight_gets_the_negative_colour():
    frame = frame_at("alternating.yaml", FORWARD, 2)
    scene = scene_of(frame)
    scale = value_scales(frame.trace)["Whh"]
    weights = [c for c in scene.of(Cell) if c.name == "Whh"]
    assert len(weights) == frame.trace.hidden_size**2
    negatives = [c for c in weights if c.value < 0]
    positives = [c for c in weights if c.value > 0]
    assert negatives and positives
    for c in weights:
        i, j = c.index
        assert c.value == frame.trace.params["Whh"][i, j]
        assert c.fill == THEME.diverging(c.value, scale)
    for c in negatives:
        assert c.fill[2] > c.fill[0], "negative weights are blue"
    for c in positives:
        assert c.fill[0] > c.fill[2], "positive weights are orange"


@pytest.mark.parametrize("t", [0, 1, 3])
def test_softmax_bars_show_the_steps_values(t):
    s_frame = frame_at("alternating.yaml")
    trace = s_frame.trace
    ops = [line.op for line in trace.forward_code.ops]
    k = t * len(ops) + ops.index("p")
    frame = frame_at("alternating.yaml", FORWARD, k)
    scene = scene_of(frame)
    p = trace.summary["p"][t]
    for symbol in range(len(trace.vocab)):
        (pct,) = scene.tagged(f"pct:{symbol}")
        assert pct.text == f"{100 * p[symbol]:.1f}%"
        (bar,) = scene.tagged(f"bar:{symbol}")
        (background,) = [r for r in scene.tagged("bar-bg") if r.y == bar.y]
        assert bar.w == pytest.approx(background.w * p[symbol], abs=1)


def test_values_not_computed_yet_are_blank():
    frame = frame_at("alternating.yaml", FORWARD, 1)  # op xh of t = 0: h is not known yet
    scene = scene_of(frame)
    h_cells = [c for c in scene.of(Cell) if c.name == "h"]
    assert h_cells and all(c.value is None and c.label == "" for c in h_cells)
    xh_cells = [c for c in scene.of(Cell) if c.name == "xh"]
    assert [c.value for c in xh_cells] == list(frame.step.output)


def test_current_op_operands_outlined_and_arrow_to_result():
    frame = frame_at("alternating.yaml", FORWARD, 3)  # a = xh + hh + bh
    scene = scene_of(frame)
    assert frame.step.op == "a"
    for name in ("xh", "hh", "bh"):
        assert scene.tagged(f"operand:{name}")
        assert any(isinstance(i, Line) and i.arrow for i in scene.tagged(f"arrow:{name}"))
    assert scene.tagged("result:a")


def test_hover_cell_lights_code_token_and_connections():
    frame = frame_at("alternating.yaml", FORWARD, 2, hover=Hover("cell", "Whh", (0, 1)))
    scene = scene_of(frame)
    assert scene.tagged("token-lit:Whh"), "the code token of the hovered matrix is lit"
    assert len(scene.tagged("hover-link")) == 2  # h_prev[1] -> Whh[0, 1] -> hh[0]


def test_hover_code_token_lights_its_cells():
    frame = frame_at("alternating.yaml", FORWARD, 2, hover=Hover("token", "Wxh"))
    scene = scene_of(frame)
    (ring,) = scene.tagged("hover:Wxh")
    cells = [c for c in scene.of(Cell) if c.name == "Wxh"]
    assert all(ring.x <= c.x and c.x + c.w <= ring.x + ring.w for c in cells)


def test_code_tokens_are_hotspots_that_map_to_cells():
    frame = frame_at("alternating.yaml", FORWARD, 2)
    scene = scene_of(frame)
    (code,) = scene.tagged(f"code:{frame.step.line}")
    token = scene.hit(code.x + measure("    hh = ", code.size, "mono") + 2, code.y + 4)
    assert token is not None and token.kind == "token" and token.key == "Whh"


def test_backward_shows_gradients_equal_to_the_trace():
    trace = frame_at("alternating.yaml").trace
    ops = [line.op for line in trace.backward_code.ops]
    k = ops.index("dh")  # first backward timestep is t = T-1
    frame = frame_at("alternating.yaml", BACKWARD, k)
    scene = scene_of(frame)
    dh = [c.value for c in sorted((c for c in scene.of(Cell) if c.name == "dh"), key=lambda c: c.index)]
    np.testing.assert_array_equal(dh, frame.step.output)
    assert scene.tagged("result:dh")


def test_numbers_line_substitutes_operand_values():
    frame = frame_at("alternating.yaml", FORWARD, 4, numbers=True)  # h = tanh(a)
    scene = scene_of(frame)
    text = " ".join(t.text for t in scene.tagged("numbers-line"))
    a = dict(frame.step.inputs)["a"]
    assert text.startswith("h = tanh([")
    assert f"{a[0]:.2f}" in text and f"{frame.step.output[0]:.2f}" in text


def test_status_bar_says_where_we_are():
    frame = frame_at("alternating.yaml", BACKWARD, 3)
    scene = scene_of(frame)
    (status,) = scene.tagged("status-text")
    n = len(frame.trace.phase_range(BACKWARD))
    assert f"step 4 of {n}" in status.text and "backward" in status.text
    assert frame.state.checkpoint in status.text


def test_small_window_collapses_panels_instead_of_overflowing():
    frame = frame_at("gru-gates.yaml", FORWARD, 3)
    scene = build_screen(frame, 640, 360, THEME.zoomed(2.0), measure)
    assert scene.tagged("collapsed:diagram") or scene.tagged("collapsed:code")


def test_weight_changes_view_colours_each_weight_by_its_change():
    from dataclasses import replace

    from window_support import session

    base = frame_at("alternating.yaml", FORWARD, 2)
    s = session("alternating.yaml")
    baseline = s.trace(s.checkpoint_names[0])
    frame = replace(base, state=replace(base.state, weight_changes=True), baseline=baseline)
    scene = scene_of(frame)
    cells = [c for c in scene.of(Cell) if c.name == "Whh"]
    change = frame.trace.params["Whh"] - baseline.params["Whh"]
    assert sorted(c.value for c in cells) == sorted(change.ravel().tolist())
    assert any(t.text.startswith("ΔWhh") for t in scene.tagged("label:Whh"))


def test_pointing_at_a_weight_shows_its_exact_value_and_gradient():
    value = float(frame_at("alternating.yaml").trace.params["Whh"][0, 1])
    frame = frame_at("alternating.yaml", FORWARD, 2, hover=Hover("cell", "Whh", (0, 1), (400, 300), value))
    scene = scene_of(frame)
    texts = [t.text for t in scene.tagged("tooltip-text")]
    grad = frame.trace.grads["Whh"][0, 1]
    assert texts[0] == f"Whh[0, 1] = {value:.6g}"
    assert texts[1].startswith(f"dL/dWhh[0, 1] = {grad:.6g}")
    (box,) = scene.tagged("tooltip")
    assert box.x > 400 and box.y > 300, "beside the pointer"


def test_numbers_line_fills_in_the_loop_bookkeeping_too():
    frame = frame_at("alternating.yaml", FORWARD, 0, numbers=True)  # x = one_hot(inputs[t], V)
    scene = scene_of(frame)
    text = " ".join(t.text for t in scene.tagged("numbers-line"))
    assert text.startswith(f"x = one_hot({frame.trace.inputs[0]}, {len(frame.trace.vocab)})")
