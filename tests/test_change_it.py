"""Change it and see, driven by real KEYDOWN, TEXTINPUT and mouse events under SDL's dummy
driver: a typed sequence is --sequence, an edited weight is a fresh recording with that
weight, undo and restore give back the exact frame, live training is train()."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame
import pytest
from window_support import LESSONS

from stepper.app import App, StartAt
from stepper.live import LIVE
from stepper.record import record
from stepper.render import LayerCache
from stepper.scene import Cell, Text
from stepper.trace import BACKWARD, FORWARD
from stepper.train import train
from stepper.weights import load_weights

KEYS = {
    "e": (pygame.K_e, 0, "e"),
    "=": (pygame.K_EQUALS, 0, "="),
    "t": (pygame.K_t, 0, "t"),
    "right": (pygame.K_RIGHT, 0, ""),
    "down": (pygame.K_DOWN, 0, ""),
    "up": (pygame.K_UP, 0, ""),
    "page up": (pygame.K_PAGEUP, 0, ""),
    "return": (pygame.K_RETURN, 0, "\r"),
    "escape": (pygame.K_ESCAPE, 0, "\x1b"),
    "backspace": (pygame.K_BACKSPACE, 0, "\b"),
    "ctrl+z": (pygame.K_z, pygame.KMOD_LCTRL, ""),
    "ctrl+r": (pygame.K_r, pygame.KMOD_LCTRL, ""),
    "ctrl+k": (pygame.K_k, pygame.KMOD_LCTRL, ""),
    "ctrl+s": (pygame.K_s, pygame.KMOD_LCTRL, ""),
    **{f"f{n}": (getattr(pygame, f"K_F{n}"), 0, "") for n in range(5, 10)},
}


def pump(app: App, *events: pygame.event.Event) -> None:
    for event in events:
        pygame.event.post(event)
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def press(app: App, *names: str) -> None:
    """A key as a real keyboard sends it: KEYDOWN, then TEXTINPUT for a printable key."""
    for name in names:
        key, mod, text = KEYS[name]
        events = [pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=text, scancode=0)]
        if text.isprintable() and text and not mod:
            events.append(pygame.event.Event(pygame.TEXTINPUT, text=text))
        pump(app, *events)


def type_text(app: App, text: str) -> None:
    pump(app, *(pygame.event.Event(pygame.TEXTINPUT, text=ch) for ch in text))


def shown(app: App) -> bytes:
    """The frame as saved (S): without the status bar's passing message."""
    surface = pygame.Surface(app.surface.get_size())
    LayerCache().draw(app.build(app.state.exported()), surface, app.fonts)
    return pygame.image.tobytes(surface, "RGB")


def weight_cell(app: App, name: str, index: tuple[int, ...]) -> tuple[int, int]:
    cell = next(c for c in app.scene.of(Cell) if c.name == name and c.index == index)
    return cell.x + cell.w // 2, cell.y + cell.h // 2


def click(app: App, pos: tuple[int, int]) -> None:
    pump(
        app,
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1),
    )


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = App(LESSONS / "hello.yaml", size=(1280, 720))
    a.render()
    yield a
    pygame.display.quit()


def same_ops(got, want) -> bool:
    mine = [s for s in got.steps if s.phase in (FORWARD, BACKWARD)]
    return len(mine) == len(want.steps) and all(
        (a.phase, a.t, a.op) == (b.phase, b.t, b.op) and np.array_equal(a.output, b.output)
        for a, b in zip(mine, want.steps, strict=True)
    )


def test_a_typed_sequence_is_the_same_frame_as_the_sequence_option(app):
    press(app, "t", "down", "down", "right")
    press(app, "e")  # the entry opens holding the sequence played now; the E itself is not typed
    assert app.state.mode == "entry" and app.state.entry == "hello"
    press(app, *["backspace"] * 5)
    type_text(app, "hellllo")
    press(app, "return")
    assert app.state.mode == "step" and app.state.sequence == app.session.lesson.encode(list("hellllo"))
    start = StartAt("trained", FORWARD, app.state.cursor.index, sequence=app.state.sequence)
    other = App(LESSONS / "hello.yaml", size=(1280, 720), start_at=start)
    other.render()
    assert other.state.cursor == app.state.cursor
    assert shown(app) == shown(other)


def test_an_unknown_symbol_is_marked_and_nothing_is_lost(app):
    press(app, "e", *["backspace"] * 5)
    type_text(app, "helqo")
    press(app, "return")
    assert app.state.mode == "entry" and app.state.entry == "helqo"  # still open, text kept
    assert "'q'" in app.state.message and "character 4" in app.state.message
    marks = [r for r in app.scene.items if getattr(r, "tag", "") == "unknown:3"]
    assert marks, "the q is underlined where it was typed"
    press(app, "escape")
    assert app.state.mode == "step" and app.state.sequence is None


