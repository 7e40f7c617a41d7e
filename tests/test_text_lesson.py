"""--text makes an ordinary lesson: --save-lesson writes it, --check passes it, loading the
written file gives the same lesson; a dropped .txt or .yaml opens in the window."""

from __future__ import annotations

from dataclasses import replace

import pygame
import pytest
from window_support import LESSONS

from stepper.app import App
from stepper.cli import main
from stepper.lesson import load_lesson
from stepper.lesson.text import text_lesson

TEXT = "the quick brown fox jumps over the lazy dog, and then? it sleeps; zzz. wow she said!"


def test_save_lesson_round_trips_and_passes_check(tmp_path, capsys):
    out = tmp_path / "mine.yaml"
    assert main(["--text", TEXT, "--save-lesson", str(out)]) == 0
    made, _ = text_lesson(TEXT)
    saved = load_lesson(out)
    assert replace(saved, path=made.path) == made
    assert len(made.vocab) == 32 and set(made.vocab) == set(TEXT)
    assert "".join(made.vocab[i] for i in made.data) == TEXT
    assert main(["--check", str(out)]) == 0
    # Nothing the user made is overwritten unless asked.
    assert main(["--text", "abc", "--save-lesson", str(out)]) == 1
    assert load_lesson(out) == saved


def test_text_settings_change_the_model(tmp_path):
    out = tmp_path / "gru.yaml"
    argv = ["--text", "abcabd", "--cell", "gru", "--hidden", "5", "--iterations", "40"]
    assert main([*argv, "--save-lesson", str(out)]) == 0
    lesson = load_lesson(out)
    assert (lesson.model.cell, lesson.model.hidden_size, lesson.training.iterations) == ("gru", 5, 40)


def test_a_txt_file_is_read_with_line_breaks_as_spaces(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\nworld\n", encoding="utf-8")
    lesson, _ = text_lesson(str(notes))
    assert "".join(lesson.vocab[i] for i in lesson.data) == "hello world"


@pytest.mark.parametrize(
    "argv",
    [
        ["--text", "".join(chr(c) for c in range(65, 65 + 33))],  # 33 different characters
        ["--text", "a"],
        ["--text", "abab", "--hidden", "999"],
        ["--text", "abab", "--cell", "transformer"],
        ["--hidden", "8"],
        ["--save-lesson", "x.yaml"],
        [str(LESSONS / "hello.yaml"), "--text", "abab"],
    ],
)
def test_bad_text_options_are_refused_in_one_line(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) in (1, 2)
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err
    assert not (tmp_path / "x.yaml").exists()


def test_dropping_a_text_or_a_lesson_opens_it(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("abcabcabd", encoding="utf-8")
    app = App(size=(1280, 720))
    try:
        pygame.event.post(pygame.event.Event(pygame.DROPFILE, file=str(notes)))
        for event in pygame.event.get():
            app.handle(event)
        while app.opening is not None:
            app.tick(0.03)
        assert app.session is not None and app.session.lesson.vocab == ("a", "b", "c", "d")
        assert app.state.checkpoint == "trained"  # your own text opens trained
        pygame.event.post(pygame.event.Event(pygame.DROPFILE, file=str(LESSONS / "hello.yaml")))
        pygame.event.post(pygame.event.Event(pygame.DROPFILE, file=str(tmp_path / "picture.png")))
        for event in pygame.event.get():
            app.handle(event)
        while app.opening is not None:
            app.tick(0.03)
        assert app.session.lesson.title == load_lesson(LESSONS / "hello.yaml").title
        assert "picture.png" in app.state.message
    finally:
        pygame.display.quit()


@pytest.mark.parametrize("name,content", [("broken.yaml", "title: [unclosed\n"), ("gone.yaml", None)])
def test_a_dropped_lesson_that_cannot_open_leaves_the_lesson_shown(tmp_path, name, content):
    """A file dropped by mistake (broken, or gone before it was read) does not close the
    lesson the class is watching: it stays at its place and the status bar says why."""
    dropped = tmp_path / name
    if content is not None:
        dropped.write_text(content, encoding="utf-8")
    app = App(LESSONS / "hello.yaml", size=(1280, 720), headless=True)
    try:
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0, unicode="", scancode=0))
        session, cursor = app.session, app.state.cursor
        app.handle(pygame.event.Event(pygame.DROPFILE, file=str(dropped)))
        while app.opening is not None:
            app.tick(0.03)
        assert app.session is session and app.state.cursor == cursor
        assert name in app.state.message
    finally:
        pygame.display.quit()


