"""--save-lesson writes the lesson shown with its sequence (given, or typed through --keys):
its own file with only playback.sequence changed, passing --check and reopening at the same
numbers; weight edits and claims the new sequence breaks are refused in one line, nothing
written."""

from __future__ import annotations

import json

import pytest
from window_support import LESSONS

from stepper.cli import main
from stepper.lesson import load_lesson

TEXT = "hello world"
TYPED = "e backspace*50 text:low\\ old return"  # the entry's old text cleared, then typed


def _trace(argv: list[str], out) -> dict:
    assert main([*argv, "--export-trace", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_typed_sequence_is_saved_passes_check_and_reopens_at_the_same_numbers(tmp_path):
    made = ["--text", TEXT, "--iterations", "200"]
    out = tmp_path / "typed.yaml"
    assert main([*made, "--keys", TYPED, "--save-lesson", str(out)]) == 0
    lesson = load_lesson(out)
    assert "".join(lesson.vocab[i] for i in lesson.playback) == "low old"
    assert main(["--check", str(out)]) == 0
    shown = _trace([*made, "--keys", TYPED], tmp_path / "shown.json")
    reopened = _trace([str(out)], tmp_path / "reopened.json")
    assert reopened == shown  # every value of both passes, as JSON writes floats: exactly


OPEN = """\
# A lesson with no claims or captions about its own sequence: any sequence keeps it true.
title: Open
summary: Any sequence.
vocab: [h, e, l, o]
model: {cell: gru, hidden_size: 3, seed: 2}  # small
data: {text: hellohello}
training:
  optimizer: adagrad
  learning_rate: 0.1
  iterations: 30
  checkpoints: {untrained: 0, trained: 30}
playback:
  sequence: hello  # the word itself
"""


def _lesson_without_claims(tmp_path):
    path = tmp_path / "open.yaml"
    path.write_text(OPEN, encoding="utf-8")
    return path


def test_a_given_sequence_changes_only_the_playback_line(tmp_path):
    source = _lesson_without_claims(tmp_path)
    out = tmp_path / "lohel.yaml"
    assert main([str(source), "--sequence", "lohel", "--save-lesson", str(out)]) == 0
    before = source.read_text(encoding="utf-8").splitlines()
    after = out.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    # Only the sequence changes; its comment and every other line are kept.
    assert changed == [("  sequence: hello  # the word itself", '  sequence: "lohel"  # the word itself')]
    assert main(["--check", str(out)]) == 0
    assert _trace([str(out)], tmp_path / "a.json") == _trace(
        [str(source), "--sequence", "lohel"], tmp_path / "b.json"
    )


def test_the_lesson_unchanged_is_written_as_it_is(tmp_path):
    out = tmp_path / "same.yaml"
    assert main(["hello", "--save-lesson", str(out)]) == 0
    assert out.read_bytes() == (LESSONS / "hello.yaml").read_bytes()


@pytest.mark.parametrize(
    "argv",
    [
        ["hello", "--edit", "Whh[0,1]=0.5"],  # a lesson file holds no weights
        ["hello", "--keys", "click:Whh[0,1] = text:-3 return escape"],
        ["hello", "--sequence", "hel"],  # narration names a step the new sequence lacks
        ["hello", "--sequence", "helo"],  # a claim about hello's numbers no longer holds
    ],
)
def test_what_a_lesson_file_cannot_hold_is_refused_in_one_line(argv, tmp_path, capsys):
    out = tmp_path / "out.yaml"
    assert main([*argv, "--save-lesson", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err
    assert not out.exists()


def test_an_existing_file_is_kept_unless_overwrite(tmp_path):
    out = tmp_path / "mine.yaml"
    out.write_text("my notes\n", encoding="utf-8")
    source = _lesson_without_claims(tmp_path)
    assert main([str(source), "--sequence", "lohel", "--save-lesson", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "my notes\n"
    assert main([str(source), "--sequence", "lohel", "--save-lesson", str(out), "--overwrite"]) == 0
    assert load_lesson(out).playback == load_lesson(source).encode(list("lohel"))
