"""How the screen gives out its room at projector sizes, checked on the exported scene:
an open sequence entry is on screen, panels with no room take one thin line between
them (not boxes the numbers need), the caption stays when zoomed in, and the
colour-only note keeps a gap from the words beside it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from stepper.keys import parse_keys, replay
from stepper.scene_export import scene_objects
from stepper.views.panels import PANELS

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("alternating", "hello", "gru-gates", "lstm-gates", "vanishing-gradients", "one-one-zero")
PROJECTORS = ((1024, 768), (1280, 720), (1366, 768))
UNKNOWN = "#"  # in no built-in lesson's vocabulary

_apps: dict[str, object] = {}


def app_for(lesson: str):
    if lesson not in _apps:
        from stepper.app import App

        _apps[lesson] = App(ROOT / "lessons" / f"{lesson}.yaml", size=(1280, 720), headless=True)
    return _apps[lesson]


def objects_at(lesson: str, size, zoom: float = 1.0, state=None) -> list[dict]:
    app = app_for(lesson)
    state = replace(state or app.state, zoom=zoom, animate=False, progress=1.0, hover=None)
    app.theme = app.theme.zoomed(zoom)
    try:
        return scene_objects(app.build(state, size), app.frame(state), app.fonts)
    finally:
        app.theme = app.theme.zoomed(1.0)


def inside(rect, outer) -> bool:
    x, y, w, h = rect
    a, b, c, d = outer
    return a - 1 <= x and b - 1 <= y and x + w <= a + c + 1 and y + h <= b + d + 1


@pytest.mark.parametrize("lesson", LESSONS)
def test_typed_sequence_is_on_screen(lesson):
    """E and typed text (real key and TEXTINPUT events): what is typed, the mark under the
    unknown symbol and the whole explanation are drawn inside the window and the timeline,
    at 100% and 150%."""
    app = app_for(lesson)
    before = app.state
    replay(app, parse_keys(f"e text:{UNKNOWN}"))
    try:
        assert app.state.mode == "entry"
        for size, zoom in ((s, z) for s in PROJECTORS for z in (1.0, 1.5)):
            objects = objects_at(lesson, size, zoom, app.state)
            where = f"{lesson} {size[0]}x{size[1]} {zoom:.0%}"
            tagged = {o["tag"]: o for o in objects if o["tag"].startswith(("sequence-entry", "unknown:"))}
            assert UNKNOWN in tagged.get("sequence-entry-text", {}).get("text", ""), where
            assert any(t.startswith("unknown:") for t in tagged), where
            assert not tagged["sequence-entry-problem"]["text"].endswith("…"), where  # all of it
            box = next(o["rect"] for o in objects if o["tag"] == "sequence-entry")
            for o in tagged.values():
                assert o["panel"] == "timeline", where
                assert inside(o["rect"], (0, 0, *size)) and inside(o["rect"], box), (where, o)
    finally:
        app.set_state(before)


def line_px(objects) -> int:
    """The height of the line that names the panels with no room."""
    return max((o["rect"][3] for o in objects if o["tag"] == "collapsed"), default=0)


@pytest.mark.parametrize("lesson", LESSONS)
def test_panels_without_room_take_one_line(lesson):
    """A panel too small to draw is named on one thin line, never a box of its own; every
    panel asked for is either drawn or named there."""
    app = app_for(lesson)
    asked = [p for p in app.state.panels if p in PANELS] + ["history"]
    state = replace(app.state, panels=(*app.state.panels, "history"))
    for size in PROJECTORS:
        for zoom in (1.0, 1.5):
            objects = objects_at(lesson, size, zoom, state)
            where = f"{lesson} {size[0]}x{size[1]} {zoom:.0%}"
            drawn = {o["panel"] for o in objects if o["panel"] in PANELS}
            marks = [o["tag"] for o in objects if o["tag"].startswith("collapsed:")]
            named = {t.removeprefix("collapsed:") for t in marks}
            assert set(asked) <= drawn | named, where
            assert not drawn & named, where
            said = " ".join(o["text"] for o in objects if o["panel"] == "collapsed" and o["kind"] == "text")
            assert all(n in said for n in named), (where, said)
            if named:
                px = max(o["px"] for o in objects if o["panel"] == "collapsed" and o["kind"] == "text")
                assert 0 < line_px(objects) <= 2 * px, where


@pytest.mark.parametrize(
    "lesson, size, zoom",
    [
        ("hello", (1366, 768), 1.5),
        ("hello", (1024, 768), 1.5),
        ("hello", (1280, 720), 1.5),
        ("alternating", (1024, 768), 1.5),
        ("alternating", (1280, 720), 1.5),
        ("gru-gates", (1280, 720), 1.25),
        ("gru-gates", (1024, 768), 1.5),
        ("lstm-gates", (1366, 768), 1.25),
        ("lstm-gates", (1280, 720), 1.5),
    ],
)
def test_zoomed_in_caption_stays(lesson, size, zoom):
    """Zoomed in, the narration keeps at least a line of its words on screen."""
    objects = objects_at(lesson, size, zoom)
    words = [o for o in objects if o["tag"] == "caption-text"]
    assert words and all(inside(o["rect"], (0, 0, *size)) for o in words)


def test_colour_only_note_keeps_its_gap():
    """one-one-zero at 1024x768, step 20: the heatmap's note does not touch its title."""
    from stepper.navigation import at_step

    app = app_for("one-one-zero")
    trace = app.trace_of(app.state)
    state = replace(app.state, cursor=at_step(trace, "forward", 19))
    state = replace(state, checkpoint=app.session.checkpoint_names[-1])
    objects = objects_at("one-one-zero", (1024, 768), state=state)
    notes = [o for o in objects if o["tag"] == "colour-only"]
    assert notes
    for note in notes:
        x, y, w, h = note["rect"]
        for o in objects:
            if o["panel"] != note["panel"] or o["kind"] != "text" or o is note:
                continue
            a, b, c, d = o["rect"]
            if b < y + h and y < b + d:  # on the same line
                assert a + c + 4 <= x or x + w + 4 <= a, (note["text"], o["text"])
