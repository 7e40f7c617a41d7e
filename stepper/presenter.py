"""The presenter window: a second pygame.Window for the teacher (pygame-ce >= 2.5.2). It
draws its own scene from the app's one state and a live thumbnail of the projector's pixels;
keys pressed in it go to the app like the projector's; closing it leaves the lesson open."""

from __future__ import annotations

import pygame

from stepper.render import Fonts, LayerCache
from stepper.scene import Rect, Scene
from stepper.views.presenter import THUMBNAIL

SIZE = (1280, 720)
TITLE = "RNN Stepper - presenter"


def projector_display(displays: int, presenter_open: bool) -> int:
    """Where the projector goes fullscreen: with the presenter open and a second display
    attached, on the second display, so the presenter window stays on the first."""
    return 1 if presenter_open and displays >= 2 else 0


class Presenter:
    def __init__(self, size: tuple[int, int] = SIZE) -> None:
        self.window = pygame.Window(TITLE, size, resizable=True)
        self.window.minimum_size = (640, 360)
        self.layers = LayerCache()
        self.dirty = True
        self.scene: Scene | None = None

    @property
    def surface(self) -> pygame.Surface:
        return self.window.get_surface()

    def owns(self, event: pygame.event.Event) -> bool:
        return getattr(event, "window", None) is self.window

    def repaint(self) -> None:
        self.layers.forget()
        self.dirty = True

    def draw(self, scene: Scene, fonts: Fonts, projector: pygame.Surface) -> None:
        """The scene, then the projector's pixels scaled into the thumbnail's box."""
        surface = self.surface
        self.scene = scene
        self.layers.forget()  # the thumbnail is pixels the layer cache does not know about
        self.layers.draw(scene, surface, fonts)
        for box in scene.tagged(THUMBNAIL):
            assert isinstance(box, Rect)
            if box.w > 2 and box.h > 2:
                thumb = pygame.transform.smoothscale(projector, (box.w - 2, box.h - 2))
                surface.blit(thumb, (box.x + 1, box.y + 1))
        self.window.flip()
        self.dirty = False

    def close(self) -> None:
        self.window.destroy()
