"""Window figures for the speed sheet: frame time, key to frame, cold start, peak memory.

Frame time is the issue's definition: building the frame and drawing it into an
off-screen 1920x1080 surface, the display flip excluded, median of 200 frames,
each frame one op further on (so the diagram changes every frame, as when stepping).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import fresh

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

#: The largest playback the format takes, with the largest cell (tests/test_numeric_faults.py
#: steps through it; its times are figures here, not assertions there).
LONG_SEQUENCE = ", ".join("01"[(i * 7 + i // 3) % 2] for i in range(1001))
LONG_LESSON = f"""\
title: "Benchmark: lstm, hidden 64, 1000 steps"
summary: The longest playback with the largest cell.
vocab: ["0", "1"]
model: {{cell: lstm, hidden_size: 64, init_scale: 0.01, seed: 7}}
data: {{pattern: [1, 0]}}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 20
  seq_length: 25
  clip: 5
  checkpoints: {{untrained: 0, trained: 20}}
playback:
  sequence: [{LONG_SEQUENCE}]
"""
LONG_OPEN_TARGET_S = 20.0
LONG_KEY_TARGET_MS = 900.0
#: A lesson that trains for seconds (tests/test_window_training.py counts its slices).
SLOW_TRAINING_LESSON = """\
title: "Benchmark: a training of seconds"
summary: Opens with a progress card while it trains.
vocab: [a, b, c]
model: {cell: lstm, hidden_size: 16, init_scale: 0.1, seed: 1}
data: {pattern: [a, b, c, c]}
training:
  {optimizer: adam, learning_rate: 0.01, iterations: 3000, seq_length: 25, clip: 5,
   checkpoints: {untrained: 0, trained: 3000}}
playback: {sequence: [a, b, c, c, a]}
"""
OPENS_TARGET_S = 1.5
TRAINING_FRAME_TARGET_S = 0.5


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


def opening_while_training(lesson: Path) -> tuple[float, float]:
    """Seconds until the window is up (training still under way), and the slowest frame
    (a training slice and a draw) until training is done."""
    import pygame

    from stepper.app import App

    start = time.perf_counter()
    app = App(lesson, size=(1280, 720))
    opened = time.perf_counter() - start
    if app.opening is None:
        raise RuntimeError(f"{lesson}: not training after it opened ({app.message})")
    worst = 0.0
    while app.opening is not None:
        start = time.perf_counter()
        app.tick(0.016)
        app.render()
        worst = max(worst, time.perf_counter() - start)
    pygame.display.quit()
    return opened, worst


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
    import sys
    from fresh import own_peak_mb
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
    print(own_peak_mb())
""")


def _python(code: str, *args: str) -> float:
    return float(fresh.python(code, *args)[-1])


def window_rows() -> list[dict[str, Any]]:
    alternating = ROOT / "lessons" / "alternating.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text(BIG_LESSON, encoding="utf-8")
        long = Path(tmp) / "long.yaml"
        long.write_text(LONG_LESSON, encoding="utf-8")
        slow = Path(tmp) / "slow.yaml"
        slow.write_text(SLOW_TRAINING_LESSON, encoding="utf-8")
        alternating_ms = frame_ms(alternating)
        first_ms = first_visit_ms(alternating)
        big_ms = frame_ms(big)
        key_ms = key_to_frame_ms(alternating)
        startup = statistics.median(_python(COLD_START, str(alternating)) for _ in range(3))
        rss = _python(WORKOUT, str(big))
        long_open = _python(COLD_START, str(long))
        long_key_ms = key_to_frame_ms(long)
        opens_s, training_frame_s = opening_while_training(slow)
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
        _row(
            "cold start to first frame: lstm, hidden 64, 1000 steps",
            long_open,
            "s",
            target=f"<= {LONG_OPEN_TARGET_S:.0f}",
            passed=long_open <= LONG_OPEN_TARGET_S,
            key="startup_s_lstm_h64_t1000",
        ),
        _row(
            "key press to next frame: lstm, hidden 64, 1000 steps",
            long_key_ms,
            "ms",
            target=f"<= {LONG_KEY_TARGET_MS:.0f}",
            passed=long_key_ms <= LONG_KEY_TARGET_MS,
            key="key_to_frame_ms_lstm_h64_t1000",
        ),
        _row(
            "window opens while a 3000-iteration lstm trains",
            opens_s,
            "s",
            target=f"<= {OPENS_TARGET_S}",
            passed=opens_s <= OPENS_TARGET_S,
            key="opens_while_training_s",
        ),
        _row(
            "frame while training: slowest (a slice and a draw)",
            training_frame_s,
            "s",
            target=f"<= {TRAINING_FRAME_TARGET_S}",
            passed=training_frame_s <= TRAINING_FRAME_TARGET_S,
            key="frame_while_training_s",
        ),
        _row(
            "peak memory: every lesson, both passes, big model",
            rss,
            "MB",
            key="peak_rss_mb",
            note="its own process (benchmarks/fresh.py)",
        ),
    ]


SECTIONS = {"window": window_rows}
