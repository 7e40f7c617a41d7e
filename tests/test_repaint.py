"""A window whose pixels were lost (fullscreen, resize, expose) is painted whole again:
the layer cache cannot see that a surface lost its pixels, so the app must tell it."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from window_support import LESSONS

from stepper.app import App
from stepper.render import Fonts, LayerCache


def pixels(surface: pygame.Surface) -> np.ndarray:
    return pygame.surfarray.array3d(surface).copy()


def fresh(app: App) -> np.ndarray:
    """The same scene drawn on a new surface by a new cache: every layer painted."""
    scene = app.build()
    surface = pygame.Surface((scene.width, scene.height))
    LayerCache().draw(scene, surface, Fonts())
    return pixels(surface)


def test_the_cache_repaints_everything_only_once_told():
    app = App(LESSONS / "alternating.yaml", size=(800, 600), headless=True)
    scene = app.build()
    surface = pygame.Surface((800, 600))
    cache = LayerCache()
    cache.draw(scene, surface, app.fonts)
    whole = pixels(surface)
    assert whole.any()
    surface.fill((0, 0, 0))  # what set_mode leaves: the same surface object, black
    cache.draw(scene, surface, app.fonts)
    assert not pixels(surface).any(), "unchanged layers are not drawn again (the cache's point)"
    cache.forget()
    cache.draw(scene, surface, app.fonts)
    assert np.array_equal(pixels(surface), whole)


@pytest.mark.parametrize("event", [pygame.WINDOWEXPOSED, pygame.WINDOWSIZECHANGED])
def test_an_expose_repaints_every_layer(event):
    app = App(LESSONS / "alternating.yaml", size=(800, 600), headless=True)
    app.render()
    app.surface.fill((0, 0, 0))
    app.handle(pygame.event.Event(event, window=None))
    assert app.render()
    assert np.array_equal(pixels(app.surface), fresh(app))


def test_fullscreen_on_and_off_repaints_every_layer(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    app = App(LESSONS / "alternating.yaml", size=(1024, 768))
    try:
        app.render()
        for _ in range(4):  # F, F, F11, F11
            app.surface.fill((0, 0, 0))  # as a display that dropped the window's pixels
            app.toggle_fullscreen()
            assert app.render()
            assert pixels(app.surface).any()
            assert np.array_equal(pixels(app.surface), fresh(app))
    finally:
        pygame.display.quit()
