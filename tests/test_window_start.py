"""The command line's place in a lesson: --checkpoint, --pass, --step, --panels, --sequence
open the window (and the image exports) there; bad values are one line and exit 2."""

from __future__ import annotations

import pygame
from window_support import LESSONS

from stepper.app import App, StartAt
from stepper.cli import main
from stepper.navigation import position
from stepper.trace import BACKWARD


def test_start_at_opens_the_window_at_the_asked_place():
    sequence = (0, 1, 2, 2, 3, 0)  # h e l l o h
    app = App(
        LESSONS / "hello.yaml",
        size=(1280, 720),
        start_at=StartAt("trained", BACKWARD, 7, ("heatmap",), sequence),
    )
    state = app.state
    trace = app.trace_of(state)
    assert state.checkpoint == "trained" and state.cursor.phase == BACKWARD
    assert position(state.cursor, trace)[0] == 8
    assert state.panels == ("heatmap",) and trace.inputs == sequence[:-1]
    app.render()
    pygame.display.quit()


def test_without_options_the_window_opens_untrained_at_the_start():
    app = App(LESSONS / "hello.yaml", size=(1280, 720), start_at=StartAt())
    assert app.state.checkpoint == app.session.checkpoint_names[0] and app.state.cursor.index == 0
    pygame.display.quit()


def test_bad_window_options_are_one_line_and_exit_2(capsys):
    lesson = str(LESSONS / "hello.yaml")
    for argv, says in (
        ([lesson, "--checkpoint", "nope"], "no checkpoint 'nope'"),
        ([lesson, "--sequence", "h,x"], "unknown symbol 'x'"),
        ([lesson, "--panels", "heatmap,nope"], "unknown panel 'nope'"),
        ([lesson, "--size", "big"], "expected WxH"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_screenshot_plays_the_given_sequence(tmp_path):
    out = tmp_path / "seq.png"
    assert (
        main(
            [
                str(LESSONS / "hello.yaml"),
                "--screenshot",
                str(out),
                "--sequence",
                "h,e,l,l,o,h",
                "--size",
                "1280x720",
            ]
        )
        == 0
    )
    assert out.exists()


def test_without_size_the_window_fits_the_screen(monkeypatch):
    """A 1366x768 projector (here the dummy driver's one screen): the window opens no larger
    than it, rather than 1920x1080 with its top and its status bar off the screen; --size
    still opens what it says."""
    opened = []
    monkeypatch.setattr(App, "run", lambda self: opened.append(self.surface.get_size()) or 0)
    pygame.display.init()
    screen = pygame.display.get_desktop_sizes()[0]
    assert main([str(LESSONS / "hello.yaml")]) == 0
    assert main([str(LESSONS / "hello.yaml"), "--size", "800x600"]) == 0
    pygame.display.quit()
    (w, h), asked = opened
    assert w <= screen[0] and h <= screen[1] and (w, h) != (0, 0)
    assert asked == (800, 600)
