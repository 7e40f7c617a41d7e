"""Hostile-input figures for the speed sheet: the training-time estimate against the clock,
the memory and time of refusing crafted weights files, and the time of refusing an alias bomb.

Training: a few sizes train for a slice of iterations; the measured seconds per iteration,
scaled to the iterations the limit allows at that size, must stay under the estimate
(stepper/lesson/cost.py errs long, so the limit's message is true).

Weights: each crafted .npz (tests/crafted_npz.py) is loaded by a fresh process for the
largest model; the figure is that process's own peak resident memory (benchmarks/fresh.py)
and the time of the load alone. Targets: under 200 MB, refused under 1 s.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import fresh

from stepper.lesson.cost import max_iterations, training_seconds
from stepper.train import TrainConfig, train

ROOT = Path(__file__).resolve().parent.parent
SIZES = (
    ("lstm", 16, 64, 25, 1500),
    ("gru", 16, 64, 25, 1500),
    ("rnn", 16, 64, 25, 4000),
    ("rnn", 2, 2, 1, 20000),
)
PEAK_MB_TARGET = 200.0
REFUSE_S_TARGET = 1.0
ALIAS_BOMB = ROOT / "tests" / "data" / "bad_lessons" / "alias_bomb.yaml"
ALIAS_BOMB_MS_TARGET = 500.0


def _row(name: str, value: float | None, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, **extra}


def training_rows() -> list[dict[str, Any]]:
    rows = []
    for cell, vocab, hidden, seq, iterations in SIZES:
        config = TrainConfig(cell, vocab, hidden, 0.1, 1, "adagrad", 0.1, iterations, seq, 5.0, {"a": 0})
        start = time.perf_counter()
        train(config, list(range(vocab)) * 3)
        per_iteration = (time.perf_counter() - start) / iterations
        allowed = min(200_000, max_iterations(cell, vocab, hidden, seq))
        measured = per_iteration * allowed
        estimate = training_seconds(cell, vocab, hidden, allowed, seq)
        rows.append(
            _row(
                f"train {cell} h{hidden} v{vocab} x{seq}: {allowed:,} iterations (the limit)",
                measured,
                "s",
                target=f"<= estimate {estimate:.0f} s",
                passed=measured <= estimate,
                key=f"limit_{cell}_{hidden}_{seq}_s",
            )
        )
    return rows


LOAD = """
import sys, time
from fresh import own_peak_mb
from stepper.weights import WeightsError, load_weights
start = time.perf_counter()
try:
    load_weights(sys.argv[1], "lstm", 16, 64)
except WeightsError:
    pass
print(time.perf_counter() - start, own_peak_mb())
"""


def weights_rows() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "tests"))
    import crafted_npz as c

    cases = {
        "huge shape header": c.huge_shape(),
        "entries without .npy": c.no_npy_suffix(),
        "400 extra arrays": c.extra_arrays(),
        "zip bomb 3 MB -> 3 GB": c.zip_bomb(3000),
        "zip bomb 60 KB -> 60 MB": c.zip_bomb(60),
        "10 MB of random bytes": __import__("os").urandom(10 << 20),
        "pickled object array": c.object_array(),
    }
    rows, worst_mb, worst_s = [], 0.0, 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases.items():
            path = Path(folder) / "w.npz"
            path.write_bytes(data)
            seconds, peak = (float(v) for v in fresh.python(LOAD, str(path), timeout=120)[-1].split())
            worst_mb, worst_s = max(worst_mb, peak), max(worst_s, seconds)
            rows.append(
                _row(f"--weights {name} ({len(data) / 1e6:.2f} MB): refused in", seconds * 1000, "ms")
            )
    base_mb = float(fresh.python(LOAD, "/nonexistent.npz", timeout=120)[-1].split()[1])
    rows.append(
        _row(
            "--weights worst peak memory (its own process)",
            worst_mb,
            "MB",
            target=f"< {PEAK_MB_TARGET:.0f} MB",
            passed=worst_mb < PEAK_MB_TARGET,
            key="weights_peak_mb",
            note=f"a process that only imports: {base_mb:.0f} MB",
        )
    )
    rows.append(
        _row(
            "--weights worst refusal time",
            worst_s,
            "s",
            target=f"< {REFUSE_S_TARGET:.0f} s",
            passed=worst_s < REFUSE_S_TARGET,
            key="weights_refuse_s",
        )
    )
    return rows


def lesson_rows() -> list[dict[str, Any]]:
    """The billion laughs: tests/test_lesson_errors.py counts the work of refusing it; here
    is its time (median of 5)."""
    from stepper.lesson import LessonError, parse_lesson

    data = ALIAS_BOMB.read_bytes()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        with contextlib.suppress(LessonError):
            parse_lesson(data, ALIAS_BOMB.name)
        times.append(time.perf_counter() - start)
    ms = 1000 * sorted(times)[len(times) // 2]
    return [
        _row(
            "lesson alias bomb (9**8 symbols if expanded): refused in",
            ms,
            "ms",
            target=f"< {ALIAS_BOMB_MS_TARGET:.0f} ms",
            passed=ms < ALIAS_BOMB_MS_TARGET,
            key="alias_bomb_refuse_ms",
        )
    ]


SECTIONS = {"limits": training_rows, "weights": weights_rows, "refusals": lesson_rows}

if __name__ == "__main__":
    for fields in training_rows() + weights_rows() + lesson_rows():
        print(json.dumps(fields))
