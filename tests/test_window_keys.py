"""Real KEYDOWN events posted into the app under SDL's dummy driver, pumped, and the
resulting state (and frame) checked against what the binding table promises."""

from __future__ import annotations

import pygame
import pytest
from window_support import LESSONS

from stepper.app import App, key_name
from stepper.commands import BINDINGS, KEYMAP
from stepper.navigation import position
from stepper.trace import BACKWARD, FORWARD

KEYS = {
    "right": (pygame.K_RIGHT, 0, ""),
    "left": (pygame.K_LEFT, 0, ""),
    "down": (pygame.K_DOWN, 0, ""),
    "up": (pygame.K_UP, 0, ""),
    "shift+right": (pygame.K_RIGHT, pygame.KMOD_LSHIFT, ""),
    "shift+left": (pygame.K_LEFT, pygame.KMOD_LSHIFT, ""),
    "home": (pygame.K_HOME, 0, ""),
    "end": (pygame.K_END, 0, ""),
    "space": (pygame.K_SPACE, 0, " "),
    "+": (pygame.K_EQUALS, pygame.KMOD_LSHIFT, "+"),
    "-": (pygame.K_MINUS, 0, "-"),
    "b": (pygame.K_b, 0, "b"),
    "k": (pygame.K_k, 0, "k"),
    ",": (pygame.K_COMMA, 0, ","),
    ".": (pygame.K_PERIOD, 0, "."),
    "x": (pygame.K_x, 0, "x"),
    "q": (pygame.K_q, 0, "q"),
    "y": (pygame.K_y, 0, "y"),
    "ctrl+p": (pygame.K_p, pygame.KMOD_LCTRL, ""),
    "t": (pygame.K_t, 0, "t"),
    "[": (pygame.K_LEFTBRACKET, 0, "["),
    "]": (pygame.K_RIGHTBRACKET, 0, "]"),
    "n": (pygame.K_n, 0, "n"),
    "a": (pygame.K_a, 0, "a"),
    "h": (pygame.K_h, 0, "h"),
    "?": (pygame.K_SLASH, pygame.KMOD_LSHIFT, "?"),
    "p": (pygame.K_p, 0, "p"),
    "l": (pygame.K_l, 0, "l"),
    "f11": (pygame.K_F11, 0, ""),
    "f": (pygame.K_f, 0, "f"),
    "ctrl++": (pygame.K_EQUALS, pygame.KMOD_LCTRL, ""),
    "ctrl+-": (pygame.K_MINUS, pygame.KMOD_LCTRL, ""),
    "ctrl+0": (pygame.K_0, pygame.KMOD_LCTRL, ""),
    "s": (pygame.K_s, 0, "s"),
    "return": (pygame.K_RETURN, 0, "\r"),
    "escape": (pygame.K_ESCAPE, 0, "\x1b"),
    "page down": (pygame.K_PAGEDOWN, 0, ""),
    "page up": (pygame.K_PAGEUP, 0, ""),
    "backspace": (pygame.K_BACKSPACE, 0, "\b"),
    **{str(n): (pygame.K_0 + n, 0, str(n)) for n in range(1, 10)},
    **{k: (getattr(pygame, f"K_{k}"), 0, k) for k in "gmodcruivwze"},
    "=": (pygame.K_EQUALS, 0, "="),
    **{f"ctrl+{k}": (getattr(pygame, f"K_{k}"), pygame.KMOD_LCTRL, "") for k in "zrks"},
    **{f"f{n}": (getattr(pygame, f"K_F{n}"), 0, "") for n in range(5, 10)},
}


def press(app: App, *names: str) -> None:
    for name in names:
        key, mod, text = KEYS[name]
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=text, scancode=0))
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def frame_bytes(app: App) -> bytes:
    app.dirty = True
    app.render()
    return pygame.image.tobytes(app.surface, "RGB")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = App(LESSONS / "alternating.yaml", size=(1280, 720))
    a.render()
    yield a
    pygame.display.quit()


def test_every_key_in_the_table_has_a_synthetic_event_that_maps_back():
    for b in BINDINGS:
        for k in b.keys:
            key, mod, text = KEYS[k]
            event = pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=text)
            assert KEYMAP[key_name(event)] is b.command, k


