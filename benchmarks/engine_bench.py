"""Engine figures for the speed sheet: training speed against the baseline, trace recording, lessons.

Each section returns rows for `benchmarks/run.py` as plain dicts of `run.Row`'s fields
(name, value, unit, and optionally target, passed, key, note), so a section needs no
import from the script that runs it. Nothing here prints.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baseline import BaselineRNN

from stepper.params import init_params
from stepper.record import record
from stepper.train import TrainConfig, train, training_stream

ROOT = Path(__file__).resolve().parent.parent
TASK = [1, 1, 0]  # the 1,1,0 task of the issue: vocab 2, hidden 3, seq_length 25, Adagrad 0.1, clip 5
SEQ_LENGTH = 25
TRAIN_RATIO_TARGET = 2.5
LESSON_TRAIN_TARGET_S = 0.3


def _row(name: str, value: float | None, unit: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, **extra}


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls after one warm-up call (imports, caches, allocator)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_train_rate(iterations: int = 2000, repeats: int = 3) -> float:
    """Iterations per second of stepper.train.train on the 1,1,0 task (setup included)."""
    config = TrainConfig(
        cell="rnn",
        vocab_size=2,
        hidden_size=3,
        init_scale=0.01,
        seed=7,
        optimizer="adagrad",
        learning_rate=0.1,
        iterations=iterations,
        seq_length=SEQ_LENGTH,
        clip=5.0,
        checkpoints={"untrained": 0, "trained": iterations},
    )
    return iterations / _median_seconds(lambda: train(config, TASK), repeats)


def baseline_train_rate(iterations: int = 500, repeats: int = 3) -> float:
    """Iterations per second of the min-char-rnn-style loop on the same stream and chunks."""
    stream = [int(s) for s in training_stream(TASK, SEQ_LENGTH)]

    def run() -> None:
        BaselineRNN(vocab_size=2, hidden_size=3, learning_rate=0.1, seed=7).train(
            stream, SEQ_LENGTH, iterations
        )

    return iterations / _median_seconds(run, repeats)


def record_ms(cell: str, hidden: int, steps: int, repeats: int) -> float:
    """Median time to record one forward+backward trace (vocab 2, alternating symbols)."""
    params = init_params(cell, 2, hidden, 0.1, seed=0)
    sequence = [t % 2 for t in range(steps + 1)]
    inputs, targets = sequence[:-1], sequence[1:]
    return 1000.0 * _median_seconds(lambda: record(params, ("0", "1"), inputs, targets), repeats)


def lesson_train_seconds(path: Path, repeats: int = 3) -> float:
    """Median time to train one lesson to its last checkpoint (the loader is timed separately, not here)."""
    from stepper.lesson import load_lesson

    lesson = load_lesson(path)
    config = lesson.train_config()
    return _median_seconds(lambda: train(config, lesson.data), repeats)


def training_rows() -> list[dict[str, Any]]:
    ours = engine_train_rate()
    base = baseline_train_rate()
    ratio = ours / base
    return [
        _row("train: engine, 1,1,0 task", ours, "it/s", key="train_iters_per_s"),
        _row("train: min-char-rnn baseline", base, "it/s", key="baseline_iters_per_s"),
        _row(
            "train: engine / baseline",
            ratio,
            "x",
            target=f">= {TRAIN_RATIO_TARGET}",
            passed=ratio >= TRAIN_RATIO_TARGET,
            key="train_ratio_vs_baseline",
        ),
    ]


def recording_rows() -> list[dict[str, Any]]:
    """Every cell at both sizes; the keyed figure is the slowest cell (the LSTM has the most ops)."""
    rows = []
    for hidden, steps, repeats in ((3, 10, 21), (32, 100, 5)):
        times = {cell: record_ms(cell, hidden, steps, repeats) for cell in ("rnn", "gru", "lstm")}
        for cell, ms in times.items():
            rows.append(_row(f"record trace: {cell}, hidden {hidden}, T {steps}", ms, "ms"))
        rows.append(
            _row(
                f"record trace: slowest cell, hidden {hidden}, T {steps}",
                max(times.values()),
                "ms",
                key=f"trace_record_ms_h{hidden}_t{steps}",
                note="lazily: the replay and the running sums; each block's lines run when first read",
            )
        )
    return rows


def lesson_rows(folder: Path = ROOT / "lessons") -> list[dict[str, Any]]:
    rows = []
    seconds = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            s = lesson_train_seconds(path)
        except Exception as exc:  # a lesson being rewritten must not stop the sheet
            first_line = (str(exc).splitlines() or [""])[0]
            rows.append(
                _row(f"lesson {path.stem}", None, "s", note=f"skipped: {type(exc).__name__}: {first_line}")
            )
            continue
        seconds.append(s)
        rows.append(
            _row(
                f"lesson {path.stem}: train to last checkpoint",
                s,
                "s",
                target=f"<= {LESSON_TRAIN_TARGET_S}",
                passed=s <= LESSON_TRAIN_TARGET_S,
            )
        )
    worst = max(seconds) if seconds else None
    rows.append(
        _row(
            "lessons: slowest training",
            worst,
            "s",
            target=f"<= {LESSON_TRAIN_TARGET_S}",
            passed=None if worst is None else worst <= LESSON_TRAIN_TARGET_S,
            key="lesson_train_s_max",
            note="" if seconds else "no lesson loaded",
        )
    )
    return rows


SECTIONS: tuple[tuple[str, Callable[[], list[dict[str, Any]]]], ...] = (
    ("training", training_rows),
    ("recording", recording_rows),
    ("lessons", lesson_rows),
)
