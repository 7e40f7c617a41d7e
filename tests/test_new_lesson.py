"""`--new-lesson OUT.yaml`: a commented starting lesson that passes --check, written safely."""

from __future__ import annotations

from stepper.cli import main
from stepper.lesson import load_lesson
from stepper.lesson.check import check_lesson


def test_the_starting_lesson_passes_check(tmp_path, capsys):
    out = tmp_path / "first.yaml"
    assert main(["--new-lesson", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("#") and "rnn-stepper first.yaml" in text  # commented, naming itself
    report = check_lesson(out)
    assert report.ok, report.lines()
    assert load_lesson(out).claims and load_lesson(out).captions


def test_an_existing_file_is_kept_without_overwrite(tmp_path, capsys):
    out = tmp_path / "mine.yaml"
    out.write_text("my own lesson\n", encoding="utf-8")
    assert main(["--new-lesson", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "my own lesson\n"
    assert "--overwrite" in capsys.readouterr().err
    assert main(["--new-lesson", str(out), "--overwrite"]) == 0
    assert check_lesson(out).ok


def test_it_runs_alone_and_writes_yaml(tmp_path, capsys):
    out = tmp_path / "first.yaml"
    assert main(["--new-lesson", str(out), "--step", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--step" in err
    assert main(["--new-lesson", str(tmp_path / "first.txt")]) == 2
    assert not out.exists() and not (tmp_path / "first.txt").exists()
