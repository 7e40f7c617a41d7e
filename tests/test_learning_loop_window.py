"""The learning loop driven through real key, text and mouse events (dummy video driver)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pygame
import pytest
from test_window_keys import press
from window_support import LESSONS

from stepper.app import App
from stepper.scene import Hotspot
from stepper.trace import SAMPLE, UPDATE


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = App(LESSONS / "hello.yaml", size=(1280, 720))
    a.render()
    yield a
    pygame.display.quit()


def typed(app: App, text: str) -> None:
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def test_k_opens_an_entry_that_takes_digits_and_goes_to_that_iteration(app):
    press(app, "k")
    assert app.state.mode == "entry"
    typed(app, "1")
    typed(app, "7")
    press(app, "backspace")
    typed(app, "x")  # not a digit: refused, said why, nothing lost
    assert app.state.entry == "1" and "digits" in app.state.message
    typed(app, "2")
    press(app, "return")
    assert app.state.mode == "step" and app.state.iteration == 12
    trace = app.trace_of(app.state)
    it = app.session.iteration(12)
    assert trace.chunk.iteration == 12 and trace.inputs == it.inputs and trace.params == it.params
    # its update pass ends on the weights the trainer had at 13, bit for bit
    press(app, "b", "b", "end")
    assert app.state.cursor.phase == UPDATE
    assert np.array_equal(trace.update.after.flat, it.after.flat)
    assert np.array_equal(app.trace_of(app.state).env(app.state.cursor.index)["W"], it.after["by"])


def test_the_key_that_opens_the_entry_is_not_typed_into_it(app):
    """SDL sends K's own text right after its key press, as on a real keyboard."""
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_k, mod=0, unicode="k", scancode=0))
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text="k"))
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text="5"))
    for event in pygame.event.get():
        app.handle(event)
    assert app.state.mode == "entry" and app.state.entry == "5" and not app.state.message


def test_the_entry_refuses_an_iteration_out_of_range_and_esc_cancels(app):
    last = app.session.last_iteration
    press(app, "k")
    typed(app, str(last + 1))
    press(app, "return")
    assert app.state.mode == "entry" and f"0..{last}" in app.state.message
    press(app, "escape")  # the entry's Esc cancels it; it does not ask to quit
    assert app.state.mode == "step" and app.state.iteration is None and not app.state.quit_asked
    press(app, "b")  # and the stepping keys are back
    assert app.state.cursor.phase == "backward"


def test_brackets_leave_iteration_k_for_the_checkpoints_around_it(app):
    app.go_to_iteration(50)
    press(app, "]")
    assert app.state.iteration is None and app.state.checkpoint == "trained"
    app.go_to_iteration(50)
    press(app, "[")
    assert app.state.iteration is None and app.state.checkpoint == "untrained"


def test_temperature_keys_reach_greedy_and_x_draws_again(app):
    press(app, "b", "b", "b")
    assert app.state.cursor.phase == SAMPLE
    press(app, ".", ".")  # hello's lesson samples greedily: up to a real draw
    trace = app.trace_of(app.state)
    assert trace.sample.temperature > 0 and trace.sample.u
    before = trace.sample
    press(app, "x")
    after = app.trace_of(app.state).sample
    assert after.seed == before.seed + 1 and after.u != before.u
    for _ in range(10):
        press(app, ",")
    assert app.trace_of(app.state).sample.temperature == 0 and not app.trace_of(app.state).sample.u
    assert app.state.cursor.phase == SAMPLE


def test_the_history_scrubber_replays_the_iteration_under_the_pointer(app):
    app.surface = pygame.display.set_mode((1920, 1080))  # at 1280x720 the diagram takes the room
    app.set_state(replace(app.state, panels=("history",)))
    app.render()
    (scrubber,) = [h for h in app.scene.of(Hotspot) if h.kind == "iteration"]
    x0, x1, last = (int(v) for v in scrubber.key.split(":"))
    pos = ((x0 + x1) // 2, scrubber.y + scrubber.h // 2)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    for event in pygame.event.get():
        app.handle(event)
    assert app.state.iteration == round((pos[0] - x0) / (x1 - x0) * last)
    app.render()
    assert app.scene.tagged("history-k")


def test_dragging_the_scrubber_replays_once_a_frame_where_the_pointer_ends(app):
    app.surface = pygame.display.set_mode((1920, 1080))
    app.set_state(replace(app.state, panels=("history",)))
    app.render()
    (scrubber,) = [h for h in app.scene.of(Hotspot) if h.kind == "iteration"]
    x0, x1, last = (int(v) for v in scrubber.key.split(":"))
    y = scrubber.y + scrubber.h // 2
    for x in range(x0 + 5, x1 - 5, 7):
        app.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(x, y), rel=(7, 0), buttons=(1, 0, 0)))
    assert app.state.iteration is None  # nothing replayed yet: the frame has not ticked
    app.tick(0.016)
    assert app.state.iteration == round((x - x0) / (x1 - x0) * last)


def test_a_training_without_updates_has_no_iteration_to_replay(tmp_path, monkeypatch):
    """A lesson that trains 0 iterations: K and --iteration say so instead of failing."""
    text = (LESSONS / "hello.yaml").read_text(encoding="utf-8")
    text = text.replace("iterations: 200", "iterations: 0").replace("trained: 200", "trained: 0")
    path = tmp_path / "none.yaml"
    path.write_text(text, encoding="utf-8")
    a = App(path, size=(1280, 720), headless=True)
    assert a.session is not None and a.session.last_iteration < 0
    press(a, "k")
    typed(a, "0")
    press(a, "return")
    assert a.state.iteration is None and a.state.mode == "step" and "no training iteration" in a.state.message