def test_a_32_symbol_lesson_shows_the_current_ops_numbers_at_1280x720(tmp_path):
    """With 32 symbols the diagram may have room only for colours: the caption then carries
    every number of the op on screen, readable from the back of the room."""
    import re

    import numpy as np

    from stepper.app import StartAt
    from stepper.scene import Text

    lesson, _ = text_lesson(TEXT)
    assert len(lesson.vocab) == 32
    app = App(lesson.path, size=(1280, 720), headless=True, lesson=lesson, start_at=StartAt("trained"))
    try:
        trace = app.trace_of(app.state)
        for index in list(trace.phase_range("forward"))[:12]:
            step = trace.steps[index]
            if step.output.size < 2:
                continue
            app.set_state(replace(app.state, cursor=replace(app.state.cursor, index=index)))
            app.render()
            caption = " ".join(t.text for t in app.scene.of(Text) if t.tag == "caption-text")
            assert all(t.size >= 20 for t in app.scene.of(Text) if t.tag == "caption-text")
            shown = re.search(r"\[([^\]]*)\]", caption)
            assert shown is not None, (step.op, caption)
            numbers = np.array([float(v) for v in shown.group(1).split(",")])
            assert numbers.shape == (step.output.size,), step.op
            assert np.allclose(numbers, step.output.ravel(), atol=0.0051), step.op
    finally:
        pygame.display.quit()


def test_a_fifo_named_as_text_is_refused_not_waited_on(tmp_path, capsys):
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "notes.txt"
    os.mkfifo(fifo)
    assert main(["--text", str(fifo), "--save-lesson", str(tmp_path / "out.yaml")]) == 1
    assert "not a regular file" in capsys.readouterr().err


def test_a_space_is_written_as_a_visible_symbol_in_the_rows_of_symbols():
    """A text's spaces are symbols like any other: the timeline's input and target rows (and
    the sample pass's) write them as ␣ rather than leave their column looking empty."""
    from dataclasses import replace as replaced

    from stepper.navigation import Cursor
    from stepper.scene import Text
    from stepper.trace import SAMPLE

    lesson, _ = text_lesson("ab ab ba ab")
    app = App(lesson.path, size=(1280, 720), headless=True, lesson=lesson)
    try:
        app.render()
        trace = app.trace_of(app.state)
        space = lesson.vocab.index(" ")
        rows = {t.tag: t.text for t in app.scene.of(Text) if t.tag.startswith("symbol:")}
        for t, symbol in enumerate(trace.inputs):
            if f"symbol:0:{t}" in rows:
                assert rows[f"symbol:0:{t}"] == ("\u2423" if symbol == space else lesson.vocab[symbol])
        assert "\u2423" in rows.values()
        span = trace.phase_range(SAMPLE)
        app.set_state(replaced(app.state, cursor=Cursor(SAMPLE, span.stop - 1)))
        app.render()
        written = [t.text for t in app.scene.of(Text) if t.tag.startswith("written:")]
        wrote_space = space in app.trace_of(app.state).sample.symbols[-len(written) :]
        assert written and " " not in written and ("\u2423" in written) == wrote_space
        sample = app.trace_of(app.state).sample
        cut = any(t.tag == "written-cut" for t in app.scene.of(Text))
        assert cut == (len(written) < len(sample.prime) + len(sample.symbols))  # none dropped unsaid
    finally:
        pygame.display.quit()
