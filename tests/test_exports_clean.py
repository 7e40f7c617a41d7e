"""Saved images (S, G, --screenshot, --export-frames) show the frame, never the status
bar's passing notes ("saving ...", "zoom 150%") or the Esc question; GIF frames are drawn
at the GIF's size, so their text is never shrunk below 16 px."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pygame
import pytest
from PIL import Image
from window_support import LESSONS

from stepper.app import App
from stepper.cli import main
from stepper.commands import QUIT_QUESTION
from stepper.headless import GIF_MAX_WIDTH, pass_frames, pass_gif
from stepper.render import Fonts, LayerCache
from stepper.scene import Text
from stepper.theme import MIN_TEXT_PX

NOTES = ("zoom 150%", "saving", QUIT_QUESTION)


def status_texts(scene) -> str:
    (status,) = [layer for layer in scene.layers if layer.name == "status"]
    return " ".join(i.text for i in status.items if isinstance(i, Text))


def noisy(app: App) -> None:
    """The window as a teacher leaves it: a zoom note in the status bar, Esc asked once."""
    app.set_state(replace(app.state, message="zoom 150%", quit_asked=True))
    app.render()
    shown = status_texts(app.scene)
    assert "zoom 150%" in shown and QUIT_QUESTION in shown


def pixels(surface: pygame.Surface) -> np.ndarray:
    return pygame.surfarray.array3d(surface).swapaxes(0, 1).copy()


@pytest.fixture
def window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = App(LESSONS / "alternating.yaml", size=(1920, 1080))
    app.render()
    yield app
    pygame.display.quit()


def test_s_saves_the_frame_without_the_passing_notes(window, tmp_path):
    noisy(window)
    on_screen = pixels(window.surface)
    path = window.save_png(tmp_path)
    saved = np.asarray(Image.open(path).convert("RGB"))
    clean = pygame.Surface((1920, 1080))
    scene = window.build(window.state.exported())
    assert not any(note in status_texts(scene) for note in NOTES)
    LayerCache().draw(scene, clean, Fonts())
    assert np.array_equal(saved, pixels(clean)), "the PNG is the clean frame"
    assert not np.array_equal(saved, on_screen), "and not the noisy one on screen"


def record_scenes(app: App, monkeypatch) -> list:
    """Every scene the exporter asks the app for."""
    built = []
    build = app.build

    def recording(state=None, size=None, theme=None):
        built.append(build(state, size, theme))
        return built[-1]

    monkeypatch.setattr(app, "build", recording)
    return built


def test_gif_frames_are_drawn_at_the_gif_size_without_notes(window, monkeypatch):
    noisy(window)
    built = record_scenes(window, monkeypatch)
    state = replace(window.state, message="saving rnn-stepper-1.gif...")
    data, count = pass_gif(window, state, window.trace_of(state), "forward")
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == count == len(built) > 10
    assert gif.size == (GIF_MAX_WIDTH, 720)
    for scene in built:
        assert (scene.width, scene.height) == gif.size, "drawn at the GIF's size: nothing scaled"
        assert not any(note in status_texts(scene) for note in NOTES)
        small = [t for t in scene.of(Text) if t.text and t.size < MIN_TEXT_PX]
        assert not small, small[:3]


def test_gif_of_a_zoomed_out_window_keeps_its_text_readable(window, monkeypatch):
    window.theme = window.theme.zoomed(0.5)
    built = record_scenes(window, monkeypatch)
    pass_gif(window, window.state, window.trace_of(window.state), "forward")
    assert built and all(t.size >= MIN_TEXT_PX for scene in built for t in scene.of(Text) if t.text)


def test_export_frames_draw_no_notes(window, monkeypatch):
    noisy(window)
    built = record_scenes(window, monkeypatch)
    trace = window.trace_of(window.state)
    frames = list(pass_frames(window, window.state, trace, "backward"))
    assert len(frames) == len(built) == len(trace.phase_range("backward"))
    for scene in built:
        assert not any(note in status_texts(scene) for note in NOTES)


def test_screenshot_from_the_command_line_has_no_notes(tmp_path):
    out = tmp_path / "shot.png"
    assert main([str(LESSONS / "alternating.yaml"), "--screenshot", str(out), "--size", "1280x720"]) == 0
    app = App(LESSONS / "alternating.yaml", size=(1280, 720), headless=True)
    app.set_state(replace(app.state, checkpoint=app.session.checkpoint_names[-1], animate=False))
    app.render()
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), pixels(app.surface))
