"""Claims: checkable statements about a checkpoint's numbers, and what --check prints about them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import stepper.session
from stepper.cli import main
from stepper.lesson import builtin_lessons
from stepper.lesson.check import check_lesson, check_lessons
from stepper.lesson.claims import ClaimError, evaluate, parse_claim, value_shapes
from stepper.train import Divergence, TrainResult

SHAPES = value_shapes("rnn", steps=4, vocab_size=2, hidden_size=3)


def judge(check: str, **arrays: object) -> tuple[bool, str]:
    values = {name: np.zeros(shape) for name, shape in SHAPES.items()}
    values.update({name: np.asarray(v, dtype=float) for name, v in arrays.items()})
    outcome = evaluate(parse_claim(check, SHAPES), check, values)
    return outcome.holds, outcome.measured_text


SURE = [0.99, 0.97, 0.995, 0.999]
CORNERS = [[0.9, -0.95, 0.97], [-0.96, 0.92, -0.99], [0.93, -0.97, 0.95], [-0.97, 0.94, -0.98]]


@pytest.mark.parametrize(
    ("check", "arrays", "holds", "measured"),
    [
        # p[target] >= x at every step of a checkpoint
        ("min(prob) >= 0.95", {"prob": SURE}, True, "min(prob) = 0.97"),
        ("min(prob) >= 0.98", {"prob": SURE}, False, "min(prob) = 0.97"),
        # untrained p stays within a..b
        ("0.45 <= min(p) <= max(p) <= 0.55", {"p": [[0.5, 0.5]] * 4}, True, "min(p) = 0.5; max(p) = 0.5"),
        ("0.45 <= min(p) <= max(p) <= 0.55", {"p": [[0.4, 0.6]] * 4}, False, "min(p) = 0.4; max(p) = 0.6"),
        # the hidden state after the first 1 and after the second 1 differ (L2)
        ("dist(h[0], h[1]) >= 1", {"h": CORNERS}, True, "dist(h[0], h[1]) = 3.286"),
        ("dist(h[0], h[2]) >= 1", {"h": CORNERS}, False, "dist(h[0], h[2]) = 0.04123"),
        # the hidden state flips between two corners
        ("alternates(sign(h))", {"h": CORNERS}, True, "alternates(sign(h)) = True; sign(h) = "
         "[[1, -1, 1], [-1, 1, -1], [1, -1, 1], [-1, 1, -1]]"),
        ("alternates(sign(h))", {"h": [CORNERS[0]] * 4}, False, "alternates(sign(h)) = False; sign(h) = "
         "[[1, -1, 1], [1, -1, 1], [1, -1, 1], [1, -1, 1]]"),
        # ||dL/dh_t|| falls by orders of magnitude going back in time
        ("log10(dh_norm[-1] / dh_norm[0]) >= 2", {"dh_norm": [0.002, 0.01, 0.3, 3.0]}, True,
         "log10(dh_norm[-1] / dh_norm[0]) = 3.176"),
        ("log10(dh_norm[-1] / dh_norm[0]) >= 2", {"dh_norm": [0.2, 0.5, 1.0, 3.0]}, False,
         "log10(dh_norm[-1] / dh_norm[0]) = 1.176"),
        # and the rest of the language
        ("not any(prob < 0.9) and train_loss < 0.1", {"prob": SURE, "train_loss": 0.05}, True,
         "prob = [0.99, 0.97, 0.995, 0.999]; any(prob < 0.9) = False; "
         "prob < 0.9 = [False, False, False, False]; train_loss = 0.05"),
        ("mean(norm(h)) > 1.6 or T == 4", {"h": CORNERS, "T": 4}, True,
         "mean(norm(h)) = 1.65"),
        ("abs(h[1, 0] - -h[0, 0]) * 10 < 1", {"h": CORNERS}, True,
         "abs(h[1, 0] - -h[0, 0]) = 0.06; abs(h[1, 0] - -h[0, 0]) * 10 = 0.6"),
    ],
)  # fmt: skip
def test_claims_decide_from_the_numbers(check: str, arrays: dict, holds: bool, measured: str) -> None:
    assert judge(check, **arrays) == (holds, measured)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("prob >= 0.9", "gives 4 values, not one true/false; wrap it in all(...) or any(...)"),
        ("min(prob)", "gives a number, not true/false; compare it, as in min(prob) >= 0.9"),
        ("min(prb) > 0", 'unknown name "prb"; did you mean "prob"?'),
        ("median(prob) > 0", "median(prob): only these functions can be called: min, max, mean, all, any, "
         "abs, sign, log10, norm, dist, alternates"),
        ("min > 0", "min is a function; write min(...)"),
        ("dist(h[0]) > 0", "dist takes 2 value(s), got 1"),
        ("min(prob, key=1) > 0", "min(prob, key=1): functions take plain values, no keywords or *"),
        ("h.T > 0", "h.T: attribute access (.) is not allowed"),
        ("prob ** 2 > 0", 'the operator "**" is not supported; use + - * /, comparisons, and, or, not'),
        ("'a' == 'a'", "'a': only numbers, True and False can be written as values"),
        ("[1] == 1", "[1]: not allowed in a claim"),
        ("(1, 2) == 1", "(1, 2): commas and colons only go inside [...], as in h[0, 1] or prob[1:]"),
        ("h[4] > 0", "h[4]: index 4 is out of bounds for axis 0 with size 4"),
        ("h[0.5] > 0", "0.5: an index must be a whole number"),
        ("dist(h[0], p[0]) > 0", "dist(h[0], p[0]): operands could not be broadcast together with shapes "
         "(3,) (2,) "),
        ("min(prob[3:1]) > 0", "min(prob[3:1]): zero-size array to reduction operation minimum which has "
         "no identity"),
        ("alternates(h[0, 0]) ", "alternates(...) needs at least two timesteps"),
        ("min(prob >= 0.9", "cannot read it: '(' was never closed"),
        ("lambda: 1", "lambda: 1: not allowed in a claim"),
        ("x" * 301, "longer than 300 characters; split it into several claims"),
    ],
)  # fmt: skip
def test_claims_that_cannot_be_checked_are_refused(check: str, message: str) -> None:
    with pytest.raises(ClaimError) as caught:
        parse_claim(check, SHAPES)
    assert str(caught.value) == message


def test_check_prints_one_line_per_good_lesson(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in builtin_lessons()[:2]]
    assert check_lessons(paths) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for path, line in zip(paths, lines, strict=True):
        ok = (
            r": ok \(trained in \d+\.\d\d s, \d+ claims hold, "
            r"captions true at [\d,]+ places, longest [\d,]+ characters"
            r"(, questions answerable at [\d,]+ places)?\)"
        )
        assert re.fullmatch(re.escape(path) + ok, line)


def test_a_claim_the_numbers_do_not_support_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = builtin_lessons()[0].read_text(encoding="utf-8")
    lesson = tmp_path / "overclaims.yaml"
    lesson.write_text(
        text + "  - checkpoint: trained\n    text: Perfectly sure.\n    check: min(prob) >= 0.9999\n",
        encoding="utf-8",
    )
    line = len(text.splitlines()) + 1
    assert main(["--check", str(lesson), str(builtin_lessons()[1])]) == 1
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        re.escape(f'{lesson}:{line}:5: claim "Perfectly sure." does not hold at checkpoint trained: ')
        + r"min\(prob\) >= 0\.9999; measured min\(prob\) = 0\.99\d*",
        out[0],
    )
    assert out[1].endswith(("characters)", "places)"))  # the other lesson is still checked and reported


def test_a_broken_lesson_fails_the_check_with_its_problems(capsys: pytest.CaptureFixture[str]) -> None:
    bad = Path(__file__).parent / "data" / "bad_lessons" / "several_mistakes.yaml"
    assert check_lessons([str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and all(line.startswith(f"{bad}:") for line in out)


def test_divergence_fails_the_check_and_its_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    real_train = stepper.session.train

    def diverging(config, data) -> TrainResult:  # keeps only the first checkpoint, as a blow-up would
        result = real_train(config, data)
        reason = "the loss became NaN or inf at iteration 7"
        return TrainResult(result.checkpoints[:1], result.loss_history, Divergence(7, reason), result.seconds)

    monkeypatch.setattr(stepper.session, "train", diverging)
    report = check_lesson(builtin_lessons()[0])
    lines = report.lines()
    assert lines[0] == f"{builtin_lessons()[0]}: training diverged: the loss became NaN or inf at iteration 7"
    missing = [r for r in report.results if r.claim.checkpoint != "untrained"]
    assert missing and len(lines) == 1 + len(missing)
    assert all(
        line.endswith("; measured nothing: training stopped before this checkpoint") for line in lines[1:]
    )
