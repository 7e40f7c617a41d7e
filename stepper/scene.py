"""Display-list primitives: what views produce and `render.draw` turns into pixels.

Tests read scenes directly (which line is lit, which colour a weight got, what
the bars say) without looking at a single pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from stepper.theme import RGB


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    w: int
    h: int
    fill: RGB | None = None
    outline: RGB | None = None
    width: int = 1
    radius: int = 0
    tag: str = ""  # what it stands for, for tests and hit-testing
    alpha: int = 255  # below 255 the rectangle is see-through (overlay scrims)


@dataclass(frozen=True, slots=True)
class Text:
    x: int
    y: int
    text: str
    size: int
    color: RGB
    font: str = "sans"  # sans | mono
    bold: bool = False
    anchor: str = "topleft"  # topleft | midleft | center | midright | topright | midtop
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    color: RGB
    width: int = 2
    arrow: bool = False
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    """One number of an array: a coloured box, its value and where it comes from."""

    x: int
    y: int
    w: int
    h: int
    fill: RGB
    label: str  # the number as drawn ("" when the box is too small or blank)
    label_size: int
    label_color: RGB
    name: str  # array name, e.g. "Whh"
    index: tuple[int, ...]
    value: float | None  # None: not computed yet at this op
    tag: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Raster:
    """An array too large for numbered cells, drawn as one image: a pixel block per value.

    Compared and hashed by `key` (what it shows) and place, not by its pixels."""

    x: int
    y: int
    w: int
    h: int
    name: str
    colors: np.ndarray  # (rows, cols, 3) uint8, read-only
    key: tuple
    values: np.ndarray | None = None  # the numbers drawn, for the pointer's value box

    @property
    def shape(self) -> tuple[int, int]:
        return self.colors.shape[0], self.colors.shape[1]

    def index_at(self, x: int, y: int) -> tuple[int, ...]:
        rows, cols = self.shape
        i = min(rows - 1, (y - self.y) * rows // max(1, self.h))
        j = min(cols - 1, (x - self.x) * cols // max(1, self.w))
        return (i, j) if cols > 1 else (i,)

    def value_at(self, index: tuple[int, ...]) -> float | None:
        """The number behind a pixel block, when the raster carries its values."""
        if self.values is None:
            return None
        return float(self.values.reshape(self.shape)[index if len(index) == 2 else (index[0], 0)])

    def _identity(self) -> tuple:
        return (self.x, self.y, self.w, self.h, self.name, self.key)

    def __hash__(self) -> int:
        return hash(self._identity())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raster) and self._identity() == other._identity()


@dataclass(frozen=True, slots=True)
class Hotspot:
    """An invisible area the mouse can point at or click (a timeline column, a code token)."""

    x: int
    y: int
    w: int
    h: int
    kind: str  # "cell" | "token" | "timestep" | "lesson"
    key: str  # what it refers to: array name, token name, timestep number


Primitive = Rect | Text | Line | Cell | Raster | Hotspot


@dataclass(frozen=True, slots=True)
class Layer:
    """One panel's primitives, all inside its box: the renderer keeps its pixels and
    reuses them while the primitives stay the same."""

    name: str
    x: int
    y: int
    w: int
    h: int
    items: tuple[Primitive, ...]


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    layers: tuple[Layer, ...] = field(default_factory=tuple)
    #: the zoom it is laid out at: less than asked where that keeps the current op's numbers
    #: as large as at 100% (stepper.views.screen)
    zoom: float = 1.0

    @cached_property
    def items(self) -> tuple[Primitive, ...]:
        return tuple(item for layer in self.layers for item in layer.items)

    def of(self, kind: type) -> list:
        return [item for item in self.items if isinstance(item, kind)]

    def tagged(self, tag: str) -> list[Primitive]:
        return [item for item in self.items if getattr(item, "tag", "") == tag]

    def hit(self, x: int, y: int) -> Cell | Raster | Hotspot | None:
        """The topmost cell, raster or hotspot under the point."""
        for item in reversed(self.items):
            if isinstance(item, (Cell, Raster, Hotspot)) and (
                item.x <= x < item.x + item.w and item.y <= y < item.y + item.h
            ):
                return item
        return None