def test_undo_returns_the_exact_previous_frame(app):
    press(app, "t", "down", "right", "right")
    before = shown(app)
    press(app, "e", "backspace", "backspace")
    type_text(app, "p")  # not in the vocabulary: refused
    press(app, "backspace")
    type_text(app, "lolo")
    press(app, "return")
    assert shown(app) != before
    press(app, "ctrl+z")
    assert app.state.sequence is None and shown(app) == before


def test_an_edited_weight_is_a_fresh_recording_and_restore_gives_the_frame_back(app):
    press(app, "t", "down", "right")
    before = shown(app)
    pos = weight_cell(app, "Whh", (0, 1))
    click(app, pos)
    assert app.state.mode == "weight" and app.state.selected == ("Whh", (0, 1))
    press(app, "=")
    type_text(app, "-2.5")
    press(app, "return")
    press(app, "up", "page up")  # -2.5 + 0.1 + 1
    expected = -1.4
    session = app.session
    by_hand = session.params("trained").copy()
    by_hand["Whh"][0, 1] = expected
    seq = session.lesson.playback
    assert same_ops(app.trace_of(app.state), record(by_hand, session.lesson.vocab, seq[:-1], seq[1:]))
    assert any(getattr(r, "tag", "") == "selected:Whh" for r in app.scene.items)
    press(app, "escape")  # done with the weight
    assert any(getattr(r, "tag", "") == "edited:Whh" for r in app.scene.items)
    status = next(t.text for t in app.scene.of(Text) if t.tag == "status-text")
    assert "trained (iteration 200), 1 weight edited" in status
    press(app, "ctrl+r")
    assert app.state.edits == () and shown(app) == before
    press(app, "ctrl+z")  # the edit back
    assert app.state.edits and app.state.edits[0].value == pytest.approx(expected)


def test_pointing_and_equals_types_a_value_and_the_wheel_nudges(app):
    press(app, "t")
    pos = weight_cell(app, "by", (2,))
    pump(app, pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
    press(app, "=")
    assert app.state.mode == "entry" and app.state.entry == ""  # the = itself is not typed
    type_text(app, "3")
    press(app, "return")
    assert [(e.name, e.index, e.value) for e in app.state.edits] == [("by", (2,), 3.0)]
    pump(app, pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=2))
    assert app.state.edits[0].value == pytest.approx(3.2)


def test_live_training_after_n_iterations_is_train_after_n(app):
    press(app, "f6")  # fresh weights drawn with the lesson's own seed: train()'s start
    assert app.state.checkpoint == LIVE and not app.state.training
    press(app, "f5")
    assert app.state.training and "history" in app.state.panels  # the loss curve grows there
    while app.live.iteration < 40:
        app.tick(1 / 60)
    press(app, "f5")
    n = app.live.iteration
    assert not app.state.training and n >= 40
    config = app.session.lesson.train_config()
    want = train(replace(config, iterations=n, checkpoints={"end": n}), app.session.lesson.data).last.params
    assert app.session.params(LIVE) == want
    history = app.frame().loss_history
    assert len(history) == n and np.isfinite(history).all()
    press(app, "ctrl+k", "ctrl+s")
    assert app.state.checkpoint == "kept 1"
    saved = sorted(Path.cwd().glob("rnn-stepper-*.npz"))
    assert len(saved) == 1
    m = app.session.lesson.model
    assert load_weights(saved[0], m.cell, len(app.session.lesson.vocab), m.hidden_size) == want


def test_settings_change_only_before_a_run(app):
    press(app, "f7", "f8")
    assert app.live_settings.optimizer == "adam" and app.live_settings.learning_rate == 0.3
    press(app, "f5")
    press(app, "f9")
    assert "pause" in app.state.message and app.live_settings.learning_rate == 0.3
    press(app, "f5")
    assert app.live.settings.optimizer == "adam"


# ----- the same, headless: --keys before an export ------------------------------------------


def test_keys_typing_a_sequence_export_the_sequence_options_trace(tmp_path, capsys):
    from stepper.cli import main

    hello = str(LESSONS / "hello.yaml")
    typed, given = tmp_path / "typed.json", tmp_path / "given.json"
    assert main([hello, "--keys", "e backspace*5 text:hellllo return", "--export-trace", str(typed)]) == 0
    assert main([hello, "--sequence", "hellllo", "--export-trace", str(given)]) == 0
    assert typed.read_text() == given.read_text()


def test_keys_editing_a_weight_export_the_edit_options_trace(tmp_path):
    from stepper.cli import main

    hello = str(LESSONS / "hello.yaml")
    keyed, edited = tmp_path / "keyed.json", tmp_path / "edited.json"
    keys = "click:Whh[0,1] = text:-3 return down escape"
    assert main([hello, "--keys", keys, "--export-trace", str(keyed)]) == 0
    assert main([hello, "--edit", "Whh[0,1]=-3.1", "--export-trace", str(edited)]) == 0
    assert keyed.read_text() == edited.read_text()


