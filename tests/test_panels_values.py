"""The look-inside panels draw the engine's numbers: read back from the display list
(cell values, colours, bar heights, point positions) and checked against the trace
or against oracles computed here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_panels_analysis import finite_difference_norms
from window_support import BY_CELL, THEME, frame_at, measure

from stepper.lesson.model import PANEL_NAMES
from stepper.scene import Cell, Raster, Rect, Text
from stepper.state import Hover
from stepper.theme import mix
from stepper.trace import BACKWARD, FORWARD
from stepper.views.code import code_width
from stepper.views.diagram import value_scales
from stepper.views.panels import PANELS
from stepper.views.panels.common import number
from stepper.views.screen import build_screen, regions

SIZE = (1920, 1080)


def panel(frame, name: str, size=SIZE) -> list:
    """The items of one panel's layer on the whole screen."""
    scene = build_screen(frame, size[0], size[1], THEME, measure)
    (layer,) = [layer for layer in scene.layers if layer.name == name]
    return list(layer.items)


def cells(items, name: str) -> list[Cell]:
    return [i for i in items if isinstance(i, Cell) and i.name == name]


def tagged(items, tag: str) -> list:
    return [i for i in items if getattr(i, "tag", "") == tag]


def last_op_of(trace, phase: str, t: int, op: str) -> int:
    """The cursor position k (within the pass) of `op` at timestep t."""
    span = trace.phase_range(phase)
    return next(i for i in trace.timestep_range(phase, t) if trace.steps[i].op == op) - span.start


def invert_diverging(fill, scale: float) -> float:
    """The value a diverging colour stands for, from the channel that changes most."""
    for end, sign in ((THEME.positive, 1.0), (THEME.negative, -1.0)):
        c = max(range(3), key=lambda k: abs(end[k] - THEME.neutral[k]))
        share = (fill[c] - THEME.neutral[c]) / (end[c] - THEME.neutral[c])
        if 0 <= share <= 1 and all(
            abs(a - b) <= 1 for a, b in zip(mix(THEME.neutral, end, share), fill, strict=True)
        ):
            return sign * share * scale
    raise AssertionError(f"{fill} is not on the diverging scale")


def test_the_registry_has_the_seven_panels():
    assert set(PANELS) == {
        "heatmap",
        "gates",
        "gradients",
        "contributions",
        "trajectory",
        "responses",
        "history",
    }
    assert set(PANELS) <= set(PANEL_NAMES)


@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_heatmap_cells_are_the_hidden_states_and_their_colours_map_back(cell):
    frame = frame_at(BY_CELL[cell], BACKWARD, 0, panels=("heatmap",))
    trace = frame.trace
    h = np.asarray(trace.summary["h"])
    scale = value_scales(trace)["h"]
    drawn = cells(panel(frame, "heatmap"), "heatmap:h")
    assert len(drawn) == trace.hidden_size * trace.length
    for c in drawn:
        u, t = c.index
        assert c.value == h[t, u]
        assert c.fill == THEME.diverging(c.value, scale)
        assert invert_diverging(c.fill, scale) == pytest.approx(c.value, abs=0.005 * scale)


def test_heatmap_fills_in_as_the_forward_pass_computes_h():
    trace = frame_at("alternating.yaml").trace
    t = 3
    before = frame_at(
        "alternating.yaml", FORWARD, last_op_of(trace, FORWARD, t, "h") - 1, panels=("heatmap",)
    )
    after = frame_at("alternating.yaml", FORWARD, last_op_of(trace, FORWARD, t, "h"), panels=("heatmap",))
    for frame, columns in ((before, t), (after, t + 1)):
        drawn = cells(panel(frame, "heatmap"), "heatmap:h")
        assert {c.index[1] for c in drawn if c.value is not None} == set(range(columns))
        assert all(c.label == "" for c in drawn if c.value is None)


