"""The training time limit: a lesson is refused when its estimated training (the cost model
in stepper/lesson/cost.py, fitted to measured times and rounded up) passes 60 s, for its
model and for its compare cell, with one line saying how long it would take and how many
iterations fit. benchmarks/limits_bench.py checks the estimate against the clock."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from stepper.lesson import LessonError, load_lesson
from stepper.lesson.cost import MAX_TRAINING_SECONDS, max_iterations, training_seconds

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = [chr(ord("a") + k) for k in range(16)]


def lesson(folder: Path, cell: str, hidden: int, iterations: int, seq_length: int, compare: str = "") -> Path:
    path = folder / f"{cell}-{hidden}-{iterations}.yaml"
    extra = f"compare: {{cell: {compare}}}\n" if compare else ""
    path.write_text(
        textwrap.dedent(
            f"""\
            title: Big
            summary: The largest sizes the format allows.
            vocab: {json.dumps(SYMBOLS)}
            model: {{cell: {cell}, hidden_size: {hidden}, seed: 1}}
            data: {{pattern: {json.dumps(SYMBOLS)}}}
            training:
              optimizer: adagrad
              learning_rate: 0.1
              iterations: {iterations}
              seq_length: {seq_length}
              checkpoints: {{untrained: 0, trained: {iterations}}}
            playback: {{sequence: {json.dumps(SYMBOLS[:4])}}}
            """
        )
        + extra,
        encoding="utf-8",
    )
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    return [str(p) for p in caught.value.problems]


def test_the_largest_lstm_of_the_old_limit_is_refused_with_its_time(tmp_path):
    """LSTM, hidden 64, 200,000 x 25 took 224 s here under "under a minute"."""
    (line,) = problems(lesson(tmp_path, "lstm", 64, 200_000, 25))
    fits = max_iterations("lstm", 16, 64, 25)
    assert ":9:" in line and "about 286 s" in line and f"at most {fits:,} iterations" in line, line


@pytest.mark.parametrize(
    "cell,hidden,seq", [("lstm", 64, 25), ("gru", 64, 25), ("rnn", 64, 1000), ("rnn", 2, 1)]
)
def test_the_iterations_the_message_offers_are_accepted_and_one_more_chunk_is_not(
    tmp_path, cell, hidden, seq
):
    fits = min(200_000, max_iterations(cell, 16, hidden, seq))
    assert load_lesson(lesson(tmp_path, cell, hidden, fits, seq)).training.iterations == fits
    if fits < 200_000:
        over = fits + max(1, fits // 50)
        assert training_seconds(cell, 16, hidden, over, seq) > MAX_TRAINING_SECONDS
        assert len(problems(lesson(tmp_path, cell, hidden, over, seq))) == 1


def test_the_compare_cell_must_fit_too(tmp_path):
    iterations = min(200_000, max_iterations("rnn", 16, 64, 25))
    assert iterations > max_iterations("lstm", 16, 64, 25)
    (line,) = problems(lesson(tmp_path, "rnn", 64, iterations, 25, compare="lstm"))
    assert "compare.cell" in line and "lstm" in line and "on a 2-core machine" in line, line


def test_the_estimate_grows_with_every_size():
    base = training_seconds("rnn", 4, 8, 1000, 25)
    assert training_seconds("gru", 4, 8, 1000, 25) > base
    assert training_seconds("lstm", 4, 8, 1000, 25) > training_seconds("gru", 4, 8, 1000, 25)
    assert training_seconds("rnn", 4, 16, 1000, 25) > base
    assert training_seconds("rnn", 8, 8, 1000, 25) > base
    assert training_seconds("rnn", 4, 8, 2000, 25) > base
    assert training_seconds("rnn", 4, 8, 1000, 50) > base


def test_the_course_fits_with_room_to_spare():
    for path in sorted((ROOT / "lessons").glob("*.yaml")):
        ls = load_lesson(path)
        t = ls.training
        for cell in filter(None, (ls.model.cell, ls.compare_cell)):
            assert training_seconds(cell, len(ls.vocab), ls.model.hidden_size, t.iterations, t.seq_length) < 1
