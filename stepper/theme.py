"""Palette and sizes. Light background (projectors wash out dark ones); a blue/orange
diverging scale that colour-blind viewers can read; every size scales with zoom."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

RGB = tuple[int, int, int]

ZOOM_STEPS = (0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
MIN_TEXT_PX = 16  # nothing smaller at 1x zoom: legible from the back of a room


@dataclass(frozen=True)
class Theme:
    zoom: float = 1.0
    background: RGB = (246, 245, 241)
    panel: RGB = (255, 255, 255)
    border: RGB = (196, 196, 190)
    text: RGB = (24, 24, 24)
    dim: RGB = (96, 96, 96)
    faint: RGB = (170, 170, 165)
    blank: RGB = (232, 232, 228)  # a value not computed yet
    negative: RGB = (33, 102, 172)  # blue
    positive: RGB = (217, 95, 2)  # orange
    neutral: RGB = (255, 255, 255)
    operand: RGB = (20, 20, 20)  # outline of what the current op reads
    result: RGB = (204, 0, 122)  # outline and arrows of what it writes
    lit_line: RGB = (255, 236, 150)
    prev_line: RGB = (238, 238, 230)
    status: RGB = (40, 44, 52)
    status_text: RGB = (240, 240, 240)
    good: RGB = (26, 150, 65)
    bad: RGB = (200, 30, 30)
    overlay: RGB = (30, 33, 40)
    overlay_text: RGB = (245, 245, 245)
    text_size: int = 20
    small_size: int = 16
    code_size: int = 20
    title_size: int = 24
    big_size: int = 32

    def px(self, value: float) -> int:
        return _px(value, self.zoom)

    def size(self, name: str) -> int:
        return self.px(getattr(self, f"{name}_size"))

    def zoomed(self, zoom: float) -> Theme:
        return replace(self, zoom=zoom)

    def diverging(self, value: float, scale: float) -> RGB:
        """White at 0, full blue at -scale, full orange at +scale; NaN is grey."""
        if value != value or scale <= 0:  # NaN
            return self.faint
        t = max(-1.0, min(1.0, value / scale))
        end = self.positive if t >= 0 else self.negative
        return mix(self.neutral, end, abs(t))

    def diverging_array(self, values: np.ndarray, scale: float) -> np.ndarray:
        """`diverging` for a whole array at once: (rows, cols, 3) uint8."""
        v = np.atleast_2d(np.asarray(values, dtype=np.float64))
        t = np.clip(v / scale if scale > 0 else v * 0, -1.0, 1.0)
        neutral, pos, neg = (
            np.array(c, dtype=np.float64) for c in (self.neutral, self.positive, self.negative)
        )
        end = np.where((t >= 0)[..., None], pos, neg)
        rgb = neutral + (end - neutral) * np.abs(t)[..., None]
        rgb[~np.isfinite(v)] = self.faint
        return np.round(rgb).astype(np.uint8)

    def sequential(self, value: float) -> RGB:
        """0..1 (gates): white to deep purple."""
        if value != value:
            return self.faint
        return mix(self.neutral, (84, 39, 143), max(0.0, min(1.0, value)))


@lru_cache(maxsize=4096)
def _px(value: float, zoom: float) -> int:
    """Sizes are asked for tens of thousands of times a frame, from a few hundred values."""
    return max(1, round(value * zoom))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def ink_on(fill: RGB) -> RGB:
    """Black or white text, whichever reads better on `fill`."""
    luminance = 0.2126 * fill[0] + 0.7152 * fill[1] + 0.0722 * fill[2]
    return (0, 0, 0) if luminance > 140 else (255, 255, 255)


def zoom_step(zoom: float, direction: int) -> float:
    if direction == 0:
        return 1.0
    steps = ZOOM_STEPS if direction > 0 else tuple(reversed(ZOOM_STEPS))
    for z in steps:
        if (z > zoom + 1e-9) if direction > 0 else (z < zoom - 1e-9):
            return z
    return steps[-1]
