"""Weight edits: the edited trace is a fresh recording with the edited weights, the
checkpoint's own weights are never written to, and --edit reaches every export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from window_support import BY_CELL, LESSONS, session

from stepper.cli import main
from stepper.edits import Edit, EditError, changed_count, edited, parse_edit, with_edit
from stepper.export import trace_json_text
from stepper.record import record
from stepper.trace import BACKWARD, FORWARD
from stepper.weights import load_weights


@pytest.mark.parametrize("cell", sorted(BY_CELL))
def test_edited_trace_equals_a_fresh_recording_with_the_edited_weights(cell):
    s = session(BY_CELL[cell])
    name = "trained" if "trained" in s.checkpoint_names else s.checkpoint_names[-1]
    original = s.params(name)
    before = original.flat.copy()
    first, second = list(original)[1], list(original)[-1]  # a recurrent matrix and the output bias
    index = (0,) * original[first].ndim
    edits = with_edit(with_edit((), Edit(first, index, 0.75)), Edit(second, (1,), -2.0))
    got = s.trace(name, edits=edits)
    # The oracle: the weights changed by hand in a plain copy, recorded from scratch.
    by_hand = original.copy()
    by_hand[first][index] = 0.75
    by_hand[second][1] = -2.0
    seq = s.lesson.playback
    want = record(by_hand, s.lesson.vocab, seq[:-1], seq[1:])
    assert same_steps(got, want)
    assert np.array_equal(original.flat, before)  # the checkpoint is untouched
    assert not same_steps(s.trace(name), want)
    assert changed_count(original, edits) == 2


def same_steps(got, want) -> bool:
    """Every op the oracle recorded (forward and backward) has the same output in `got`."""
    mine = [step for step in got.steps if step.phase in (FORWARD, BACKWARD)]
    return len(mine) == len(want.steps) and all(
        (a.phase, a.t, a.op) == (b.phase, b.t, b.op) and np.array_equal(a.output, b.output)
        for a, b in zip(mine, want.steps, strict=True)
    )


def test_a_later_edit_of_the_same_cell_replaces_the_earlier_one():
    edits = with_edit(with_edit((), Edit("Whh", (0, 1), 1.0)), Edit("Whh", (0, 1), 2.0))
    assert edits == (Edit("Whh", (0, 1), 2.0),)


def test_restoring_is_dropping_the_edits():
    s = session("hello.yaml")
    assert edited(s.params("trained"), ()) is s.params("trained")


@pytest.mark.parametrize(
    "text",
    ["Whh[0,1]", "Whx[0,1]=1", "Whh[4,0]=1", "Whh[0]=1", "Whh[0,1]=nan", "Whh[0,1]=1e9", "Whh[a,1]=2"],
)
def test_bad_edits_are_refused_in_one_line(text):
    with pytest.raises(EditError) as caught:
        parse_edit(text, "rnn", 4, 4)
    assert "\n" not in str(caught.value)


def test_cli_edit_reaches_the_trace_and_the_weights(tmp_path, capsys):
    out, npz = tmp_path / "t.json", tmp_path / "w.npz"
    lesson = str(LESSONS / "hello.yaml")
    assert main([lesson, "--edit", "Whh[0,1]=0.5", "--edit", "by[2]=-1", "--export-trace", str(out)]) == 0
    assert main([lesson, "--edit", "Whh[0,1]=0.5", "--edit", "by[2]=-1", "--export-weights", str(npz)]) == 0
    s = session("hello.yaml")
    by_hand = s.params("trained").copy()
    by_hand["Whh"][0, 1] = 0.5
    by_hand["by"][2] = -1.0
    seq = s.lesson.playback
    want = record(by_hand, s.lesson.vocab, seq[:-1], seq[1:])
    exported = json.loads(out.read_text())
    assert exported["steps"] == json.loads(trace_json_text(want))["steps"]
    assert load_weights(npz, "rnn", 4, 4) == by_hand
    assert main([lesson, "--edit", "Whh[7,1]=0.5", "--export-trace", str(tmp_path / "x.json")]) == 2
    assert "--edit" in capsys.readouterr().err
