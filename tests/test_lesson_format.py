"""The lesson format: what each key becomes, the documented defaults, and the conveniences."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import stepper
from stepper.lesson import COURSE, Lesson, LessonError, builtin_lessons, load_lesson, parse_lesson
from stepper.trace import BACKWARD, FORWARD

MINIMAL = """\
title: Minimal
summary: Only the required keys.
vocab: [0, 1]
model: {cell: rnn, hidden_size: 3, seed: 1}
data: {pattern: [1, 0]}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 300
  checkpoints: {trained: 300, untrained: 0}
playback: {sequence: [1, 0, 1]}
"""


def parse(text: str) -> Lesson:
    return parse_lesson(text.encode(), "test.yaml")


def edited(old: str, new: str) -> Lesson:
    assert old in MINIMAL
    return parse(MINIMAL.replace(old, new))


def test_minimal_lesson_and_its_defaults() -> None:
    lesson = parse(MINIMAL)
    assert lesson.vocab == ("0", "1")  # unquoted numbers are symbols as typed
    assert lesson.model.init_scale == 0.01
    assert (lesson.training.seq_length, lesson.training.clip) == (25, 5.0)
    assert lesson.training.checkpoints == (("untrained", 0), ("trained", 300))  # sorted by iteration
    assert lesson.data == (1, 0) and lesson.playback == (1, 0, 1)
    assert (lesson.teacher_notes, lesson.panels, lesson.captions, lesson.claims) == ("", (), (), ())
    assert lesson.compare_cell is None and lesson.compare_lesson() is None
    assert lesson.checkpoint_names == ("untrained", "trained")


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("learning_rate: 0.1", "learning_rate: 1e-3", "learning_rate", 0.001),  # YAML 1.1 reads this as text
        ("iterations: 300", "iterations: 3e2", "iterations", 300),
        ("iterations: 300", "iterations: 1_000\n  seq_length: 10", "iterations", 1000),
        ("iterations: 300", "iterations: 300\n  clip: off", "clip", None),
        ("iterations: 300", "iterations: 300\n  clip: null", "clip", None),
        ("iterations: 300", "iterations: 300\n  clip: 1.5", "clip", 1.5),
    ],
)
def test_training_numbers(old: str, new: str, field: str, value: object) -> None:
    assert getattr(edited(old, new).training, field) == value


def test_sequences_can_be_written_as_text() -> None:
    lesson = edited("playback: {sequence: [1, 0, 1]}", "playback: {sequence: '10101'}")
    assert lesson.playback == (1, 0, 1, 0, 1)
    text_lesson = edited("data: {pattern: [1, 0]}", "data: {text: '1101'}")
    assert text_lesson.data == (1, 1, 0, 1)


def test_utf8_byte_order_mark_is_fine() -> None:
    assert parse_lesson(b"\xef\xbb\xbf" + MINIMAL.encode(), "bom.yaml").title == "Minimal"


def test_captions_know_their_place() -> None:
    lesson = parse(
        MINIMAL
        + "narration:\n"
        + "  - text: everywhere\n"
        + "  - {op: h, text: 'h = {h:.2f}'}\n"
        + "  - {op: dh, t: 1, checkpoint: trained, text: 'blame {dh_norm:.1e}'}\n"
        + "  - {phase: backward, text: backward}\n"
    )
    everywhere, on_h, on_dh, backward = lesson.captions
    assert (everywhere.phase, everywhere.op) == (None, None)
    assert (on_h.phase, on_h.op) == (FORWARD, "h")  # an op implies its pass
    assert (on_dh.checkpoint, on_dh.phase, on_dh.t, on_dh.op) == ("trained", BACKWARD, 1, "dh")
    assert backward.phase == BACKWARD


def test_claims_keep_where_they_stand() -> None:
    lesson = parse(
        MINIMAL
        + "claims:\n"
        + "  - checkpoint: trained\n"
        + "    text: Sure.\n"
        + "    check: min(prob) >= 0.9\n"
    )
    (claim,) = lesson.claims
    assert (claim.checkpoint, claim.text, claim.check) == ("trained", "Sure.", "min(prob) >= 0.9")
    assert (claim.line, claim.column) == (13, 5)


def test_compare_lesson_swaps_only_the_cell() -> None:
    lesson = parse(MINIMAL + "compare: {cell: gru}\nnarration: [{op: h, text: '{h}'}]\n")
    other = lesson.compare_lesson()
    assert other is not None and other.model.cell == "gru" and lesson.compare_cell == "gru"
    assert other.training == lesson.training and other.data == lesson.data
    assert other.captions == () and other.compare_lesson() is None


def test_built_in_course_in_order() -> None:
    paths = builtin_lessons()
    assert (
        [p.stem for p in paths]
        == list(COURSE)
        == [
            "alternating",
            "one-one-zero",
            "gru-gates",
            "lstm-gates",
            "vanishing-gradients",
            "hello",
        ]
    )
    assert paths[0].parent == Path(stepper.__file__).parent.parent / "lessons"
    assert sorted(p.name for p in paths[0].parent.glob("*.yaml")) == sorted(p.name for p in paths)


@pytest.mark.parametrize("path", builtin_lessons(), ids=lambda p: p.stem)
def test_built_in_lessons_start_untrained_and_end_trained(path: Path) -> None:
    lesson = load_lesson(path)
    first, last = lesson.training.checkpoints[0], lesson.training.checkpoints[-1]
    assert first == ("untrained", 0)
    assert last == ("trained", lesson.training.iterations)
    assert lesson.teacher_notes and lesson.claims
    assert {c.phase for c in lesson.captions} >= {FORWARD, BACKWARD}


def test_load_lesson_accepts_str_and_path() -> None:
    path = builtin_lessons()[0]
    assert load_lesson(str(path)) == load_lesson(path)


def test_a_lesson_error_is_an_exception_with_every_problem() -> None:
    with pytest.raises(LessonError) as caught:
        edited("hidden_size: 3", "hidden_size: 1")
    assert (
        str(caught.value) == "test.yaml:4:33: model.hidden_size: expected a whole number from 2 to 64, got 1"
    )


def test_reading_lessons_does_not_pull_in_yaml_or_pygame() -> None:
    """Views read Lesson objects and captions; the YAML loader stays out of their imports."""
    code = (
        "import sys, stepper.lesson.model, stepper.narration, stepper.lesson;"
        "print(sorted(m for m in ('yaml', 'pygame') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_example_in_the_docs_is_a_valid_lesson() -> None:
    docs = (Path(stepper.__file__).parent.parent / "docs" / "lessons.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    lesson = parse_lesson(example.encode(), "docs/lessons.md")
    assert lesson.title == "hello: min-char-rnn's classic" and len(lesson.claims) == 2


def test_a_text_written_as_a_block_loses_its_final_line_break() -> None:
    assert edited("data: {pattern: [1, 0]}", "data:\n  text: |\n    1101\n").data == (1, 1, 0, 1)


def test_every_problem_stays_on_one_line() -> None:
    with pytest.raises(LessonError) as caught:
        parse('"odd\\nkey": 1\n' + MINIMAL.replace("[1, 0, 1]", '"1\\t1"'))
    assert [str(p) for p in caught.value.problems] == [
        'test.yaml:1:1: unknown key "odd\\nkey"; expected one of: title, summary, vocab, model, data, '
        "training, playback, teacher_notes, compare, sample, narration, claims",
        'test.yaml:12:22: playback.sequence: "\\t" is not in the vocabulary (0, 1)',
    ]
