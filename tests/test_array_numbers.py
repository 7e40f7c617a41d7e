"""The update and sample passes write each array's numbers in one format: three decimals
(integers exactly: a one-hot is 1 and 0, as in the diagram), and an array whose numbers are
all tiny carries one scale factor on its title (`dWxh ×1e-3`) instead of some cells in
exponent notation beside others in decimals. Every number drawn, read back with its array's
factor, is the value the trace holds to the digits shown."""

from __future__ import annotations

import re

import pytest
from window_support import LESSONS as LESSON_DIR
from window_support import THEME, frame_at, measure, session

from stepper.scene import Cell, Text
from stepper.trace import SAMPLE, UPDATE
from stepper.views.screen import build_screen

LESSONS = sorted(p.name for p in LESSON_DIR.glob("*.yaml"))
DECIMALS = re.compile(r"-?\d+\.\d{3}")
INTEGER = re.compile(r"-?\d+")


def _places(name: str, phase: str) -> list[int]:
    s = session(name)
    n = len(s.trace(s.checkpoint_names[-1]).phase_range(phase))
    return sorted({0, 1, 2, 3, 4, n // 3, n // 2, n - 2, n - 1} & set(range(n)))


def _factor(title: str) -> int:
    found = re.search(r"×1e(-?\d+)$", title)
    return int(found.group(1)) if found else 0


def _arrays(name: str, phase: str, k: int):
    """Each drawn array's cells with the factor read from its title."""
    frame = frame_at(name, phase, k)
    scene = build_screen(frame, 1280, 720, THEME, measure)
    (layer,) = [la for la in scene.layers if la.name == "diagram"]
    titles = {i.tag.removeprefix("array-title:"): i.text for i in layer.items if isinstance(i, Text)}
    by_name: dict[str, list[Cell]] = {}
    for item in layer.items:
        if isinstance(item, Cell) and item.value is not None:
            by_name.setdefault(item.name, []).append(item)
    return frame, {n: (cells, _factor(titles[n])) for n, cells in by_name.items()}


@pytest.mark.parametrize("name", LESSONS)
@pytest.mark.parametrize("phase", [UPDATE, SAMPLE])
def test_one_format_per_array_and_every_number_reads_back(name, phase):
    scaled = 0
    for k in _places(name, phase):
        _, arrays = _arrays(name, phase, k)
        assert arrays
        for array, (cells, exponent) in arrays.items():
            scaled += exponent != 0
            unit = 10.0**exponent
            for c in cells:
                assert DECIMALS.fullmatch(c.label) or INTEGER.fullmatch(c.label), (array, c.label)
                if INTEGER.fullmatch(c.label):  # an exact integer, or a symbol's index
                    assert float(c.label) * unit == c.value, (array, c.label, c.value)
                else:
                    assert abs(float(c.label) * unit - c.value) <= 0.0005 * unit * (1 + 1e-9), (array, c)
            top = max(abs(c.value) for c in cells)
            if top > 0:  # the factor keeps the largest number's digits
                (largest,) = [c for c in cells if abs(c.value) == top][:1]
                assert float(largest.label) != 0, (array, largest.label, largest.value)
    if phase == UPDATE:
        assert scaled  # gradients this small are in every lesson's update pass


def test_a_one_hot_is_written_1_and_0_in_the_sample_pass():
    frame, arrays = _arrays("alternating.yaml", SAMPLE, 0)
    assert frame.step.op == "xh" and dict(frame.step.inputs).get("x") is not None
    cells, exponent = arrays["x"]
    assert exponent == 0 and sorted(c.label for c in cells) == ["0", "1"]
