"""The learning loop's figures: time to reach an arbitrary training iteration K (replayed
from the nearest snapshot and recorded, every pass), and recording the update and sample passes."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from stepper.lesson import load_lesson
from stepper.navigation import Cursor
from stepper.passes.sample import SampleSettings, with_sample
from stepper.passes.update import with_update
from stepper.session import Session
from stepper.trace import FORWARD

ROOT = Path(__file__).resolve().parent.parent
REACH_TARGET_MS = 100.0


def _row(name: str, value: float | None, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, **extra}


def _forget_iterations(session: Session) -> None:
    """As if no iteration had been visited yet; the checkpoints' traces stay, as in a
    session where the lesson is open."""
    for key in [key for key in session._traces if key[2] is not None]:
        del session._traces[key]
    session._iterations.clear()


def reach_iteration() -> list[dict[str, Any]]:
    """Worst case over a spread of K per built-in lesson, each K fresh (no iteration cached)."""
    rows = []
    for path in sorted((ROOT / "lessons").glob("*.yaml")):
        session = Session.open(load_lesson(path))
        last = session.last_iteration
        worst = 0.0
        for k in sorted({0, last // 3, last // 2, last - 1, last}):
            _forget_iterations(session)
            start = time.perf_counter()
            session.trace(session.checkpoint_names[-1], iteration=k)
            worst = max(worst, (time.perf_counter() - start) * 1000)
        snapshots = len(session.result.snapshots)
        rows.append(
            _row(
                f"reach iteration K, {path.stem} (worst)",
                worst,
                "ms",
                target=f"<= {REACH_TARGET_MS:g} ms",
                passed=worst <= REACH_TARGET_MS,
                key=f"reach_iteration_ms.{path.stem}",
                note=f"{path.stem}: {snapshots} snapshots stored, {last + 1} iterations",
            )
        )
    return rows


def iteration_on_screen() -> list[dict[str, Any]]:
    """K typed, to its first frame drawn at 1920x1080 (replay, recording every pass, drawing),
    worst over a spread of K on every built-in lesson, no iteration cached."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import App
    from stepper.views.screen import forget

    worst, where = 0.0, ""
    for path in sorted((ROOT / "lessons").glob("*.yaml")):
        app = App(path, size=(1920, 1080), headless=True)
        assert app.session is not None
        app.render()  # the lesson is on screen before K is typed
        last = app.session.last_iteration
        for k in sorted({0, last // 3, last // 2, last}):
            app.set_state(replace(app.state, iteration=None, cursor=Cursor(FORWARD, 0)))
            _forget_iterations(app.session)
            forget()
            start = time.perf_counter()
            app.go_to_iteration(k)
            app.render()
            took = (time.perf_counter() - start) * 1000
            if took > worst:
                worst, where = took, f"{path.stem}, K = {k}"
    return [
        _row(
            "iteration K to its frame on screen (worst)",
            worst,
            "ms",
            target=f"<= {REACH_TARGET_MS:g} ms",
            passed=worst <= REACH_TARGET_MS,
            key="iteration_on_screen_ms",
            note=f"worst at {where}, 1920x1080",
        )
    ]


def pass_frames() -> list[dict[str, Any]]:
    """Each op of the update and sample passes drawn once (first visits), median and worst,
    on every built-in lesson at 1280x720: the frames a class sees stepping through them."""
    import os
    import statistics

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import App

    rows = []
    for phase in ("update", "sample"):
        times, worst_at = [], ""
        for path in sorted((ROOT / "lessons").glob("*.yaml")):
            app = App(path, size=(1280, 720), headless=True)
            assert app.state is not None
            trace = app.trace_of(app.state)
            for i in trace.phase_range(phase):
                app.set_state(replace(app.state, cursor=Cursor(phase, i), animate=False))
                start = time.perf_counter()
                app.render()
                times.append((time.perf_counter() - start) * 1000)
                if times[-1] == max(times):
                    worst_at = f"{path.stem}, step {i - trace.phase_range(phase).start + 1}"
        median = statistics.median(times)
        rows.append(
            _row(
                f"frame: {phase} pass, every op, 1280x720 (median)",
                median,
                "ms",
                target="<= 16.7 ms",
                passed=median <= 16.7,
                key=f"{phase}_frame_median_ms",
                note=f"worst {max(times):.1f} ms at {worst_at}",
            )
        )
    return rows


def record_passes() -> list[dict[str, Any]]:
    """Recording the update pass and a 100-symbol sample pass on the largest built-in lesson."""
    session = Session.open(load_lesson(ROOT / "lessons" / "lstm-gates.yaml"))
    trace = session.trace(session.checkpoint_names[-1])
    config = session.lesson.train_config()
    state = session.iteration(0).optimizer
    start = time.perf_counter()
    for _ in range(5):
        with_update(trace, config.optimizer, config.learning_rate, config.clip, state)
    update_ms = (time.perf_counter() - start) * 200
    start = time.perf_counter()
    for _ in range(5):
        with_sample(
            trace,
            SampleSettings(100, 1.0, 0, trace.inputs[:1]),
            (trace.summary["h"][0] * 0, trace.summary["h"][0] * 0),
        )
    sample_ms = (time.perf_counter() - start) * 200
    return [
        _row("record the update pass (lstm-gates)", update_ms, "ms", key="record_update_ms"),
        _row("record a 100-symbol sample pass (lstm-gates)", sample_ms, "ms", key="record_sample_ms"),
    ]


SECTIONS = {
    "learning loop: reach K": reach_iteration,
    "learning loop: K on screen": iteration_on_screen,
    "learning loop: record passes": record_passes,
    "learning loop: pass frames": pass_frames,
}
