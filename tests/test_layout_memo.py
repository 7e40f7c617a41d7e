"""An edit changes values, never shapes: the diagram lays an edited trace out exactly as
the unedited one at the same place (from memory), while its numbers and colours follow
the edit, exactly as a diagram solved from scratch for the edited trace draws them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from window_support import BY_CELL, THEME, frame_at, measure, session

from stepper.edits import Edit
from stepper.scene import Cell, Raster, Rect, Text
from stepper.views import diagram
from stepper.views.frame import Box

BOX = Box(0, 0, 1240, 600)


def geometry(items) -> list[tuple]:
    """Where every box is: the layout, not what is drawn in it."""
    return [(type(i).__name__, i.x, i.y, i.w, i.h) for i in items if isinstance(i, (Cell, Rect))]


def drawn(items) -> list[tuple]:
    """What the boxes show: the numbers and their colours."""
    return [(i.label, i.fill) for i in items if isinstance(i, Cell)] + [
        i.colors.tobytes() for i in items if isinstance(i, Raster)
    ]


@pytest.mark.parametrize("cell", sorted(BY_CELL))
@pytest.mark.parametrize("phase,k", [("forward", 4), ("forward", 13)])
def test_an_edited_trace_lays_out_like_the_unedited_one(cell, phase, k):
    name = BY_CELL[cell]
    frame = frame_at(name, phase, k)
    params = frame.trace.params
    weight = list(params)[1]  # a recurrent matrix: every later step's values move
    values = np.abs(params[weight])
    middle = int(np.argmin(np.abs(values - np.median(values)).ravel()))
    index = tuple(int(i) for i in np.unravel_index(middle, values.shape))
    # a weight of middling size, its sign flipped: the colour key (largest |weight|) is kept
    edits = (Edit(weight, index, -float(params[weight][index])),)
    edited = replace(frame, trace=session(name).trace(frame.state.checkpoint, edits=edits))
    assert edited.step.op == frame.step.op  # the same place

    diagram.forget()
    before = diagram.build_diagram(frame, BOX, THEME, measure)
    solved = len(diagram._PLANS)
    warm = diagram.build_diagram(edited, BOX, THEME, measure)
    assert len(diagram._PLANS) == solved  # laid out from memory: not solved again
    diagram.forget()
    cold = diagram.build_diagram(edited, BOX, THEME, measure)

    assert warm == cold  # from memory exactly as solved from scratch, values and colours too
    assert geometry(warm) == geometry(before)  # the same rects
    assert drawn(warm) != drawn(before)  # the numbers and colours follow the edit
    assert [t for t in warm if isinstance(t, Text)] == [t for t in cold if isinstance(t, Text)]


def walked_scales(trace) -> dict[str, float]:
    """The oracle: every step's largest |output| one at a time (a step whose largest is not
    finite skipped), weights their largest |weight|, one scale for all weight gradients,
    activations at least 1."""
    params = trace.params
    scales = {name: float(np.max(np.abs(params.flat))) for name in params}
    for step in trace.steps[: trace.phase_range("backward").stop]:
        m = float(np.max(np.abs(step.output))) if step.output.size else 0.0
        if np.isfinite(m):
            scales[step.op] = max(scales.get(step.op, 0.0), m)
    scales["h_prev"], scales["c_prev"] = scales.get("h", 1.0), scales.get("c", 1.0)
    shared = max(v for k, v in scales.items() if k[1:] in params and k.startswith("d"))
    scales |= {"d" + name: shared for name in params}
    return {k: v if k in params or k.startswith("d") else max(v, 1.0) for k, v in scales.items()}


@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_colour_scales_are_each_names_largest_finite_value_over_the_passes(cell):
    s = session(BY_CELL[cell])
    trace = s.trace(s.checkpoint_names[-1])
    assert diagram.value_scales(trace)["h"] == walked_scales(trace)["h"]  # read before the rest
    assert dict(diagram.value_scales(trace)) == walked_scales(trace)
    # a step that is not finite is skipped, and only that step
    poisoned = trace.steps[3]
    bad = replace(poisoned, output=np.full(poisoned.output.shape, np.nan))
    fake = replace(trace, steps=(*trace.steps[:3], bad, *trace.steps[4:]))
    assert dict(diagram.value_scales(fake)) == walked_scales(fake)
