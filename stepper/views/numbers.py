"""One number format for every cell: two decimals, exact integers without them, and a
block whose values are all tiny (or huge) shown the textbook way, with one scale factor
on its label (`dWhy  ×1e-3`) and readable digits in its cells."""

from __future__ import annotations

import math

import numpy as np

TINY = 0.05  # a block whose largest |value| is below this gets a factor: 0.003 reads as 3.00 ×1e-3
HUGE = 1000.0  # ... and so does one at or above this


def block_exponent(scale: float) -> int:
    """The power of ten a block's values are divided by (0: shown as they are)."""
    if not math.isfinite(scale) or scale <= 0 or TINY <= scale < HUGE:
        return 0
    return math.floor(math.log10(scale))


def top_magnitude(value: object) -> float:
    """The largest finite |number| of an array (0.0 when none): what its factor follows."""
    flat = np.abs(np.asarray(value, dtype=np.float64))
    finite = flat[np.isfinite(flat)]
    return float(finite.max()) if finite.size else 0.0


def scaled(value: float, exponent: int) -> float:
    """value / 10**exponent without overflow or division by zero, down to subnormals
    (10.0**-324 is 0.0 and 10.0**324 is inf; two half steps are neither)."""
    half = exponent // 2
    return value * 10.0 ** (-half) * 10.0 ** (half - exponent)


def number_text(value: float, exponent: int = 0, digits: int = 2) -> str:
    """The one format: `value / 10**exponent` with two decimals (or `digits`); integers exactly."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    v = scaled(value, exponent) if exponent else value
    if not math.isfinite(v):
        return "∞" if v > 0 else "-∞"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def factor_text(exponent: int) -> str:
    """What a block's label adds when its values are scaled: `×1e-3`."""
    return f"×1e{exponent}" if exponent else ""


def widest_text(scale: float, exponent: int) -> str:
    """A string at least as wide as any number of a block whose largest |value| is `scale`."""
    top = abs(scaled(scale, exponent)) if math.isfinite(scale) else 1.0
    digits = len(str(int(top))) if math.isfinite(top) and top < 1e6 else 7
    return "-" + "8" * digits + ".88"