def test_heatmap_change_strip_and_marker():
    frame = frame_at("one-one-zero.yaml", BACKWARD, 0, panels=("heatmap",))
    trace = frame.trace
    items = panel(frame, "heatmap")
    h = np.vstack([np.zeros(trace.hidden_size), trace.summary["h"]])
    expected = np.linalg.norm(np.diff(h, axis=0), axis=1)
    strip = sorted(cells(items, "heatmap:change"), key=lambda c: c.index)
    np.testing.assert_allclose([c.value for c in strip], expected)
    bars = {
        int(r.tag.split(":")[1]): r.h for r in items if isinstance(r, Rect) and r.tag.startswith("change:")
    }
    tallest = max(bars.values())
    assert bars[int(np.argmax(expected))] == tallest
    _assert_marker_on_column(items, "now:heatmap", "heatmap:h", frame.step.t)


def _assert_marker_on_column(items, marker_tag: str, array: str, t: int, at=-1) -> None:
    (marker,) = tagged(items, marker_tag)
    column = [c for c in cells(items, array) if c.index[at] == t]
    assert column
    for c in column:
        assert marker.x <= c.x and c.x + c.w <= marker.x + marker.w
    others = [c for c in cells(items, array) if c.index[at] != t]
    assert all(
        c.x + c.w <= marker.x + THEME.px(3) or c.x >= marker.x + marker.w - THEME.px(3) for c in others
    )


@pytest.mark.parametrize("phase,k", [(FORWARD, 20), (BACKWARD, 30)])
def test_markers_follow_the_cursor(phase, k):
    names = ("heatmap", "gates", "contributions")
    frame = frame_at("lstm-gates.yaml", phase, k, panels=names)
    t = frame.step.t
    scene = build_screen(frame, *SIZE, THEME, measure)
    items = scene.items
    _assert_marker_on_column(items, "now:heatmap", "heatmap:h", t)
    _assert_marker_on_column(items, "now:gates", "gates:f", t)
    _assert_marker_on_column(items, "now:contributions", "contributions:dloss_dh", t)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gate_cells_are_the_gates_on_the_sequential_scale(cell):
    frame = frame_at(BY_CELL[cell], BACKWARD, 0, panels=("gates",))
    trace = frame.trace
    items = panel(frame, "gates")
    groups = {"gru": "rz", "lstm": "ifoc"}[cell]
    for g in groups:
        drawn = cells(items, f"gates:{g}")
        assert len(drawn) == trace.hidden_size * trace.length, g
        values = np.asarray(trace.summary[g])
        for c in drawn:
            u, t = c.index
            assert c.value == values[t, u]
            if g == "c":
                assert c.fill == THEME.diverging(c.value, value_scales(trace)["c"])
            else:
                assert c.fill == THEME.sequential(c.value)
                assert (255 - c.fill[1]) / (255 - 39) == pytest.approx(c.value, abs=0.005)


def test_gates_of_the_vanilla_rnn_say_there_are_none():
    items = panel(frame_at("alternating.yaml", panels=("gates",)), "gates")
    text = " ".join(i.text for i in tagged(items, "no-gates"))
    assert "no gates" in text
    assert not [i for i in items if isinstance(i, Cell)]


def _log_axis(items, prefix: str) -> tuple[float, float]:
    """(y of decade 0, px per decade) read from the axis labels."""
    ticks = sorted(
        (int(i.tag.split(":")[1]), i.y) for i in items if isinstance(i, Text) and i.tag.startswith(prefix)
    )
    assert len(ticks) >= 2
    (k0, y0), (k1, y1) = ticks[0], ticks[-1]
    per = (y1 - y0) / (k1 - k0)
    return y0 - k0 * per, per


def _known_dh(trace, cursor_index: int) -> set[int]:
    return {s.t for s in trace.steps[: cursor_index + 1] if s.phase == BACKWARD and s.op == "dh"}