def test_arrows_step_ops_and_timesteps(app):
    trace = app.session.trace(app.state.checkpoint)
    ops = len(trace.forward_code.ops)
    press(app, "right")
    assert position(app.state.cursor, trace)[0] == 2
    press(app, "left")
    assert position(app.state.cursor, trace)[0] == 1
    press(app, "down")
    assert app.state.cursor.index == ops and trace.steps[app.state.cursor.index].t == 1
    press(app, "shift+right")
    assert trace.steps[app.state.cursor.index].t == 2
    press(app, "up", "shift+left")
    assert trace.steps[app.state.cursor.index].t == 0
    press(app, "end")
    assert app.state.cursor.index == trace.phase_range(FORWARD).stop - 1
    press(app, "home")
    assert app.state.cursor.index == 0


def test_forward_n_then_back_n_is_the_identical_frame(app):
    before = frame_bytes(app)
    state = app.state
    for n in (1, 5, 13):
        press(app, *["right"] * n)
        assert app.state.cursor != state.cursor
        press(app, *["left"] * n)
        assert app.state.cursor == state.cursor
        assert frame_bytes(app) == before


def test_ends_clamp(app):
    press(app, "left", "up", "home")
    assert app.state.cursor.index == 0
    press(app, "end")
    last = app.state.cursor
    press(app, "right", "down", "shift+right")
    assert app.state.cursor == last


def test_b_switches_pass_and_keeps_the_timestep(app):
    trace = app.session.trace(app.state.checkpoint)
    press(app, "down", "down", "right")
    press(app, "b")
    assert app.state.cursor.phase == BACKWARD and trace.steps[app.state.cursor.index].t == 2
    press(app, "b", "b", "b")  # update, sample, and round to forward
    assert app.state.cursor.phase == FORWARD


def test_t_toggles_trained_and_keeps_the_step(app):
    names = app.session.checkpoint_names
    assert app.state.checkpoint == names[0]
    press(app, "right", "right", "right")
    where = app.state.cursor
    press(app, "t")
    assert app.state.checkpoint == names[-1] and app.state.cursor == where
    press(app, "t")
    assert app.state.checkpoint == names[0] and app.state.cursor == where


def test_brackets_walk_the_checkpoints_and_clamp(app):
    names = app.session.checkpoint_names
    press(app, "[")
    assert app.state.checkpoint == names[0]
    for k in range(1, len(names)):
        press(app, "]")
        assert app.state.checkpoint == names[k]
    press(app, "]")
    assert app.state.checkpoint == names[-1]
    assert names[-1] in app.state.message  # at the end, a word rather than nothing
    press(app, "home", *["["] * len(names))
    assert app.state.checkpoint == names[0] and names[0] in app.state.message


def test_play_advances_and_speed_keys_change_the_rate(app):
    press(app, "space")
    assert app.state.playing
    speed = app.state.speed
    press(app, "+")
    assert app.state.speed > speed
    press(app, "-", "-")
    assert app.state.speed < speed
    start = app.state.cursor.index
    app.tick(10.0)
    assert app.state.cursor.index > start
    press(app, "space")
    assert not app.state.playing


def test_toggles_and_overlays(app):
    for key, field in (("n", "numbers"), ("a", "animate")):
        before = getattr(app.state, field)
        press(app, key)
        assert getattr(app.state, field) is not before
    for key, overlay in (("h", "help"), ("?", "help"), ("p", "notes"), ("l", "lessons")):
        press(app, key)
        assert app.state.overlay == overlay
        press(app, "escape")
        assert app.state.overlay == "" and app.running


def test_zoom_keys(app):
    press(app, "ctrl++")
    assert app.theme.zoom > 1.0
    press(app, "ctrl+-", "ctrl+-")
    assert app.theme.zoom < 1.0
    press(app, "ctrl+0")
    assert app.theme.zoom == 1.0


def test_fullscreen_keys_toggle(app):
    press(app, "f11")
    assert app.state.fullscreen
    press(app, "f")
    assert not app.state.fullscreen


