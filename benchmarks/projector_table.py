"""The projector table: share of computed cells (diagram and panels) drawn without their
number, per lesson, size and pass, over a dozen places per pass, from the scene export.

    python benchmarks/projector_table.py [--sizes 1920x1080,1280x720,1024x768] [--zoom 100]

A cell counts as silent when it holds a value, shows no number and its block is not
marked condensed; a raster (an array drawn as one image) counts each of its values.
Each entry is "all panels [diagram only]", each share "silent + condensed (marked)":
the first must be 0; the second is what a bigger window would number.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

LESSONS = ("alternating", "hello", "gru-gates", "lstm-gates", "vanishing-gradients", "one-one-zero")
PLACES = 12


def places(trace, phase: str, count: int = PLACES) -> list[int]:
    """`count` op indices spread evenly over a pass, first and last included."""
    n = len(trace.phase_range(phase))
    if n <= count:
        return list(range(n))
    return sorted({round(k * (n - 1) / (count - 1)) for k in range(count)})


def open_app(lesson: str):
    from stepper.app import App

    return App(ROOT / "lessons" / f"{lesson}.yaml", size=(1920, 1080), headless=True)


def scene_at(app, phase: str, step: int, size: tuple[int, int], zoom: float = 1.0, panels=None):
    """The exported objects of one place, built as the window builds it."""
    from stepper.navigation import at_step
    from stepper.scene_export import scene_objects

    app.theme = app.theme.zoomed(zoom)
    state = replace(app.state, animate=False, zoom=zoom, progress=1.0, hover=None)
    if panels is not None:
        state = replace(state, panels=tuple(panels))
    state = replace(state, cursor=at_step(app.trace_of(state), phase, step))
    scene = app.build(state, size)
    return scene_objects(scene, app.frame(state), app.fonts)


def silent_share(objects: list[dict], only: str = "") -> tuple[int, int, int, bool]:
    """(values drawn without number and unmarked, values drawn without number in a block
    marked condensed, values drawn, whether the diagram drew any cell), over the panels
    whose name starts with `only` (all of them by default)."""
    silent = condensed = total = 0
    diagram = False
    for o in objects:
        if not o["panel"].startswith(only):
            continue
        if o["kind"] == "cell" and o["value"] is not None:
            total += 1
            diagram |= o["panel"].startswith("diagram")
            silent += o["text"] is None and not o["condensed"]
            condensed += o["text"] is None and o["condensed"]
        elif o["kind"] == "raster":
            n = o["shape"][0] * o["shape"][1]
            total += n
            diagram |= o["panel"].startswith("diagram")
            silent += 0 if o["condensed"] else n
            condensed += n if o["condensed"] else 0
    return silent, condensed, total, diagram


def measure(lesson: str, size: tuple[int, int], phase: str, zoom: float = 1.0, app=None) -> str:
    app = app or open_app(lesson)
    trace = app.trace_of(app.state)
    sums = [0] * 6  # silent, condensed, total; then the same over the diagram only
    drawn = True
    for step in places(trace, phase):
        objects = scene_at(app, phase, step, size, zoom)
        s, c, t, d = silent_share(objects)
        sd, cd, td, _ = silent_share(objects, "diagram")
        sums = [a + b for a, b in zip(sums, (s, c, t, sd, cd, td), strict=True)]
        drawn = drawn and d

    def pair(silent: int, condensed: int, total: int) -> str:
        return f"{100 * silent / total:.0f}+{100 * condensed / total:.0f}%" if total else "-"

    share = f"{pair(*sums[:3])} [{pair(*sums[3:])}]"
    return share if drawn else f"{share} (diagram not drawn at some places)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1920x1080,1280x720,1024x768")
    parser.add_argument("--zoom", type=int, default=100)
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    header = " | ".join(f"{w}x{h} fwd / bwd" for w, h in sizes)
    print(f"| lesson | {header} |")
    print("|---|" + "---|" * len(sizes))
    for lesson in LESSONS:
        app = open_app(lesson)
        row = [
            " / ".join(measure(lesson, size, ph, args.zoom / 100, app) for ph in ("forward", "backward"))
            for size in sizes
        ]
        print(f"| {lesson} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
