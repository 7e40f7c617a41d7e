"""Readable digits in every numbered block: the largest value a diagram block shows is
written with its leading digits (times the block's power of ten), never as 0.00. An
untrained network's activations are tiny (h of 0.004), so this is where a block
without its scale factor used to read 0.00, 0.00, 0.00."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import pytest

from stepper.navigation import at_step
from stepper.scene_export import scene_objects

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("alternating", "hello", "gru-gates", "lstm-gates", "vanishing-gradients", "one-one-zero")
PLACES = 6


def objects_at(app, checkpoint: str, phase: str, k: int, size) -> list[dict]:
    state = replace(app.state, checkpoint=checkpoint, animate=False, progress=1.0, hover=None)
    trace = app.trace_of(state)
    span = len(trace.phase_range(phase))
    state = replace(state, cursor=at_step(trace, phase, round(k * (span - 1) / (PLACES - 1))))
    return scene_objects(app.build(state, size), app.frame(state), app.fonts)


def shown_with_its_digits(value: float, text: str) -> bool:
    """text is value over a power of ten, to the two decimals it is written with."""
    shown = float(text.replace("−", "-"))
    if shown == 0:
        return False
    power = round(math.log10(abs(value / shown)))
    return abs(shown - value / 10.0**power) <= 0.0051 * max(1.0, abs(shown))


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", LESSONS)
def test_each_blocks_largest_value_keeps_its_digits(lesson, size):
    from stepper.app import App

    app = App(ROOT / "lessons" / f"{lesson}.yaml", size=(1920, 1080), headless=True)
    problems = []
    for checkpoint in app.session.checkpoint_names:
        for phase in ("forward", "backward"):
            for k in range(PLACES):
                blocks: dict[tuple[str, str], list[dict]] = {}
                for o in objects_at(app, checkpoint, phase, k, size):
                    numbered = o["kind"] == "cell" and o["text"] and o["name"] not in (None, "x", "target")
                    if numbered and o["value"] not in (None, 0) and math.isfinite(o["value"]):
                        blocks.setdefault((o["panel"], o["name"]), []).append(o)
                for (panel, name), cells in blocks.items():
                    if not panel.startswith("diagram"):
                        continue
                    top = max(cells, key=lambda o: abs(o["value"]))
                    if not shown_with_its_digits(top["value"], top["text"]):
                        where = f"{checkpoint} {phase} {k}: {name}{top['index']}"
                        problems.append(f"{where} = {top['value']:.3g} shown {top['text']!r}")
    assert not problems, "\n".join(dict.fromkeys(problems[:20]))
