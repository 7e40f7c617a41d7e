"""Window figures for the speed sheet: frame time, key to frame, cold start, peak memory.

Frame time is the issue's definition: building the frame and drawing it into an
off-screen 1920x1080 surface, the display flip excluded, median of 200 frames,
each frame one op further on (so the diagram changes every frame, as when stepping).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1920, 1080)
FRAMES = 200

BIG_SEQUENCE = ", ".join("abcdcb"[i % 6] for i in range(65))
BIG_LESSON = f"""\
title: "Benchmark: hidden 32, 64 steps"
summary: A bigger model than any lesson, to time frames.
vocab: [a, b, c, d]
model: {{cell: rnn, hidden_size: 32, init_scale: 0.1, seed: 1}}
data: {{pattern: [a, b, c, d, c, b]}}
training:
  optimizer: adam
  learning_rate: 0.01
  iterations: 20
  seq_length: 16
  clip: 5
  checkpoints: {{untrained: 0, trained: 20}}
playback:
  sequence: [{BIG_SEQUENCE}]
"""


def _row(name: str, value: float | None, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, **extra}


def frame_ms(lesson: Path, panels: tuple[str, ...] = ()) -> float:
    from stepper.app import App
    from stepper.navigation import at_step

    app = App(lesson, size=SIZE, headless=True)
    state = replace(app.state, checkpoint=app.session.checkpoint_names[-1], panels=panels, animate=False)
    trace = app.session.trace(state.checkpoint)
    ops = len(trace.phase_range("forward"))
    app.set_state(state)
    app.render()
    times = []
    for k in range(FRAMES):
        app.set_state(replace(state, cursor=at_step(trace, "forward", (k + 1) % ops)))
        start = time.perf_counter()
        app.render()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def first_visit_ms(lesson: Path) -> float:
    """Every op of both passes drawn once, in order, nothing seen before: the frame a student
    meets stepping through a lesson the first time (no view memo can help)."""
    from stepper.app import App
    from stepper.navigation import at_step
    from stepper.views.screen import forget

    app = App(lesson, size=SIZE, headless=True)
    state = replace(app.state, checkpoint=app.session.checkpoint_names[-1], animate=False)
    trace = app.session.trace(state.checkpoint)
    forget()
    times = []
    for phase in ("forward", "backward"):
        for k in range(len(trace.phase_range(phase))):
            app.set_state(replace(state, cursor=at_step(trace, phase, k)))
            start = time.perf_counter()
            app.render()
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def key_to_frame_ms(lesson: Path) -> float:
    """A real KEYDOWN posted, pumped, dispatched, the frame built, drawn and flipped."""
    import pygame

    from stepper.app import App

    app = App(lesson, size=SIZE)
    app.set_state(replace(app.state, animate=False))
    app.render()
    times = []
    for k in range(FRAMES):
        key = pygame.K_RIGHT if (k // 20) % 2 == 0 else pygame.K_LEFT
        start = time.perf_counter()
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
        for event in pygame.event.get():
            app.handle(event)
        app.render()
        times.append(time.perf_counter() - start)
    pygame.display.quit()
    return 1000 * statistics.median(times)


COLD_START = textwrap.dedent("""
    import time, sys
    t0 = time.perf_counter()
    from stepper.app import App
    app = App(sys.argv[1], size=(1920, 1080))
    app.render()
    print(time.perf_counter() - t0)
""")

WORKOUT = textwrap.dedent("""
    import resource, sys
    from dataclasses import replace
    from stepper.app import App
    from stepper.lesson import builtin_lessons
    from stepper.navigation import at_step
    from stepper.lesson.model import PANEL_NAMES
    app = App(None, size=(1920, 1080), headless=True)
    for path in [*builtin_lessons(), sys.argv[1]]:
        app.open_lesson(path)
        for name in app.session.checkpoint_names:
            trace = app.session.trace(name)
            for phase in ("forward", "backward"):
                for k in range(0, len(trace.phase_range(phase)), 3):
                    state = replace(app.state, checkpoint=name, cursor=at_step(trace, phase, k),
                                    panels=PANEL_NAMES[:3] if k % 2 else ())
                    app.set_state(state)
                    app.render()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
""")


def _python(code: str, *args: str) -> float:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def window_rows() -> list[dict[str, Any]]:
    alternating = ROOT / "lessons" / "alternating.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text(BIG_LESSON, encoding="utf-8")
        alternating_ms = frame_ms(alternating)
        first_ms = first_visit_ms(alternating)
        big_ms = frame_ms(big)
        key_ms = key_to_frame_ms(alternating)
        startup = statistics.median(_python(COLD_START, str(alternating)) for _ in range(3))
        rss = _python(WORKOUT, str(big))
    return [
        _row(
            "frame: alternating, 1920x1080",
            alternating_ms,
            "ms",
            target="<= 4",
            passed=alternating_ms <= 4,
            key="frame_ms_alternating",
        ),
        _row(
            "frame: alternating, first visit, both passes",
            first_ms,
            "ms",
            target="<= 4",
            passed=first_ms <= 4,
            key="frame_ms_alternating_first_visit",
            note="each op of both passes drawn once, every view memo cleared first",
        ),
        _row(
            "frame: hidden 32, 64 steps, 1920x1080",
            big_ms,
            "ms",
            target="<= 12",
            passed=big_ms <= 12,
            key="frame_ms_h32_t64",
        ),
        _row(
            "key press to next frame (incl. flip)",
            key_ms,
            "ms",
            target="<= 16.7",
            passed=key_ms <= 16.7,
            key="key_to_frame_ms",
        ),
        _row(
            "cold start to first frame",
            startup,
            "s",
            target="<= 1.0",
            passed=startup <= 1.0,
            key="startup_s",
            note="fresh interpreter: imports, lesson, training, first frame",
        ),
        _row("peak memory: every lesson, both passes, big model", rss, "MB", key="peak_rss_mb"),
    ]


SECTIONS = {"window": window_rows}
