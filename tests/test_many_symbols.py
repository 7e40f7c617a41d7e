"""A lesson with a large vocabulary (a YAML file as much as --text's) gives the current forward
op's numbers in its caption, where the diagram may have room only for colours; a small one
is left as its captions say."""

from __future__ import annotations

import re
import string

import numpy as np

from stepper.lesson import load_lesson
from stepper.lesson.text import text_lesson
from stepper.narration import narration_at
from stepper.session import Session
from stepper.trace import BACKWARD, FORWARD

SYMBOLS = string.ascii_lowercase + " .,;!?"  # 32


def _lesson_file(tmp_path, symbols: str = SYMBOLS):
    """A hand-written lesson with these symbols and no narration at all."""
    path = tmp_path / "many.yaml"
    vocab = ", ".join(f'"{s}"' for s in symbols)
    path.write_text(
        f"""title: Many symbols
summary: Thirty-two of them.
vocab: [{vocab}]
model: {{cell: gru, hidden_size: 4, seed: 3}}
data: {{text: "{symbols * 2}"}}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 5
  checkpoints: {{untrained: 0, trained: 5}}
playback:
  sequence: "{symbols[:6]}"
""",
        encoding="utf-8",
    )
    return load_lesson(path)


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+|-?\d+", text.split("=", 1)[1])]


def _expected(step) -> list[float]:
    """The op's output as the caption's format writes it, computed here."""
    digits = 3 if step.op.startswith("loss") else 0 if step.op == "x" else 2
    return [float(f"{v:.{digits}f}") for v in np.ravel(step.output)]


def test_a_yaml_lesson_with_many_symbols_shows_every_forward_op_numbers(tmp_path):
    lesson = _lesson_file(tmp_path)
    session = Session.open(lesson)
    trace = session.trace("trained")
    for index in trace.phase_range(FORWARD):
        step = trace.steps[index]
        texts = narration_at(lesson, trace, index, "trained", 5)
        assert len(texts) == 1, (step.op, texts)
        assert _numbers(texts[0]) == _expected(step), step.op
    for index in trace.phase_range(BACKWARD):
        assert narration_at(lesson, trace, index, "trained", 5) == []


def test_a_caption_that_names_the_value_is_not_repeated():
    lesson, _ = text_lesson("the quick brown fox jumps over the lazy dog, and then? it sleeps; zzz!")
    assert len(lesson.vocab) > 16
    session = Session.open(lesson)
    trace = session.trace("untrained")
    for index in trace.phase_range(FORWARD):
        step = trace.steps[index]
        texts = narration_at(lesson, trace, index, "untrained", 0)
        assert len(texts) == 1, (step.op, texts)  # the lesson's own caption, once


def test_a_small_vocabulary_keeps_its_own_captions_only(tmp_path):
    lesson = _lesson_file(tmp_path, SYMBOLS[:16])
    trace = Session.open(lesson).trace("trained")
    for index in range(len(trace.steps)):  # the bar falls back to each line's comment
        assert narration_at(lesson, trace, index, "trained", 5) == []
