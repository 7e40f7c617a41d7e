"""G in the window on a pass too long to draw at once: real key events under SDL's dummy
driver. The GIF is drawn in slices between frames, its progress in the status bar; Esc
cancels it and leaves no file; what it writes is the GIF the command line draws at once."""

from __future__ import annotations

import io
import threading

import pygame
import pytest
from PIL import Image
from test_files_safety import press, snapshot, temporaries
from window_support import LESSONS

from stepper.app import GIF_AT_ONCE_PIXELS, App
from stepper.headless import gif_size, pass_gif, pass_ops
from stepper.scene import Text

SIZE = (1280, 720)
TICKS = 10_000  # far more slices than any pass here needs: a hang fails, not a slow machine


@pytest.fixture
def window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = App(LESSONS / "hello.yaml", size=SIZE)
    while app.opening is not None:
        app.tick(0.016)
    app.render()
    yield app
    pygame.display.quit()


def status(app: App) -> str:
    """The status bar as the window drew it (its note comes first)."""
    assert app.scene is not None
    (bar,) = [t.text for t in app.scene.tagged("status-text") if isinstance(t, Text)]
    return bar


def frames_of(app: App) -> int:
    trace = app.trace_of(app.state)
    return len(pass_ops(trace, app.state.cursor.phase))


def test_the_pass_here_is_too_long_to_draw_at_once(window):
    w, h = gif_size(window.surface.get_size())
    assert frames_of(window) * w * h > GIF_AT_ONCE_PIXELS, "else this file tests nothing"


def test_g_draws_in_slices_with_progress_and_writes_the_same_gif(window, tmp_path):
    press(window, "right", "right")
    before = window.state
    total = frames_of(window)
    press(window, "g")
    assert window.saving is not None and not list(tmp_path.iterdir()), "nothing written yet"
    assert status(window).startswith(f"saving rnn-stepper-001.gif: frame 0 of {total} (Esc cancels)")
    press(window, "right", "b", "t")  # what the GIF draws does not change under it
    assert window.state.cursor == before.cursor and window.state.checkpoint == before.checkpoint
    drawn = []
    for _ in range(TICKS):
        if window.saving is None:
            break
        drawn.append(window.saving.done)
        window.tick(0.016)
        window.render()
        if window.saving is not None:
            done = window.saving.done
            doing = f"frame {done} of {total}" if done < total else "compressing"
            assert status(window).startswith(f"saving rnn-stepper-001.gif: {doing} (Esc cancels)")
    assert window.saving is None
    assert drawn == sorted(drawn) and len(set(drawn)) > 1, "progress shown on the way"
    assert window.state.message == f"saved rnn-stepper-001.gif ({total} frames)"
    written = (tmp_path / "rnn-stepper-001.gif").read_bytes()
    assert Image.open(io.BytesIO(written)).n_frames == total
    at_once, count = pass_gif(window, before, window.trace_of(before), before.cursor.phase)
    assert (written, total) == (at_once, count), "slices draw the GIF the command line draws"
    press(window, "right")
    assert window.state.cursor != before.cursor, "keys act again"


def test_esc_cancels_and_leaves_no_file(window, tmp_path):
    mine = tmp_path / "rnn-stepper-001.gif"
    mine.write_bytes(b"the GIF the teacher saved yesterday")
    before = snapshot(tmp_path)
    press(window, "g")
    window.tick(0.016)
    window.tick(0.016)
    assert window.saving is not None and "rnn-stepper-002.gif" in window.state.message
    press(window, "escape")
    assert window.saving is None and window.running
    assert window.state.message == "GIF not saved: cancelled"
    assert not window.state.quit_asked, "that Esc cancelled the GIF; it did not ask to quit"
    for _ in range(20):
        window.tick(0.016)
    assert snapshot(tmp_path) == before and not temporaries(tmp_path)
    press(window, "escape")
    assert window.state.quit_asked, "the next Esc means what it always does"


def test_closing_the_window_while_drawing_leaves_no_file(window, tmp_path):
    press(window, "g")
    window.tick(0.016)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    for event in pygame.event.get():
        window.handle(event)
    assert not window.running
    assert not list(tmp_path.iterdir())


def test_a_click_or_a_drop_while_drawing_changes_nothing(window, tmp_path):
    press(window, "g")
    state = window.state
    for event in (
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(SIZE[0] // 2, SIZE[1] // 2)),
        pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1),
        pygame.event.Event(pygame.DROPFILE, file=str(LESSONS / "gru-gates.yaml")),
    ):
        window.handle(event)
    assert window.state == state and window.opening is None
    assert window.session.lesson.path.name == "hello.yaml"


def test_esc_while_the_frames_are_compressed_writes_nothing(window, tmp_path):
    press(window, "g")
    for _ in range(TICKS):
        if window.saving is None or window.saving.done == window.saving.total:
            break
        window.tick(0.016)
    window.render()
    assert window.saving is not None, "every frame drawn, the GIF not written yet"
    assert status(window).startswith("saving rnn-stepper-001.gif: compressing (Esc cancels)")
    press(window, "escape")
    assert window.saving is None and window.state.message == "GIF not saved: cancelled"
    for thread in threading.enumerate():
        if thread.name == "gif":
            thread.join()  # the compression it no longer waits for ends, its result dropped
    assert not list(tmp_path.iterdir())