@pytest.mark.parametrize("k", [0, 9, 30, 80])
def test_gradient_bars_are_dh_norm_on_a_log_scale_and_fill_in_backwards(k):
    frame = frame_at("vanishing-gradients.yaml", BACKWARD, k, panels=("gradients",))
    trace = frame.trace
    norms = trace.summary["dh_norm"]
    items = panel(frame, "gradients")
    expected = _known_dh(trace, frame.cursor.index)
    drawn = cells(items, "gradients:dh_norm")
    assert {c.index[0] for c in drawn if c.value is not None} == expected
    for c in drawn:
        assert c.value is None or c.value == norms[c.index[0]]
    y_at_one, per_decade = _log_axis(items, "gradients-axis:")
    bars = {
        int(r.tag.split(":")[1]): r for r in items if isinstance(r, Rect) and r.tag.startswith("grad-bar:")
    }
    assert set(bars) == expected
    for t, bar in bars.items():
        assert bar.y == pytest.approx(y_at_one + math.log10(norms[t]) * per_decade, abs=1.5)
    if expected:
        _assert_marker_on_column(items, "now:gradients", "gradients:dh_norm", frame.step.t)


def test_vanishing_gradients_show_at_a_glance():
    """Trained: the last step's bar stands over two decades above the first step's."""
    frame = frame_at("vanishing-gradients.yaml", BACKWARD, 10**6, panels=("gradients",))
    items = panel(frame, "gradients")
    _, per_decade = _log_axis(items, "gradients-axis:")
    bars = {
        int(r.tag.split(":")[1]): r for r in items if isinstance(r, Rect) and r.tag.startswith("grad-bar:")
    }
    last = max(bars)
    assert bars[last].h - bars[0].h >= 2 * abs(per_decade) - 2
    values = [i for i in items if isinstance(i, Text) and i.tag.startswith("grad-bar-value:")]
    assert len(values) == len(bars), "each bar says its value at 1920x1080"


def test_gradients_in_the_forward_pass_explain_themselves():
    frame = frame_at("vanishing-gradients.yaml", FORWARD, 5, panels=("gradients",))
    items = panel(frame, "gradients")
    assert not [r for r in items if isinstance(r, Rect) and r.tag.startswith("grad-bar:")]
    hint = " ".join(i.text for i in tagged(items, "gradients-hint"))
    assert "backward pass" in hint and "B" in hint


@pytest.mark.parametrize("lesson,t", [("alternating.yaml", 4), ("gru-gates.yaml", 5), ("lstm-gates.yaml", 7)])
def test_contributions_equal_finite_differences(lesson, t):
    trace = frame_at(lesson).trace
    frame = frame_at(lesson, FORWARD, last_op_of(trace, FORWARD, t, "x"), panels=("contributions",))
    assert frame.step.t == t
    items = panel(frame, "contributions")
    drawn = sorted(cells(items, "contributions:dloss_dh"), key=lambda c: c.index)
    assert [c.index for c in drawn] == [(t, k) for k in range(trace.length)]
    expected = finite_difference_norms(trace, t)
    np.testing.assert_allclose([c.value for c in drawn[: t + 1]], expected, rtol=1e-4, atol=1e-9)
    assert all(c.value is None for c in drawn[t + 1 :]), "later inputs cannot matter"
    bars = {
        int(r.tag.split(":")[1]): r
        for r in items
        if isinstance(r, Rect) and r.tag.startswith("contribution:")
    }
    full = drawn[0].h  # a column is as tall as its tallest possible bar
    for k, bar in bars.items():
        assert bar.h == pytest.approx(full * expected[k] / expected.max(), abs=1.5)


def _pca(h: np.ndarray) -> np.ndarray:
    centred = h - h.mean(axis=0)
    _, _, vt = np.linalg.svd(centred)
    return centred @ vt[:2].T