def test_keys_training_live_export_train_weights(tmp_path):
    from stepper.app import HEADLESS_LIVE_ITERATIONS
    from stepper.cli import main
    from stepper.lesson import load_lesson

    out = tmp_path / "w.npz"
    keys = "f6 f5 frames:7 f5"
    assert main([str(LESSONS / "hello.yaml"), "--keys", keys, "--export-weights", str(out)]) == 0
    lesson = load_lesson(LESSONS / "hello.yaml")
    n = 7 * HEADLESS_LIVE_ITERATIONS
    config = replace(lesson.train_config(), iterations=n, checkpoints={"end": n})
    m = lesson.model
    want = train(config, lesson.data).last.params
    assert load_weights(out, m.cell, len(lesson.vocab), m.hidden_size) == want


@pytest.mark.parametrize(
    "keys",
    ["bogus", "right*0", "click:Whh", "frames:x", "'unclosed", "e text:q return", "click:Whh[9,9]"],
)
def test_bad_keys_are_refused_in_one_line(keys, tmp_path, capsys):
    from stepper.cli import main

    out = tmp_path / "t.json"
    assert main([str(LESSONS / "hello.yaml"), "--keys", keys, "--export-trace", str(out)]) in (1, 2)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--keys" in err
    assert not out.exists()


def test_a_paused_run_steps_through_the_iteration_it_makes_next(app):
    """Pausing shows the next iteration on its own chunk; the update pass's last line lands
    on the weights one more iteration of the run makes, bit for bit."""
    press(app, "f6", "f5")
    while app.live.iteration < 16:
        app.tick(1 / 60)
    press(app, "f5")
    trace = app.trace_of(app.state)
    assert trace.chunk is not None and trace.chunk.iteration == app.live.iteration
    assert "update" in trace.pass_names and trace.update is not None
    assert trace.update.before == app.session.params(LIVE)
    app.live.run(iterations=1)
    assert trace.update.after == app.live.params
    scene = app.build(app.state.exported())  # the status bar without the passing message
    status = next(t.text for t in scene.of(Text) if t.tag == "status-text")
    assert f"live: iteration {app.live.iteration - 1} on its own chunk" in status


def test_a_double_click_on_a_weight_opens_its_value_entry(app):
    press(app, "t")
    pos = weight_cell(app, "Why", (1, 2))
    click(app, pos)
    assert app.state.mode == "weight"
    click(app, pos)
    assert app.state.mode == "entry" and app.state.entry_kind == "weight"
    type_text(app, "x")  # refused, with why
    assert app.state.entry == "" and "number" in app.state.message
    type_text(app, "0")
    press(app, "return")
    assert [(e.name, e.index, e.value) for e in app.state.edits] == [("Why", (1, 2), 0.0)]
    assert app.state.mode == "weight"  # still selected: the arrows nudge it


@pytest.mark.parametrize("typed", ["1e308", "nan"])
def test_a_refused_value_says_why_in_the_status_bar_while_the_weight_stays_selected(app, typed):
    """1e308 is refused at Enter, the n of nan as it is typed: either way the status bar
    shows the reason whole, not cut off behind the selected weight's own keys."""
    press(app, "t")
    click(app, weight_cell(app, "Whh", (0, 1)))
    press(app, "=")
    type_text(app, typed)
    press(app, "return")
    assert app.state.message and app.state.edits == ()
    status = next(t.text for t in app.scene.of(Text) if t.tag == "status-text")
    assert app.state.message in status


@pytest.mark.parametrize("keys", ["s", "right g", "ctrl+s"])
def test_keys_that_save_a_file_are_refused_and_nothing_is_written(keys, tmp_path, monkeypatch, capsys):
    """In the window S, G and Ctrl+S save under fresh names in the current folder; a run with
    --keys writes only the export it names (it wrote rnn-stepper-001.png beside it)."""
    from stepper.cli import main

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "shot.png"
    assert main([str(LESSONS / "hello.yaml"), "--keys", keys, "--screenshot", str(out)]) in (1, 2)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--keys" in err
    assert list(tmp_path.iterdir()) == []


def test_an_s_typed_into_an_entry_is_a_letter(tmp_path, monkeypatch):
    from stepper.cli import main

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "t.json"
    made = ["--text", "sass as", "--iterations", "5"]
    assert main([*made, "--keys", "e backspace*7 s a s return", "--export-trace", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]
    trace = json.loads(out.read_text(encoding="utf-8"))
    assert [trace["vocab"][i] for i in trace["inputs"]] == ["s", "a"]
