"""Panel figures for the speed sheet: frame time with three look-inside panels open.

Same definition as the window section's frame time (build the frame and draw it into
an off-screen 1920x1080 surface, flip excluded, median of 200 frames, one op further
each frame), with heatmap, gradients and contributions open. The walk covers the
backward pass too, where the gradient bars change at every timestep.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from window_bench import BIG_LESSON, FRAMES, ROOT, SIZE

PANELS = ("heatmap", "gradients", "contributions")


def three_panel_frame_ms(lesson: Path, panels: tuple[str, ...] = PANELS) -> float:
    """Median frame time stepping op by op through the forward, then the backward pass."""
    from stepper.app import App
    from stepper.navigation import Cursor

    app = App(lesson, size=SIZE, headless=True)
    state = replace(app.state, checkpoint=app.session.checkpoint_names[-1], panels=panels, animate=False)
    trace = app.session.trace(state.checkpoint)
    walk = [Cursor("forward", i) for i in trace.phase_range("forward")]
    walk += [Cursor("backward", i) for i in trace.phase_range("backward")]
    app.set_state(state)
    app.render()
    times = []
    for k in range(FRAMES):
        app.set_state(replace(state, cursor=walk[(k + 1) % len(walk)]))
        start = time.perf_counter()
        app.render()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def panel_rows() -> list[dict[str, Any]]:
    alternating = three_panel_frame_ms(ROOT / "lessons" / "alternating.yaml")
    bare = three_panel_frame_ms(ROOT / "lessons" / "alternating.yaml", panels=())
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text(BIG_LESSON, encoding="utf-8")
        big_ms = three_panel_frame_ms(big)
    note = "heatmap, gradients, contributions open; forward then backward pass"
    return [
        {
            "name": "frame: alternating, three panels, 1920x1080",
            "value": alternating,
            "unit": "ms",
            "target": "<= 4",
            "passed": alternating <= 4,
            "key": "frame_ms_three_panels",
            "note": note,
        },
        {
            "name": "frame: alternating, same walk, no panels",
            "value": bare,
            "unit": "ms",
            "key": "frame_ms_same_walk_no_panels",
            "note": "what the three panels add is the difference from the row above",
        },
        {
            "name": "frame: hidden 32, 64 steps, three panels, 1920x1080",
            "value": big_ms,
            "unit": "ms",
            "target": "<= 12",
            "passed": big_ms <= 12,
            "key": "frame_ms_three_panels_h32_t64",
        },
    ]


SECTIONS = {"panels": panel_rows}