@pytest.mark.parametrize("lesson", ["one-one-zero.yaml", "gru-gates.yaml", "lstm-gates.yaml"])
def test_trajectory_points_are_a_pca_projection(lesson):
    frame = frame_at(lesson, BACKWARD, 0, panels=("trajectory",))
    trace = frame.trace
    items = panel(frame, "trajectory")
    dots = {int(r.tag.split(":")[1]): r for r in items if isinstance(r, Rect) and r.tag.startswith("path:")}
    assert sorted(dots) == list(range(trace.length))
    screen = np.array([[dots[t].x + dots[t].w / 2, dots[t].y + dots[t].h / 2] for t in sorted(dots)])
    pca = _pca(np.asarray(trace.summary["h"]))
    signs = np.sign(
        [
            np.dot(screen[:, 0] - screen[:, 0].mean(), pca[:, 0]),
            -np.dot(screen[:, 1] - screen[:, 1].mean(), pca[:, 1]),
        ]
    )
    signs[signs == 0] = 1
    # One scale for both axes (y grows downwards on screen), fitted by least squares.
    data = np.concatenate([signs[0] * pca[:, 0], -signs[1] * pca[:, 1]])
    centred_screen = np.concatenate([screen[:, 0] - screen[:, 0].mean(), screen[:, 1] - screen[:, 1].mean()])
    data_centred = np.concatenate(
        [data[: len(dots)] - data[: len(dots)].mean(), data[len(dots) :] - data[len(dots) :].mean()]
    )
    scale = np.dot(data_centred, centred_screen) / np.dot(data_centred, data_centred)
    assert scale > 0
    assert np.abs(centred_screen - scale * data_centred).max() <= 1.0
    (now,) = tagged(items, "now:trajectory")
    current = dots[frame.step.t]
    assert now.x + now.w / 2 == pytest.approx(current.x + current.w / 2, abs=1)
    assert now.y + now.h / 2 == pytest.approx(current.y + current.h / 2, abs=1)


def test_trajectory_ghosts_the_untrained_path_only_for_later_checkpoints():
    trained = panel(frame_at("one-one-zero.yaml", BACKWARD, 0, panels=("trajectory",)), "trajectory")
    ghost = [r for r in trained if isinstance(r, Rect) and r.tag.startswith("ghost:")]
    assert len(ghost) == frame_at("one-one-zero.yaml").trace.length
    untrained = frame_at("one-one-zero.yaml", BACKWARD, 0, checkpoint="untrained", panels=("trajectory",))
    assert not [r for r in panel(untrained, "trajectory") if getattr(r, "tag", "").startswith("ghost:")]


def test_trajectory_follows_the_forward_pass():
    trace = frame_at("one-one-zero.yaml").trace
    k = last_op_of(trace, FORWARD, 3, "h") - 1  # h_3 not computed yet
    items = panel(frame_at("one-one-zero.yaml", FORWARD, k, panels=("trajectory",)), "trajectory")
    assert sorted(
        int(r.tag.split(":")[1]) for r in items if isinstance(r, Rect) and r.tag.startswith("path:")
    ) == [0, 1, 2]


@pytest.mark.parametrize("lesson", ["hello.yaml", "vanishing-gradients.yaml"])
def test_responses_are_mean_changes_per_symbol(lesson):
    frame = frame_at(lesson, FORWARD, 0, panels=("responses",))
    trace = frame.trace
    h = np.asarray(trace.summary["h"])
    items = panel(frame, "responses")
    drawn = {c.index: c for c in cells(items, "responses:mean_dh")}
    assert len(drawn) == trace.hidden_size * len(trace.vocab)
    for s in range(len(trace.vocab)):
        steps = [t for t in range(trace.length) if trace.inputs[t] == s]
        for u in range(trace.hidden_size):
            if not steps:
                assert drawn[(u, s)].value is None
                continue
            expected = np.mean([h[t, u] - (h[t - 1, u] if t else 0.0) for t in steps])
            assert drawn[(u, s)].value == pytest.approx(expected, abs=1e-12)
    _assert_marker_on_column(items, "now:responses", "responses:mean_dh", trace.inputs[frame.step.t])


@pytest.mark.parametrize("checkpoint", ["untrained", "learning", "trained"])
def test_history_marks_every_checkpoint_and_highlights_the_shown_one(checkpoint):
    frame = frame_at("alternating.yaml", checkpoint=checkpoint, panels=("history",))
    history = frame.loss_history
    items = panel(frame, "history")
    dots = {c.index[0]: c for c in cells(items, "history:loss")}
    assert sorted(dots) == sorted(k for _, k in frame.marks)
    for k, c in dots.items():
        assert c.value == history[min(k, len(history) - 1)]
    y_at_one, per_decade = _log_axis(items, "history-axis:")
    for c in dots.values():
        assert c.y + c.h / 2 == pytest.approx(y_at_one + math.log10(c.value) * per_decade, abs=1.5)
    (line,) = tagged(items, f"mark:{checkpoint}")
    assert line.color == THEME.result
    (name,) = tagged(items, f"mark-name:{checkpoint}")
    assert name.bold and name.text == checkpoint
    assert tagged(items, "loss-curve")


