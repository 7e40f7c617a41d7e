# ruff: noqa: E501  (the table holds whole error lines, exactly as printed)
"""Broken lessons, one mistake per file: each must give exactly these file:line:col messages.

The files live in tests/data/bad_lessons/; a file added there without an entry
here fails `test_every_bad_file_is_listed`, so the table stays complete.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from work_budget import calls, load_or_refuse

from stepper.lesson import LessonError, load_lesson, nodes, parse_lesson
from stepper.lesson.load import MAX_PROBLEMS
from stepper.lesson.nodes import MAX_BYTES

BAD = Path(__file__).parent / "data" / "bad_lessons"

#: file -> every problem it must report, in order, without the "path:" prefix.
EXPECTED: dict[str, list[str]] = {
    "alias_bomb.yaml": [
        "13:7: playback.sequence[0]: expected a symbol, got a list",
        "14:11: aliases (*a) are not allowed; write the value out",
        "15:11: aliases (*b) are not allowed; write the value out",
        "16:11: aliases (*c) are not allowed; write the value out",
        "17:11: aliases (*d) are not allowed; write the value out",
        "18:11: aliases (*e) are not allowed; write the value out",
        "19:11: aliases (*f) are not allowed; write the value out",
        "20:11: aliases (*g) are not allowed; write the value out",
        "21:11: aliases (*h) are not allowed; write the value out",
    ],
    "alias_reuse.yaml": ["11:22: aliases (*cycle) are not allowed; write the value out"],
    "checkpoint_after_end.yaml": [
        "10:40: training.checkpoints.trained: iteration 500 is after the last training iteration (300)"
    ],
    "claim_code_injection.yaml": [
        "15:12: claims[0].check: __import__('os').system('echo hi'): only these functions can be called: min, max, mean, all, any, abs, sign, log10, norm, dist, alternates"
    ],
    "claim_index_out_of_range.yaml": [
        "15:12: claims[0].check: h[9]: index 9 is out of bounds for axis 0 with size 4"
    ],
    "claim_not_true_or_false.yaml": [
        "15:12: claims[0].check: gives a number, not true/false; compare it, as in min(prob) >= 0.9"
    ],
    "claim_syntax_error.yaml": ["15:12: claims[0].check: cannot read it: '(' was never closed"],
    "claim_unknown_checkpoint.yaml": [
        '13:17: claims[0].checkpoint: "final" is not one of untrained, trained'
    ],
    "claim_unknown_name.yaml": ['15:12: claims[0].check: unknown name "prb"; did you mean "prob"?'],
    "clip_negative.yaml": [
        '10:9: training.clip: expected a positive number, or "off" for no clipping, got -5'
    ],
    "comments_only.yaml": [
        "1:1: the file is empty; a lesson needs title, summary, vocab, model, data, training, playback"
    ],
    "compare_same_cell.yaml": ["12:17: compare.cell: the lesson's model is already rnn; name another cell"],
    "control_character.yaml": ["1:14: control character U+0007 is not allowed in YAML"],
    "data_pattern_and_text.yaml": [
        '5:7: data: give either "pattern" (a list of symbols) or "text", not both'
    ],
    "duplicate_key.yaml": ['10:3: duplicate key "iterations" (first at line 9)'],
    "empty.yaml": [
        "1:1: the file is empty; a lesson needs title, summary, vocab, model, data, training, playback"
    ],
    "gates_panel_on_rnn.yaml": [
        "11:48: playback.panels[0]: the gates panel needs a gru or lstm cell; this model is rnn"
    ],
    "hidden_size_too_big.yaml": ["4:33: model.hidden_size: expected a whole number from 2 to 64, got 100"],
    "iterations_fraction.yaml": [
        "9:15: training.iterations: expected a whole number from 0 to 200,000, got 2.5"
    ],
    "iterations_over_limit.yaml": [
        "9:15: training.iterations: expected a whole number from 0 to 200,000, got 300000"
    ],
    "iterations_quoted.yaml": [
        '9:15: training.iterations: expected a whole number from 0 to 200,000 (numbers go without quotes), got "300"'
    ],
    "learning_rate_negative.yaml": [
        "8:18: training.learning_rate: expected a positive number up to 100, got -0.1"
    ],
    "learning_rate_not_a_number.yaml": [
        '8:18: training.learning_rate: expected a positive number up to 100, got "fast"'
    ],
    "missing_key.yaml": ['4:8: model: missing "hidden_size"'],
    "missing_section.yaml": ['1:1: missing "playback"'],
    "narration_op_phase_mismatch.yaml": [
        '14:9: narration[0].op: "dh" is a backward op, but phase is forward'
    ],
    "narration_t_out_of_range.yaml": [
        "13:8: narration[0].t: expected a timestep from -4 to 3 (the playback has 4 steps; -1 is the last), "
        'or a slice such as "1:", got 4'
    ],
    "narration_unknown_checkpoint.yaml": [
        '13:17: narration[0].checkpoint: "trainde" is not one of untrained, trained; did you mean "trained"?'
    ],
    "narration_unknown_op.yaml": [
        '13:9: narration[0].op: "hx" is not an op of the rnn cell; did you mean "x"?'
    ],
    "not_a_mapping.yaml": [
        "1:1: expected a mapping with title, summary, vocab, model, data, training, playback, got a list"
    ],
    "not_utf8.yaml": ["1:11: not UTF-8 text (byte 0xe9); save it as UTF-8"],
    "placeholder_attribute_access.yaml": [
        "14:11: narration[0].text: {h.__class__}: write a name with optional [index]es, such as {p[1]}"
    ],
    "placeholder_backward_value_in_forward.yaml": [
        "14:11: narration[0].text: {dh}: dh is only computed in the backward pass"
    ],
    "placeholder_bad_format.yaml": [
        '14:11: narration[0].text: {p[1]:.2q}: bad format ".2q"; use a format such as .2f, .3e or >6'
    ],
    "placeholder_huge_width.yaml": [
        "14:11: narration[0].text: {h:999999999}: widths above 40 and precisions above 12 are not allowed"
    ],
    "placeholder_index_out_of_range.yaml": [
        "14:11: narration[0].text: {p[5]:.2f}: index 5 is out of range (p has shape 2)"
    ],
    "placeholder_not_computed_yet.yaml": [
        "14:11: narration[0].text: {p:.2f}: not computed yet at op h; it is computed at op p"
    ],
    "placeholder_unbalanced_brace.yaml": [
        "14:11: narration[0].text: unbalanced braces; write {{ or }} for a literal brace"
    ],
    "placeholder_unknown_name.yaml": [
        '14:11: narration[0].text: {hp:.2f}: unknown name "hp"; did you mean "p"?'
    ],
    "playback_text_unknown_symbol.yaml": ['11:22: playback.sequence: "x" is not in the vocabulary (0, 1)'],
    "playback_too_long.yaml": ["11:22: playback.sequence: expected 2 to 1,001 symbols, got 1,002"],
    "python_tag.yaml": ["1:8: tags such as !!python/object/apply:os.system are not allowed"],
    "several_mistakes.yaml": [
        "4:33: model.hidden_size: expected a whole number from 2 to 64, got 0",
        '8:18: training.learning_rate: expected a positive number up to 100, got "fast"',
        '11:39: playback: unknown key "panel"; did you mean "panels"?',
        '14:11: narration[0].text: {hp}: unknown name "hp"; did you mean "p"?',
    ],
    "symbol_not_in_vocab.yaml": ['5:24: data.pattern: "2" is not in the vocabulary (0, 1)'],
    "training_budget.yaml": [
        "9:15: training: 200,000 iterations x seq_length 100 take about 132 s for this rnn (hidden size 3) "
        "on a 2-core machine; at most 60 s: use at most 90,600 iterations at this seq_length"
    ],
    "two_documents.yaml": ["12:1: only one YAML document per lesson file (remove the ---)"],
    "unknown_cell.yaml": ['4:15: model.cell: "lsmt" is not one of rnn, gru, lstm; did you mean "lstm"?'],
    "unknown_key_near_miss.yaml": [
        '8:3: training: unknown key "learning_rat"; did you mean "learning_rate"?'
    ],
    "unknown_key_no_near_miss.yaml": [
        '4:45: model: unknown key "colour"; expected one of: cell, hidden_size, seed, init_scale'
    ],
    "unknown_key_top_level.yaml": ['12:1: unknown key "narations"; did you mean "narration"?'],
    "unknown_optimizer.yaml": ['7:14: training.optimizer: "rmsprop" is not one of sgd, adagrad, adam'],
    "unknown_panel.yaml": [
        '11:48: playback.panels[0]: "heatmpa" is not one of heatmap, gates, gradients, contributions, trajectory, responses, history, compare; did you mean "heatmap"?'
    ],
    "vocab_duplicate.yaml": ['3:19: vocab[2]: "0" appears twice'],
    "vocab_not_a_list.yaml": [
        '3:8: vocab: expected a list of 2 to 32 symbols, such as [h, e, l, o], got "01"'
    ],
    "vocab_too_large.yaml": ["3:8: vocab: expected 2 to 32 symbols, got 34"],
}

#: Syntax errors: PyYAML words them (differently per release and per parser), so only our part
#: is held: one line, the line the mistake is on, our prefix. file -> line.
SYNTAX_ERRORS = {"syntax_bad_indent.yaml": 10, "syntax_unclosed_list.yaml": 5}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_lesson_reports_exactly(name: str) -> None:
    path = BAD / name
    assert problems_of(path) == [f"{path}:{line}" for line in EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_error_is_one_line_at_its_line(name: str) -> None:
    path = BAD / name
    [problem] = problems_of(path)
    assert re.fullmatch(rf"{re.escape(str(path))}:{SYNTAX_ERRORS[name]}:\d+: YAML syntax error: \S.*", problem)


def test_every_bad_file_is_listed() -> None:
    on_disk = {p.name for p in BAD.glob("*.yaml")}
    assert on_disk == set(EXPECTED) | set(SYNTAX_ERRORS)
    assert len(on_disk) >= 25


def test_alias_bomb_is_refused_in_bounded_work() -> None:
    """Counted, not timed: refusing the bomb (9**8 symbols once its aliases expand) takes
    about the work of refusing the same file with each alias written as one symbol."""
    bomb = (BAD / "alias_bomb.yaml").read_bytes()
    plain = re.sub(rb"\*[a-z]\b", b"0", bomb)
    assert plain.count(b"*") == 0 and len(plain) > len(bomb) * 0.8
    for data in (plain, bomb):
        with pytest.raises(LessonError):
            parse_lesson(data, "counted.yaml")
    once = calls(lambda: load_or_refuse(plain), budget=10**6)
    assert calls(lambda: load_or_refuse(bomb), budget=3 * once) <= 3 * once


def test_file_over_one_megabyte(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"title: x\n" + b"# padding\n" * (MAX_BYTES // 10 + 1))
    assert problems_of(big) == [f"{big}:1:1: the file is 1.0 MB; a lesson may be at most 1 MB"]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: cannot read the file: No such file or directory"
    ]
    assert problems_of(tmp_path) == [f"{tmp_path}: cannot read the file: Is a directory"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text("title: x\n")
    locked.chmod(0)
    assert problems_of(locked) == [f"{locked}: cannot read the file: Permission denied"]


def test_problems_are_capped() -> None:
    text = "title: x\n" + "".join(f"unknown_{i}: 1\n" for i in range(200))
    with pytest.raises(LessonError) as caught:
        parse_lesson(text.encode(), "many.yaml")
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert str(problems[-1]).startswith("many.yaml: ... and ")


class ScanAheadLoader(yaml.SafeLoader):
    """A parser like libyaml 0.2.5+: it reads a run of brackets ahead of its events and refuses
    one deeper than its own limit, in words of its own, before our check sees an event."""

    def check_event(self, *choices):
        if not getattr(self, "_scanned", False):
            self._scanned = True
            if nodes.flow_depth(self.buffer) > 100:
                mark = yaml.Mark("<unicode string>", 0, 0, 107, None, None)
                raise yaml.MarkedYAMLError(problem="words of some other release", problem_mark=mark)
        return super().check_event(*choices)


PARSERS = {"default": nodes._LOADER, "pure-python": yaml.SafeLoader, "scans-ahead": ScanAheadLoader}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize(
    "text",
    [
        "title: " + "[" * 5000 + "]" * 5000 + "\n",
        "title: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n",
        "title:\n" + "".join(" " * k + f"k{k}:\n" for k in range(1, 200)),
        "title: x\nnotes:\n" + "- " * 5000 + "x\n",
    ],
    ids=["brackets", "braces", "indented", "dashes"],
)
def test_deep_nesting_is_refused_in_our_words_whichever_parser(
    parser: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The promise is ours, whatever PyYAML release refuses first: one line, file:line:col,
    saying what to fix."""
    monkeypatch.setattr(nodes, "_LOADER", PARSERS[parser])
    with pytest.raises(LessonError) as caught:
        parse_lesson(text.encode(), "deep.yaml")
    assert re.fullmatch(r"deep\.yaml:\d+:\d+: nested more than 32 levels deep", str(caught.value))


def test_error_lines_name_key_path_and_expectation() -> None:
    """The issue's own example, word for word."""
    path = BAD / "learning_rate_not_a_number.yaml"
    assert problems_of(path) == [
        f'{path}:8:18: training.learning_rate: expected a positive number up to 100, got "fast"'
    ]
