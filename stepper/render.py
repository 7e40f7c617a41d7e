"""Turn a Scene into pixels. The only module that draws or touches fonts; it decides nothing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pygame

from stepper.scene import Cell, Hotspot, Layer, Line, Raster, Rect, Scene, Text

FONT_DIR = Path(__file__).parent / "assets" / "fonts"
FONT_FILES = {
    ("sans", False): "DejaVuSans.ttf",
    ("sans", True): "DejaVuSans-Bold.ttf",
    ("mono", False): "DejaVuSansMono.ttf",
    ("mono", True): "DejaVuSansMono-Bold.ttf",
}
GLYPH_CACHE_BYTES = 24 * 2**20  # rendered text kept; long captions are large surfaces
WIDTHS_KEPT = 16_000


class Fonts:
    """Bundled fonts by (family, size, bold), and rendered strings cached:
    most text on screen is the same from frame to frame."""

    def __init__(self) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._fonts: dict[tuple[str, int, bool], pygame.font.Font] = {}
        self._glyphs: dict[tuple, pygame.Surface] = {}
        self._glyph_bytes = 0
        self._widths: dict[tuple[str, int, str, bool], int] = {}

    def font(self, family: str, size: int, bold: bool = False) -> pygame.font.Font:
        key = (family, size, bold)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(FONT_DIR / FONT_FILES[(family, bold)], size)
            self._fonts[key] = font
        return font

    def cell(self, item: Cell) -> pygame.Surface:
        """A numbered cell as one opaque image: most cells look the same from frame to frame,
        and one blit is several times cheaper than a fill and a text blit."""
        key = ("cell", item.w, item.h, item.fill, item.label, item.label_size, item.label_color)
        sprite = self._glyphs.get(key)
        if sprite is None:
            sprite = pygame.Surface((max(1, item.w - 1), max(1, item.h - 1)))
            sprite.fill(item.fill)
            if item.label:
                image = self.render(item.label, item.label_size, "sans", False, item.label_color)
                sprite.blit(image, image.get_rect(center=(item.w // 2 - 1, item.h // 2 - 1)))
            self._keep(key, sprite)
        return sprite

    def _keep(self, key: tuple, surface: pygame.Surface) -> None:
        cost = surface.get_width() * surface.get_height() * 4
        if self._glyph_bytes + cost > GLYPH_CACHE_BYTES:
            self._glyphs.clear()
            self._glyph_bytes = 0
        self._glyphs[key] = surface
        self._glyph_bytes += cost

    def measure(self, text: str, size: int, family: str = "sans", bold: bool = False) -> int:
        key = (text, size, family, bold)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) >= WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[key] = self.font(family, size, bold).size(text)[0]
        return width

    def render(self, text: str, size: int, family: str, bold: bool, color: tuple) -> pygame.Surface:
        key = (text, size, family, bold, color)
        surface = self._glyphs.get(key)
        if surface is None:
            surface = self.font(family, size, bold).render(text, True, color)
            self._keep(key, surface)
        return surface


def _blit_text(surface: pygame.Surface, fonts: Fonts, item: Text) -> None:
    if not item.text:
        return
    image = fonts.render(item.text, item.size, item.font, item.bold, item.color)
    rect = image.get_rect()
    setattr(rect, item.anchor, (item.x, item.y))
    surface.blit(image, rect)


def _arrow_head(surface: pygame.Surface, line: Line) -> None:
    angle = math.atan2(line.y2 - line.y1, line.x2 - line.x1)
    size = 6 + 3 * line.width
    points = [
        (line.x2, line.y2),
        (line.x2 - size * math.cos(angle - 0.45), line.y2 - size * math.sin(angle - 0.45)),
        (line.x2 - size * math.cos(angle + 0.45), line.y2 - size * math.sin(angle + 0.45)),
    ]
    pygame.draw.polygon(surface, line.color, points)


def _extent(items: tuple, fonts: Fonts) -> pygame.Rect:
    """The smallest rectangle holding everything the items draw (text measured, arrow heads padded)."""
    boxes = []
    for item in items:
        if isinstance(item, Text):
            if item.text:
                w, h = fonts.measure(item.text, item.size, item.font, item.bold), round(item.size * 1.3)
                rect = pygame.Rect(0, 0, w, h)
                setattr(rect, item.anchor, (item.x, item.y))
                boxes.append(rect)
        elif isinstance(item, Line):
            pad = 8 + 3 * item.width
            x0, x1 = sorted((item.x1, item.x2))
            y0, y1 = sorted((item.y1, item.y2))
            boxes.append(pygame.Rect(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))
        elif isinstance(item, (Rect, Cell, Raster)):
            pad = item.width if isinstance(item, Rect) else 0
            boxes.append(pygame.Rect(item.x - pad, item.y - pad, item.w + 2 * pad, item.h + 2 * pad))
    return boxes[0].unionall(boxes[1:]) if boxes else pygame.Rect(0, 0, 0, 0)


#: Layers with few distinct looks (the code panel: one per lit line) keep each look's pixels.
KEEP_PIXELS = frozenset({"code"})
PIXELS_KEPT = 48  # looks kept at most, about 2 MB each at 1920x1080


class LayerCache:
    """Draws only the layers whose primitives changed since the last frame on the same
    surface: their pixels are still there. An overlay covers the others, so after a
    frame with one, or on a new surface, everything is drawn again; so it is when the
    layout changes (zoom, a panel opened or closed): a layer that moved or went away
    leaves pixels in places no current layer paints, and one that comes back is not
    on screen even if its primitives are the same as when it was last drawn."""

    def __init__(self) -> None:
        self._drawn: dict[str, tuple[tuple, tuple[int, int, int, int]]] = {}
        self._extent: dict[str, pygame.Rect] = {}  # what each layer's primitives covered last time
        self._pixels: dict[tuple, pygame.Surface] = {}  # finished looks of the layers in KEEP_PIXELS
        self._surface: tuple[int, tuple[int, int]] | None = None
        self._layout: tuple = ()
        self._covered = False

    def draw(self, scene: Scene, surface: pygame.Surface, fonts: Fonts) -> None:
        identity = (id(surface), surface.get_size())
        layout = tuple((layer.name, layer.x, layer.y, layer.w, layer.h) for layer in scene.layers)
        if self._covered or identity != self._surface or layout != self._layout:
            self._drawn.clear()
            self._extent.clear()
        if identity != self._surface or layout != self._layout:
            self._pixels.clear()
        self._surface = identity
        self._layout = layout
        for layer in scene.layers:
            # Compared, not hashed: unchanged layers hold the very same (memoised) primitives,
            # and tuple equality stops at identity, so this costs a pointer check per item.
            drawn = self._drawn.get(layer.name)
            if (
                drawn is not None
                and drawn[1] == (layer.x, layer.y, layer.w, layer.h)
                and drawn[0] == layer.items
            ):
                continue
            key = (layer.items, (layer.x, layer.y, layer.w, layer.h))
            kept = self._pixels.get((layer.name, hash(key))) if layer.name in KEEP_PIXELS else None
            if kept is not None:
                surface.blit(kept, (layer.x, layer.y))
                self._extent[layer.name] = pygame.Rect(layer.x, layer.y, layer.w, layer.h)
            else:
                self._redraw(layer, surface, fonts)
                if layer.name in KEEP_PIXELS:
                    self._keep_pixels((layer.name, hash(key)), layer, surface)
            self._drawn[layer.name] = key
        self._covered = any(layer.name.startswith("overlay") for layer in scene.layers)

    def _redraw(self, layer: Layer, surface: pygame.Surface, fonts: Fonts) -> None:
        """A layer that starts by filling its whole box need only clear what it covered last
        time and covers now (and draw the box's outline again): the rest is still filled."""
        items = layer.items
        ground = items[0] if items else None
        content = items[1:]
        extent = _extent(content, fonts)
        before = self._extent.get(layer.name)
        whole = (layer.x, layer.y, layer.w, layer.h)
        if (
            before is not None
            and isinstance(ground, Rect)
            and (ground.x, ground.y, ground.w, ground.h) == whole
            and ground.fill is not None
            and ground.alpha == 255
            and ground.radius == 0
        ):
            surface.fill(ground.fill, before.union(extent).clip(pygame.Rect(whole)))
            if ground.outline is not None:
                pygame.draw.rect(surface, ground.outline, whole, ground.width)
            draw_items(content, surface, fonts)
        else:
            draw_items(items, surface, fonts)
        self._extent[layer.name] = extent

    def _keep_pixels(self, key: tuple, layer: Layer, surface: pygame.Surface) -> None:
        area = pygame.Rect(layer.x, layer.y, layer.w, layer.h).clip(surface.get_rect())
        if area.size != (layer.w, layer.h):
            return
        if len(self._pixels) >= PIXELS_KEPT:
            self._pixels.clear()
        self._pixels[key] = surface.subsurface(area).copy()

    def forget(self) -> None:
        self._drawn.clear()
        self._extent.clear()
        self._pixels.clear()


def draw_items(items: tuple, surface: pygame.Surface, fonts: Fonts) -> None:
    for item in items:
        if isinstance(item, Cell):
            surface.blit(fonts.cell(item), (item.x + 1, item.y + 1))  # a 1 px seam stays uncovered
        elif isinstance(item, Text):
            _blit_text(surface, fonts, item)
        elif isinstance(item, Rect):
            if item.fill is not None:
                if item.alpha < 255:
                    veil = pygame.Surface((max(1, item.w), max(1, item.h)), pygame.SRCALPHA)
                    veil.fill((*item.fill, item.alpha))
                    surface.blit(veil, (item.x, item.y))
                elif item.radius == 0:
                    surface.fill(item.fill, (item.x, item.y, item.w, item.h))
                else:
                    pygame.draw.rect(
                        surface, item.fill, (item.x, item.y, item.w, item.h), border_radius=item.radius
                    )
            if item.outline is not None:
                pygame.draw.rect(
                    surface,
                    item.outline,
                    (item.x, item.y, item.w, item.h),
                    item.width,
                    border_radius=item.radius,
                )
        elif isinstance(item, Line):
            pygame.draw.line(surface, item.color, (item.x1, item.y1), (item.x2, item.y2), item.width)
            if item.arrow:
                _arrow_head(surface, item)
        elif isinstance(item, Raster):
            image = pygame.surfarray.make_surface(np.ascontiguousarray(item.colors.swapaxes(0, 1)))
            surface.blit(pygame.transform.scale(image, (max(1, item.w), max(1, item.h))), (item.x, item.y))
        elif isinstance(item, Hotspot):
            continue
