"""A lesson file saved while the app shows it: the change appears within a second of the
loop's time at the same checkpoint, pass and place; a broken edit keeps the last good version."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

from window_support import LESSONS

from stepper.app import App
from stepper.navigation import Cursor, at_step
from stepper.scene import Text

CAPTION = "Input, memory and bias add up to the pre-activation a = {a:.3f}."


def texts(app: App) -> str:
    app.render()
    assert app.scene is not None
    return "\n".join(t.text for t in app.scene.of(Text))


def save(path: Path, text: str) -> None:
    """Write and move the modification time on, as an editor's save a moment later would."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def one_second(app: App) -> None:
    for _ in range(4):
        app.tick(0.25)


def opened(tmp_path: Path) -> tuple[App, Path, Cursor]:
    path = tmp_path / "mine.yaml"
    shutil.copy(LESSONS / "alternating.yaml", path)
    app = App(path, size=(1280, 720), headless=True)
    assert app.state is not None
    trace = app.trace_of(app.state)
    span = trace.phase_range("forward")
    cursor = next(Cursor("forward", i) for i in span if (trace.steps[i].op, trace.steps[i].t) == ("a", 2))
    app.set_state(replace(app.state, checkpoint="learning", cursor=cursor))
    return app, path, cursor


def test_an_edited_caption_shows_at_the_same_place_without_training_again(tmp_path):
    app, path, cursor = opened(tmp_path)
    result = app.session.result
    assert "pre-activation a =" in texts(app)
    save(path, path.read_text().replace(CAPTION, "EDITED: a = {a:.3f}."))
    one_second(app)
    shown = texts(app)
    assert "EDITED: a =" in shown and "pre-activation a =" not in shown
    assert (app.state.checkpoint, app.state.cursor) == ("learning", cursor)
    assert app.session.result is result  # captions are not training: nothing retrained


def test_a_changed_training_part_retrains_and_keeps_the_place(tmp_path):
    app, path, cursor = opened(tmp_path)
    before = app.session.result.checkpoint("learning").params
    save(path, path.read_text().replace("learning_rate: 0.1", "learning_rate: 0.05"))
    one_second(app)
    after = app.session.result.checkpoint("learning").params
    assert app.session.lesson.training.learning_rate == 0.05
    assert any((before[name] != after[name]).any() for name in before)
    assert (app.state.checkpoint, app.state.cursor) == ("learning", cursor)


def test_a_broken_edit_keeps_the_last_good_version_with_its_errors(tmp_path):
    app, path, cursor = opened(tmp_path)
    good = path.read_text()
    broken = good.replace("  - op: a\n", "  - op: nope\n")
    save(path, broken)
    one_second(app)
    shown = texts(app)
    line = broken.splitlines().index("  - op: nope") + 1
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+: .*nope", shown)
    assert "pre-activation a =" in shown  # the last good lesson, still on screen
    assert (app.state.checkpoint, app.state.cursor) == ("learning", cursor)
    save(path, good.replace(CAPTION, "FIXED: a = {a:.3f}."))
    one_second(app)
    shown = texts(app)
    assert "FIXED: a =" in shown and "nope" not in shown
    assert app.reload_problems == ()


def test_a_shorter_playback_keeps_the_pass_and_clamps_the_place(tmp_path):
    app, path, _ = opened(tmp_path)
    trace = app.trace_of(app.state)
    app.set_state(replace(app.state, cursor=at_step(trace, "backward", 10_000)))
    save(path, path.read_text().replace("sequence: [1, 0, 1, 0, 1, 0, 1, 0]", "sequence: [1, 0, 1, 0]"))
    one_second(app)
    trace = app.trace_of(app.state)
    assert trace.length == 3
    assert app.state.cursor == Cursor("backward", trace.phase_range("backward").stop - 1)
