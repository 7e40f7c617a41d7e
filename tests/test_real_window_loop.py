"""The iteration entry in a real window: K, digits typed by xdotool (so SDL's own text
input delivers them) and Enter replay that training iteration on its own chunk."""

from __future__ import annotations

import time

from test_real_window import (
    KEY_TIMEOUT,
    LESSON,
    SIZE,
    START_TIMEOUT,
    THEME,
    box_of,
    find_window,
    geometry,
    only,
    rect_box,
    require_tools,
    running_app,
    wait_for,
)


def expected_markers():
    """The timeline marker at the start, and on iteration 37's chunk (more, narrower columns)."""
    from stepper.app import App

    app = App(LESSON, size=SIZE, headless=True)
    start = app.build(app.state, SIZE)
    app.go_to_iteration(37)
    moved = app.build(app.state, SIZE)
    (timeline,) = [layer for layer in start.layers if layer.name == "timeline"]
    return only(start, "timeline-now"), only(moved, "timeline-now"), timeline


def test_typing_an_iteration_in_a_real_window(tmp_path, capsys):
    tools = require_tools()
    before, after, timeline = expected_markers()
    assert rect_box(before) != rect_box(after), "the scene itself: the chunk has other columns"
    began = time.monotonic()
    with running_app(tools, tmp_path, tmp_path / "app.log") as (x, app):
        window = find_window(x, app)
        ox, oy, _, _ = geometry(x, window)

        def shifted(box):
            bx, by, bw, bh = box
            return (bx + ox, by + oy, bw, bh)

        area = shifted((timeline.x, timeline.y, timeline.w, timeline.h))
        wait_for(
            x,
            lambda im: box_of(im, THEME.result, area) == shifted(rect_box(before)),
            START_TIMEOUT,
            "the first frame",
        )
        x.run("xdotool", "windowfocus", "--sync", window)
        x.run("xdotool", "key", "--clearmodifiers", "k")
        x.run("xdotool", "type", "--delay", "30", "37")
        x.run("xdotool", "key", "--clearmodifiers", "Return")
        wait_for(
            x,
            lambda im: box_of(im, THEME.result, area) == shifted(rect_box(after)),
            KEY_TIMEOUT,
            "the timeline of iteration 37's chunk after K, 3, 7, Enter",
        )
        assert app.poll() is None
    with capsys.disabled():
        seconds = time.monotonic() - began
        print(f"\nreal window: K 3 7 Enter -> iteration 37's chunk on screen; {seconds:.1f} s")