def test_s_saves_a_png_and_says_where(app, tmp_path):
    press(app, "s")
    saved = sorted(tmp_path.glob("rnn-stepper-*.png"))
    assert len(saved) == 1 and saved[0].name in app.state.message
    press(app, "s")
    assert len(sorted(tmp_path.glob("rnn-stepper-*.png"))) == 2, "never overwrites"


def test_number_keys_and_lesson_list_open_lessons(app):
    press(app, "l", "down", "return")
    assert app.state.overlay == "" and app.session.lesson.path.name == app.lesson_paths[1].name
    press(app, "1")
    assert app.session.lesson.path.name == app.lesson_paths[0].name


def test_escape_closes_overlay_then_asks_then_quits(app):
    press(app, "h")
    press(app, "escape")
    assert app.running and app.state.overlay == ""
    press(app, "escape")
    assert app.running and app.state.quit_asked
    (question,) = app.scene.tagged("quit-question")
    assert "Esc again" in question.text
    (status,) = [layer for layer in app.scene.layers if layer.name == "status"]
    assert question in status.items, "the question is in the status bar"
    press(app, "escape")
    assert not app.running


@pytest.mark.parametrize("other", ["right", "page up", "q", "h"])
def test_any_other_key_cancels_the_quit_question(app, other):
    press(app, "escape")
    assert app.state.quit_asked
    if other == "q":  # a key the table does not bind cancels too
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=0, unicode="q", scancode=0))
        for event in pygame.event.get():
            app.handle(event)
        app.render()
    else:
        press(app, other)
    assert not app.state.quit_asked and not app.scene.tagged("quit-question")
    press(app, "escape")
    assert app.running, "the next Esc asks again"


def test_clicker_page_keys_step_like_the_arrows(app):
    trace = app.session.trace(app.state.checkpoint)
    press(app, "page down", "page down")
    assert position(app.state.cursor, trace)[0] == 3
    press(app, "page up")
    assert position(app.state.cursor, trace)[0] == 2


def test_backspace_returns_to_the_lesson_left_at_the_same_place(app):
    first = app.session
    press(app, "b", "right", "right", "t", "m", "d")
    left = app.state
    assert left.cursor.phase == BACKWARD and left.panels
    press(app, "3")  # another lesson from inside this one
    assert app.session.lesson.path.name == app.lesson_paths[2].name
    press(app, "l", "down", "return")  # and another from the list
    assert app.session.lesson.path.name == app.lesson_paths[3].name
    press(app, "backspace")
    assert app.session.lesson.path.name == app.lesson_paths[2].name
    press(app, "backspace")
    assert app.session is first, "not trained again"
    for field in ("checkpoint", "cursor", "panels", "sequence"):
        assert getattr(app.state, field) == getattr(left, field), field
    assert app.state.overlay == "" and "back to" in app.state.message
    press(app, "backspace")
    assert app.session is first and "no earlier lesson" in app.state.message


def test_backspace_leaves_a_lesson_that_could_not_open(app, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    press(app, "right")
    place = app.state.cursor
    app.open_lesson(bad)
    assert app.session is None and app.message
    press(app, "backspace")
    assert app.session is not None and app.state.cursor == place


def test_click_on_timeline_jumps(app):
    trace = app.session.trace(app.state.checkpoint)
    spot = next(h for h in app.scene.items if getattr(h, "kind", "") == "timestep" and h.key == "2")
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(spot.x + 2, spot.y + 2)))
    for event in pygame.event.get():
        app.handle(event)
    assert app.state.cursor.index == trace.timestep_range(FORWARD, 2).start


def test_bad_lesson_shows_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("title: [unclosed\n", encoding="utf-8")
    a = App(bad, size=(1280, 720))
    a.render()
    assert a.session is None and "broken.yaml" in a.message
    assert any(getattr(i, "tag", "") == "message-text" for i in a.scene.items)
    pygame.display.quit()


def test_zoom_stops_where_the_window_cannot_hold_it(tmp_path):
    small = App(LESSONS / "alternating.yaml", size=(640, 360))
    press(small, "ctrl++")
    assert small.theme.zoom == 1.0 and "does not fit" in small.state.message
    press(small, "ctrl+-")
    assert small.theme.zoom < 1.0
    pygame.display.quit()