@pytest.mark.parametrize(
    "name,array,index",
    [
        ("heatmap", "heatmap:h", (1, 2)),
        ("gates", "gates:z", (0, 3)),
        ("gradients", "gradients:dh_norm", (4,)),
        ("responses", "responses:mean_dh", (2, 1)),
    ],
)
def test_pointing_at_a_cell_reads_its_value_in_full(name, array, index):
    frame = frame_at("gru-gates.yaml", BACKWARD, 10**6, panels=(name,), hover=Hover("cell", array, index))
    items = panel(frame, name)
    (c,) = [c for c in cells(items, array) if c.index == index]
    (readout,) = tagged(items, f"{name}-readout")
    assert number(c.value, 4) in readout.text


def test_a_panel_is_built_once_per_place():
    frame = frame_at("alternating.yaml", FORWARD, 7, panels=("heatmap",))
    box = (10, 500, 600, 290)
    from stepper.views.frame import Box

    a = PANELS["heatmap"](frame, Box(*box), THEME, measure)
    again = frame_at("alternating.yaml", FORWARD, 7, panels=("heatmap",))
    assert PANELS["heatmap"](again, Box(*box), THEME, measure) is a


def _raster(items, name: str) -> Raster:
    (raster,) = [i for i in items if isinstance(i, Raster) and i.name == name]
    return raster


def test_small_cells_become_one_raster_with_the_same_colours_and_blanks():
    """1280x720, three panels: six units of h are too thin for numbered cells."""
    trace = frame_at("vanishing-gradients.yaml").trace
    k = last_op_of(trace, FORWARD, 4, "h")
    frame = frame_at("vanishing-gradients.yaml", FORWARD, k, panels=THREE)
    items = _panel_in_box(frame, "heatmap", (1280, 720))
    raster = _raster(items, "heatmap:h")
    h, scale = np.asarray(trace.summary["h"]), value_scales(trace)["h"]
    assert raster.shape == (trace.hidden_size, trace.length)
    for u in range(trace.hidden_size):
        for t in range(trace.length):
            expected = THEME.diverging(h[t, u], scale) if t <= 4 else THEME.blank
            assert tuple(raster.colors[u, t]) == expected
    assert not cells(items, "heatmap:h")


def test_gate_rasters_use_the_sequential_scale():
    frame = frame_at("lstm-gates.yaml", BACKWARD, 0, panels=("gates", "heatmap", "history"))
    items = _panel_in_box(frame, "gates", (1280, 720))
    trace = frame.trace
    for g in "ifo":
        raster = _raster(items, f"gates:{g}")
        values = np.asarray(trace.summary[g])
        for u in range(trace.hidden_size):
            for t in range(trace.length):
                assert tuple(raster.colors[u, t]) == THEME.sequential(values[t, u])


def test_pointing_at_a_raster_reads_its_value():
    trace = frame_at("vanishing-gradients.yaml").trace
    hover = Hover("cell", "heatmap:h", (2, 5))
    frame = frame_at("vanishing-gradients.yaml", BACKWARD, 0, panels=THREE, hover=hover)
    items = _panel_in_box(frame, "heatmap", (1280, 720))
    _raster(items, "heatmap:h")
    (readout,) = tagged(items, "heatmap-readout")
    assert number(float(trace.summary["h"][5, 2]), 4) in readout.text


THREE = ("heatmap", "gradients", "contributions")


def _panel_in_box(frame, name: str, size: tuple[int, int]) -> list:
    """A panel built into the box the screen gives it at `size` with frame's panels open."""
    boxes = regions(size[0], size[1], THEME, code_width(frame, THEME, measure), frame.state.panels)
    return PANELS[name](frame, boxes[name], THEME, measure)
