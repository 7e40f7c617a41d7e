"""Questions in lessons (`ask:`): answers computed at the place, never typed in; --check poses
every question at every place it can show and refuses stale or duplicate answers by line."""

from __future__ import annotations

import numpy as np
import pytest
from window_support import LESSONS, session

from stepper.lesson import LessonError, load_lesson
from stepper.lesson.asks import pose, posed_at
from stepper.lesson.check import check_lesson

BASE = (LESSONS / "hello.yaml").read_text(encoding="utf-8").split("\nask:\n")[0]


def with_asks(tmp_path, text: str):
    path = tmp_path / "asked.yaml"
    path.write_text(BASE + "\nask:\n" + text, encoding="utf-8")
    return path


def line_of(path, needle: str) -> int:
    """The line of the last occurrence (the questions come after the lesson's narration)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return len(lines) - lines[::-1].index(needle)


REFUSED_BY_LINE = {
    "a typed-in answer is stale": (
        "  - op: p\n    t: 0\n    question: How sure?\n    answer: 0.25\n    distractors: [0.5]\n",
        "    answer: 0.25",
        "stale",
    ),
    "a choice decided by no number is stale": (
        "  - op: p\n    t: 0\n    question: Which?\n    choices:\n"
        "      - text: h\n        when: 1 > 0\n      - text: e\n        when: p[t, 1] > 0.5\n",
        "        when: 1 > 0",
        "stale",
    ),
    "the answer again as a distractor": (
        "  - op: p\n    t: 0\n    question: How sure?\n    answer: prob[t]\n"
        "    distractors:\n      - 0.5\n      - prob[ t ]\n",
        "      - prob[ t ]",
        "again",
    ),
}


@pytest.mark.parametrize(("asks", "line", "word"), REFUSED_BY_LINE.values(), ids=REFUSED_BY_LINE)
def test_a_question_is_refused_with_its_line(tmp_path, asks, line, word):
    path = with_asks(tmp_path, asks)
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    [problem] = caught.value.problems
    assert problem.line == line_of(path, line) and word in problem.message


def test_check_refuses_a_distractor_that_reads_the_same_as_the_answer(tmp_path):
    # A distractor a hair from the answer reads the same at two decimals: the class could not tell.
    path = with_asks(
        tmp_path,
        "  - op: p\n    checkpoint: trained\n    t: 0\n    question: How sure?\n"
        "    answer: prob[t]\n    distractors: [0.5, \"prob[t] + 0.0001\"]\n",
    )
    report = check_lesson(path)
    [problem] = report.problems
    shown = f"{check_answer():.2f}"
    assert problem.line == line_of(path, "  - op: p") and f"both read {shown}" in problem.message


def check_answer() -> float:
    """p[target] at t = 0, trained, from the trace itself."""
    trace = session("hello.yaml").trace("trained")
    return trace.summary["p"][0][trace.targets[0]]


def test_check_refuses_a_question_with_two_answers_and_one_never_asked(tmp_path):
    path = with_asks(
        tmp_path,
        "  - op: p\n    t: 1\n    question: Which?\n    choices:\n"
        "      - text: big\n        when: max(p[t]) > 0.1\n"
        "      - text: small\n        when: min(p[t]) < 0.9\n"
        "  - op: p\n    t: 2\n    if: input == 3\n    question: Never here\n    answer: prob[t]\n",
    )
    lines = [p.line for p in check_lesson(path).problems]
    messages = " ".join(p.message for p in check_lesson(path).problems)
    first = len(BASE.splitlines()) + 2
    assert lines == [first, first + 8]
    assert "all hold" in messages and "never asked" in messages


def test_the_posed_answer_is_the_independently_computed_one():
    s = session("hello.yaml")
    lesson, trace = s.lesson, s.trace("trained")
    ask = lesson.asks[1]
    index = next(i for i in trace.phase_range("forward") if (trace.steps[i].op, trace.steps[i].t) == ("p", 3))
    posed = pose(ask, trace, index, "trained", 200)
    p = trace.steps[index].output
    assert posed.options == ("h", "e", "l", "o") and posed.correct == int(np.argmax(p))
    assert posed_at(lesson, trace, index, "trained", 200) == posed
    assert posed_at(lesson, trace, index - 1, "trained", 200) is None  # not at the op before


def test_numeric_options_are_sorted_and_a_typed_answer_is_checked_to_its_decimals():
    s = session("hello.yaml")
    trace = s.trace("untrained")
    index = next(i for i in trace.phase_range("forward") if (trace.steps[i].op, trace.steps[i].t) == ("p", 0))
    posed = pose(s.lesson.asks[0], trace, index, "untrained", 0)
    truth = float(trace.steps[index].output[trace.targets[0]])
    assert posed.options == (f"{truth:.2f}", "0.50", "1.00") and posed.correct == 0
    assert posed.accepts(round(truth, 2)) and posed.accepts(truth + 0.004)
    assert not posed.accepts(truth + 0.006) and not posed.accepts(float("nan"))


def test_every_built_in_lesson_asks_two_to_four_questions_that_check():
    for path in sorted(LESSONS.glob("*.yaml")):
        lesson = load_lesson(path)
        assert 2 <= len(lesson.asks) <= 4, path.name


def test_a_sample_question_takes_the_drawn_symbol_as_its_answer_and_nothing_typed(tmp_path):
    path = with_asks(
        tmp_path,
        "  - phase: sample\n    op: s\n    t: 1\n    question: Next?\n    answer: prob[t]\n"
        "    choices: [h, e]\n",
    )
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    found = {p.line: p.message for p in caught.value.problems}
    assert "answer is the symbol drawn" in found[line_of(path, "    answer: prob[t]")]
    assert "choices: symbols" in found[line_of(path, "    choices: [h, e]")]


def test_the_work_check_would_do_for_questions_is_bounded_at_load(tmp_path, monkeypatch):
    import stepper.lesson.load as load

    path = with_asks(
        tmp_path, "  - op: p\n    question: How sure?\n    answer: prob[t]\n    distractors: [0.5]\n"
    )
    assert load_lesson(path).asks  # 4 timesteps x 2 checkpoints x 2 expressions: 16
    monkeypatch.setattr(load, "MAX_GUARD_EVALUATIONS", 15)  # the narration's 24 are refused too
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    found = {p.line: p.message for p in caught.value.problems}
    assert "16 times" in found[len(BASE.splitlines()) + 2]  # where the list starts
