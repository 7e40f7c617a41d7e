"""Narration that is true where it shows: guards, every place checked, bounded output, safe text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from stepper.cli import main
from stepper.lesson import LessonError, load_lesson, parse_lesson
from stepper.lesson.check import check_lesson
from stepper.lesson.guards import check_guard
from stepper.narration import MAX_CAPTION_CHARS, fill, narration_at, value_shapes, worst_length
from stepper.session import Session
from stepper.trace import PHASES
from stepper.views.text import wrap

LESSONS = Path(__file__).parent.parent / "lessons"

SMALL = """\
title: Small
summary: A lesson to plant captions in.
vocab: [0, 1]
model: {cell: HIDDEN_CELL, hidden_size: HIDDEN, seed: 1}
data: {pattern: [1, 1, 0]}
training:
  optimizer: adagrad
  learning_rate: 0.3
  iterations: 150
  seq_length: 12
  checkpoints: {untrained: 0, trained: 150}
playback: {sequence: [1, 1, 0, 1, 1, 0, 1]}
narration:
"""


def small(captions: str, cell: str = "rnn", hidden: int = 3) -> str:
    return SMALL.replace("HIDDEN_CELL", cell).replace("HIDDEN", str(hidden)) + captions


def problems(text: str) -> list[str]:
    with pytest.raises(LessonError) as caught:
        parse_lesson(text.encode(), "x.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_caption_of_the_course_is_checked_at_every_place_and_holds(path: Path) -> None:
    lesson = load_lesson(path)
    report = check_lesson(path)
    assert report.ok, report.lines()
    # Count the places independently: every step of every checkpoint's pass whose
    # (checkpoint, phase, t, op) a caption's selector accepts.
    session = Session.open(lesson)
    steps = len(lesson.playback) - 1
    counts = [0] * len(lesson.captions)
    for name in lesson.checkpoint_names:
        trace = session.trace(name)
        for k, caption in enumerate(lesson.captions):
            picked = set(range(steps))
            if isinstance(caption.t, int):
                picked = {caption.t % steps}
            elif isinstance(caption.t, str):
                start, _, stop = caption.t.partition(":")
                picked = set(list(range(steps))[int(start or 0) : int(stop) if stop else None])
            if caption.condition is not None:  # `if:` narrows the selector
                picked = {t for t in picked if check_guard(caption.condition, trace, t)[0]}
            counts[k] += sum(
                1
                for s in trace.steps
                if caption.checkpoint in (None, name)
                and caption.op in (None, s.op)
                and (
                    # a pass of its own shows only its own captions, at every step
                    caption.phase == s.phase
                    if s.phase in ("update", "sample")
                    else caption.phase in (None, s.phase) and s.t in picked
                )
            )
    assert all(counts), [lesson.captions[k].text for k, n in enumerate(counts) if not n]  # none is dead
    expected = sum(counts)
    assert report.places == expected
    assert 0 < report.longest <= MAX_CAPTION_CHARS


def _trained_probs() -> np.ndarray:
    lesson = parse_lesson(small("  - text: Step {t}.\n").encode(), "x.yaml")
    session = Session.open(lesson)
    return np.asarray(session.trace("trained").summary["p"])[np.arange(6), [1, 0, 1, 1, 0, 1]]


def test_a_false_caption_is_named_by_check_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prob = _trained_probs()
    worst = int(np.argmin(prob))
    second = float(np.sort(prob)[1])
    planted = (
        "  - text: Step {t}.\n"
        "  - op: p\n"
        "    checkpoint: trained\n"
        f'    when: "prob[t] >= {second:.17g}"\n'
        "    text: The answer gets at least {prob:.3f}.\n"
    )
    path = tmp_path / "planted.yaml"
    path.write_text(small(planted), encoding="utf-8")
    line = small("").count("\n") + 2
    assert main(["--check", str(path)]) == 1
    [out] = capsys.readouterr().out.splitlines()
    assert out.startswith(f"{path}:{line}:5: narration[1]: caption ")
    assert f"at checkpoint trained, t = {worst}: prob[t] = " in out
    assert "more places" not in out  # it fails at exactly one place
    # The guard hides the caption there and shows it everywhere else.
    lesson = load_lesson(path)
    trace = Session.open(lesson).trace("trained")
    for t in range(trace.length):
        index = trace.timestep_range("forward", t)[-2]  # op p
        shown = " ".join(narration_at(lesson, trace, index, "trained", 150))
        assert ("The answer gets at least" in shown) == (t != worst), t
    # The same caption with a guard that holds everywhere passes.
    path.write_text(small(planted.replace(f"{second:.17g}", f"{prob.min():.17g}")), encoding="utf-8")
    assert main(["--check", str(path)]) == 0


def test_a_caption_pinned_to_a_timestep_shows_on_another_sequence_only_where_its_guard_holds(
    tmp_path: Path,
) -> None:
    captions = (
        "  - {op: h, t: 1, text: Pinned without a guard.}\n"
        "  - {op: h, t: 1, when: 't >= 1 and input == 1 and inputs[t - 1] == 1', text: A second 1.}\n"
        "  - {op: h, t: '1:', text: Not the first step.}\n"
        "  - {op: h, t: -1, when: 't == T - 1', text: The last step.}\n"
        "  - {op: h, t: 0, text: The first step.}\n"
    )
    lesson = parse_lesson(small(captions).encode(), "x.yaml")
    session = Session.open(lesson)

    def shown(sequence: tuple[int, ...], t: int) -> str:
        trace = session.trace("trained", sequence)
        index = trace.timestep_range("forward", t)[4]  # op h of the rnn
        assert trace.steps[index].op == "h"
        return "  ".join(narration_at(lesson, trace, index, "trained", 150))

    own = lesson.playback
    assert shown(own, 1) == "Pinned without a guard.  A second 1.  Not the first step."
    assert shown(own, 5) == "Not the first step.  The last step."
    first = (0, 1, 1, 0)  # t = 1 is a first 1 here: the pinned captions stay silent
    assert shown(first, 1) == "Not the first step."
    assert shown(first, 2) == "Not the first step.  The last step."
    assert shown(first, 0) == "The first step."  # t = 0 is the first step of any sequence
    second = (1, 1, 0, 1, 0)  # t = 1 is a second 1 again: the guarded one holds there
    assert shown(second, 1) == "A second 1.  Not the first step."


def test_export_narration_writes_every_place_of_both_passes(tmp_path: Path) -> None:
    path = LESSONS / "one-one-zero.yaml"
    out = tmp_path / "narration.json"
    assert main([str(path), "--export-narration", str(out)]) == 0
    places = json.loads(out.read_text(encoding="utf-8"))
    lesson = load_lesson(path)
    session = Session.open(lesson)
    count = sum(len(session.trace(name).steps) for name in lesson.checkpoint_names)
    assert len(places) == count
    assert set(places[0]) == {"checkpoint", "pass", "step", "t", "op", "caption"}
    trace = session.trace("trained")
    for place in places:
        if place["checkpoint"] != "trained":
            continue
        index = trace.phase_range(place["pass"])[place["step"]]
        texts = narration_at(lesson, trace, index, "trained", 200)
        assert place["caption"] == ("  ".join(texts) if texts else None)
        assert (place["t"], place["op"]) == (trace.steps[index].t, trace.steps[index].op)
    assert {p["pass"] for p in places} == set(PHASES)
    # One checkpoint, another sequence: the t-pinned captions about the lesson's own sequence go.
    assert main([str(path), "--export-narration", str(out), "--overwrite", "--checkpoint", "trained",
                 "--sequence", "0,1,1,0"]) == 0  # fmt: skip
    other = json.loads(out.read_text(encoding="utf-8"))
    assert {p["checkpoint"] for p in other} == {"trained"}
    at = {(p["pass"], p["t"], p["op"]): p["caption"] or "" for p in other}
    assert "second 1" not in at[("forward", 1, "p")]  # t = 1 holds a first 1 on this sequence
    own = {(p["pass"], p["t"], p["op"]): p["caption"] or "" for p in places if p["checkpoint"] == "trained"}
    assert "second 1" in own[("forward", 1, "p")]


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\0", "U+0000"), ("\\a", "U+0007"), ("\\x1b", "U+001B"), ("\\ud800", ""),
     ("\\ud83d\\ude00", ""), ("\\U0010ffff", "U+10FFFF"), ("\\u202e", "U+202E"),
     ("\\u200f", "U+200F"), ("\\u2028", "U+2028"), ("\\ufeff", "U+FEFF")],
)  # fmt: skip
@pytest.mark.parametrize("where", ["title", "caption", "notes", "claim"])
def test_unshowable_characters_written_as_escapes_are_refused_where_they_stand(
    escape: str, code: str, where: str
) -> None:
    text = small("  - text: fine\n")
    if where == "title":
        text = text.replace("title: Small", f'title: "Sm{escape}all"')
    elif where == "caption":
        text = text.replace("  - text: fine", f'  - text: "fi{escape}ne"')
    elif where == "notes":
        text = text.replace("summary:", f'teacher_notes: "ok{escape}"\nsummary:')
    else:
        text += f'claims:\n  - {{checkpoint: trained, text: "x{escape}", check: min(prob) >= 0}}\n'
    [problem] = problems(text)  # lone surrogates ("\\ud800") are already refused by the YAML reader
    assert re.match(r"x\.yaml:\d+:\d+: ", problem) and code in problem, problem


def test_a_tab_written_as_an_escape_is_shown_as_spaces() -> None:
    text = small('  - text: "a\\tb"\n').replace("title: Small", 'title: "S\\tx"')
    lesson = parse_lesson(text.encode(), "x")
    assert lesson.title == "S   x" and lesson.captions[0].text == "a   b"
    assert "\t" not in lesson.title


def test_placeholders_naming_a_whole_matrix_or_a_gigantic_caption_are_refused() -> None:
    [one] = problems(small("  - text: '{W_hi:>40.12e}'\n", cell="lstm", hidden=64))
    assert one.startswith("x.yaml:14:11: narration[0].text: {W_hi:>40.12e}: names 4,096 numbers; at most 64")
    many = " ".join("{h:>40.12e}" for _ in range(140))
    [total] = problems(small(f"  - text: '{many}'\n", hidden=64))
    assert re.match(r"x\.yaml:14:11: narration\[0\]\.text: filled in, it could be [\d,]+ characters", total)
    # A caption at the bound's edge loads, and its filled text stays within what the loader measured.
    lesson = parse_lesson(small("  - text: 'h {h:>40.12e} p {p:.3f}'\n", hidden=64).encode(), "x")
    shapes = value_shapes("rnn", 2, 64)
    assert worst_length(lesson.captions[0].text, shapes) <= MAX_CAPTION_CHARS


@pytest.mark.parametrize("spec", ["", ".2f", ">40.12f", ".12e", ">40", ".0%", "+.3g", ".12f", "10.1f"])
@pytest.mark.parametrize("value", [0.0, -1e-320, 5e-324, 1.5, -3e15, 1e300, -1.7976931348623157e308])
def test_a_filled_placeholder_never_exceeds_its_measured_worst_case(spec: str, value: float) -> None:
    shapes = {"h": (64,), "loss": ()}
    for text in (f"{{h:{spec}}}" if spec else "{h}", f"{{loss:{spec}}}" if spec else "{loss}"):
        filled = fill(text, {"h": np.full(64, value), "loss": np.float64(value)})
        assert len(filled) <= worst_length(text, shapes), (text, filled)
        assert "…" not in filled


def test_a_word_wider_than_the_line_is_broken_not_cut() -> None:
    def measure(text: str, size: int, font: str, bold: bool) -> int:
        return 7 * len(text)

    word = "".join(chr(ord("a") + k % 26) for k in range(500))
    lines = wrap(f"before {word} after", 140, 12, measure)
    assert "".join(lines).replace(" ", "") == f"before{word}after"
    assert all(measure(line, 12, "sans", False) <= 140 for line in lines)


def test_teacher_note_numbers_are_filled_from_their_checkpoint() -> None:
    notes = (
        'teacher_notes: "Untrained the 1s differ by {dist(h[0], h[1]) @ untrained:.5f};'
        ' trained p[0] at t = 1 is {p[1, 0] @ trained:.3f}. {Braces} stay as written."\n'
    )
    lesson = parse_lesson(small("  - text: x\n").replace("summary:", notes + "summary:").encode(), "x")
    session = Session.open(lesson)
    h = np.asarray(session.trace("untrained").summary["h"])
    p = np.asarray(session.trace("trained").summary["p"])
    expected = (
        f"Untrained the 1s differ by {np.sqrt(((h[0] - h[1]) ** 2).sum()):.5f};"
        f" trained p[0] at t = 1 is {p[1, 0]:.3f}. {{Braces}} stay as written."
    )
    assert session.lesson.teacher_notes == expected
    assert lesson.teacher_notes.startswith("Untrained the 1s differ by {dist(")  # the file's text is kept


@pytest.mark.parametrize(
    ("placeholder", "message"),
    [
        ("{min(prob) @ trainde}", 'no checkpoint "trainde"'),
        ("{min(prb) @ trained}", 'unknown name "prb"'),
        ("{prob @ trained}", "not one number"),
        ("{min(prob) > 0 @ trained}", "not a number"),
        ("{min(prob) @ trained:>99}", 'bad format ">99"'),
    ],
)
def test_a_teacher_note_number_that_cannot_be_filled_is_refused_with_its_place(
    placeholder: str, message: str
) -> None:
    notes = f'teacher_notes: "first line\\nsecond {placeholder}"\n'
    [problem] = problems(small("  - text: x\n").replace("summary:", notes + "summary:"))
    assert problem.startswith("x.yaml:2:16: teacher_notes: line 2 of the notes: ") and message in problem


def test_guards_that_would_make_check_run_for_minutes_are_refused() -> None:
    long = small("").replace("[1, 1, 0, 1, 1, 0, 1]", "[" + "1, 0, " * 500 + "1]")  # 1,000 steps

    def guarded(count: int) -> str:
        return long + "".join(f"  - {{when: 't >= 0', text: 'c{k}'}}\n" for k in range(count))

    [problem] = problems(guarded(51))  # 51 captions x 1,000 steps x 2 checkpoints
    assert problem.startswith("x.yaml:14:3: narration: --check would evaluate guards 102,000 times")
    assert len(parse_lesson(guarded(50).encode(), "x").captions) == 50  # 100,000: within the bound


def test_export_narration_reads_a_weights_file_like_export_trace(tmp_path: Path) -> None:
    path = LESSONS / "one-one-zero.yaml"
    weights, out = tmp_path / "w.npz", tmp_path / "n.json"
    assert main([str(path), "--export-weights", str(weights), "--checkpoint", "trained"]) == 0
    assert main([str(path), "--export-narration", str(out), "--weights", str(weights)]) == 0
    places = json.loads(out.read_text(encoding="utf-8"))
    assert {p["checkpoint"] for p in places} == {None}  # no checkpoint: only captions without one
    at = {(p["pass"], p["t"], p["op"]): p["caption"] or "" for p in places}
    assert "it bets on 0" in at[("forward", 1, "p")]  # the trained weights' own numbers, guards and all
    assert "After the second 1" not in at[("forward", 1, "p")]  # that caption belongs to checkpoint trained
