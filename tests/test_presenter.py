"""The presenter window under the dummy driver: events carry their window; keys pressed in
either window move both; the teacher's surface shows the notes, the next caption, the time
and a live thumbnail; the projector stays clean; closing the presenter keeps the lesson."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from window_support import LESSONS

from stepper.app import App
from stepper.narration import narration_at
from stepper.navigation import position
from stepper.presenter import projector_display
from stepper.scene import Text
from stepper.views.presenter import THUMBNAIL, clock


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = App(LESSONS / "alternating.yaml", size=(1280, 720), presenter=True)
    a.render()
    yield a
    if a.presenter is not None:
        a.presenter.close()
    pygame.display.quit()


def key(app: App, window, k: int = pygame.K_RIGHT, text: str = "") -> None:
    """A key press in `window` (None: the projector, as SDL reports the display's window)."""
    event = pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode=text, scancode=0, window=window)
    pygame.event.post(event)
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def texts(scene, tag: str = "") -> list[str]:
    return [t.text for t in scene.of(Text) if not tag or t.tag == tag]


def step_shown(app: App) -> int:
    return position(app.state.cursor, app.trace_of(app.state))[0]


def test_keys_in_either_window_move_both(app):
    assert app.presenter is not None
    key(app, app.presenter.window)
    assert step_shown(app) == 2
    assert any("step 2 of" in t for t in texts(app.presenter.scene, "place"))
    assert any("step 2 of" in t for t in texts(app.scene))
    key(app, None)
    assert step_shown(app) == 3
    assert any("step 3 of" in t for t in texts(app.presenter.scene, "place"))
    assert any("step 3 of" in t for t in texts(app.scene))


def test_the_presenter_shows_the_notes_and_the_next_caption_and_the_projector_stays_clean(app):
    key(app, None)
    lesson, trace, index = app.session.lesson, app.trace_of(app.state), app.state.cursor.index
    following = " ".join(narration_at(lesson, trace, index + 1, app.state.checkpoint, 300))
    shown_next = " ".join(texts(app.presenter.scene, "caption-next"))
    assert following and shown_next.split() == following.split()
    notes = " ".join(texts(app.presenter.scene, "notes"))
    assert "Goal: the class sees every number" in notes
    projector = " ".join(texts(app.scene))
    assert "Goal: the class sees" not in projector and following not in projector
    key(app, None, pygame.K_p, "p")  # P does not lay the notes over the projector while it is open
    assert app.state.overlay == "" and "Goal: the class sees" not in " ".join(texts(app.scene))


def test_the_presenter_surface_holds_a_live_thumbnail_of_the_projector(app):
    presenter = app.presenter
    [box] = presenter.scene.tagged(THUMBNAIL)
    inner = pygame.Rect(box.x + 1, box.y + 1, box.w - 2, box.h - 2)
    expected = pygame.transform.smoothscale(app.surface, inner.size)
    got = presenter.surface.subsurface(inner)
    a = pygame.surfarray.array3d(got).astype(int)
    b = pygame.surfarray.array3d(expected).astype(int)
    assert np.abs(a - b).max() <= 2
    key(app, presenter.window, pygame.K_b, "b")  # another pass: the thumbnail follows
    after = pygame.surfarray.array3d(presenter.surface.subsurface(inner)).astype(int)
    assert np.abs(after - a).max() > 50


def test_elapsed_time_counts_on_the_presenter(app):
    for _ in range(65):
        app.tick(1.0)
    app.render()
    assert texts(app.presenter.scene, "elapsed") == ["1:05"]
    assert clock(3723) == "1:02:03"


def test_closing_the_presenter_keeps_the_lesson_open(app):
    window = app.presenter.window
    pygame.event.post(pygame.event.Event(pygame.WINDOWCLOSE, window=window))
    for event in pygame.event.get():
        app.handle(event)
    assert app.presenter is None and app.running and app.state is not None
    key(app, None)
    assert step_shown(app) == 2 and app.running
    key(app, None, pygame.K_p, "p")  # the notes come back to the projector
    assert app.state.overlay == "notes"


CTRL = pygame.KMOD_LCTRL


def test_the_presenter_key_opens_and_closes_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = App(LESSONS / "alternating.yaml", size=(1280, 720))
    try:
        assert app.presenter is None
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_p, mod=CTRL, unicode=""))
        for event in pygame.event.get():
            app.handle(event)
        assert app.presenter is not None
        app.render()
        assert texts(app.presenter.scene, "notes")
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_p, mod=CTRL, unicode=""))
        for event in pygame.event.get():
            app.handle(event)
        assert app.presenter is None and app.running
    finally:
        pygame.display.quit()


def test_the_projector_goes_fullscreen_on_the_second_display_when_the_presenter_is_open():
    assert projector_display(2, presenter_open=True) == 1
    assert projector_display(1, presenter_open=True) == 0
    assert projector_display(2, presenter_open=False) == 0


def test_presenter_is_an_option_of_the_window_only(tmp_path, capsys):
    from stepper.cli import main

    out = tmp_path / "x.png"
    assert main(["alternating", "--screenshot", str(out), "--presenter"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--presenter" in err and not out.exists()


def test_the_wheel_over_the_presenter_scrolls_its_notes_not_the_projector(app):
    first = texts(app.presenter.scene, "notes")
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-1, window=app.presenter.window))
    for event in pygame.event.get():
        app.handle(event)
    app.render()
    assert app.state.notes_scroll == 3 and app.state.overlay == ""
    assert texts(app.presenter.scene, "notes") != first
