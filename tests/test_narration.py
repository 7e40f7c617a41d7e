"""Captions: placeholders filled from the step under the cursor, safely, and only where they exist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepper.lesson.model import Caption, Lesson, Model, Training
from stepper.narration import (
    MISSING,
    PlaceholderError,
    caption_problems,
    caption_values,
    captions_at,
    fill,
    names_at,
    placeholders,
    value_shapes,
)
from stepper.params import init_params
from stepper.session import record_sequence
from stepper.trace import BACKWARD, FORWARD, Trace

CELLS = ("rnn", "gru", "lstm")


def small_trace(cell: str) -> Trace:
    params = init_params(cell, 3, 4, 0.5, seed=3)
    return record_sequence(params, ("a", "b", "c"), (0, 1, 2, 1))


VALUES = {
    "h": np.array([0.314, -0.0204, 0.9]),
    "p": np.array([0.25, 0.75]),
    "Wxh": np.array([[0.5, -1.0], [2.0, 0.0]]),
    "loss": 0.6931,
    "t": 3,
    "target": "1",
    "tiny": np.array(-0.0001),
}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("h = {h}", "h = [0.31, -0.02, 0.90]"),
        ("{h:.3f}", "[0.314, -0.020, 0.900]"),
        ("p[1] = {p[1]:.2f}", "p[1] = 0.75"),
        ("{Wxh}", "[[0.50, -1.00], [2.00, 0.00]]"),
        ("{Wxh[1][0]:.1f}", "2.0"),
        ("loss {loss:.3f} at t={t}", "loss 0.693 at t=3"),
        ("target {target}, {target:>3}", "target 1,   1"),
        ("{{literal}} {p[0]:.0%}", "{literal} 25%"),
        ("{tiny:.2f}", "0.00"),  # no sign that the rounded number does not have
        ("{loss:.2e}", "6.93e-01"),
    ],
)
def test_fill_formats_values(text: str, shown: str) -> None:
    assert fill(text, VALUES) == shown


@pytest.mark.parametrize(
    "text",
    [
        "{dh}",  # not computed yet at the cursor
        "{p[2]}",  # index out of range
        "{p[0][0]}",  # too many indices
        "{h.__class__}",  # attribute access
        "{p!r}",  # conversion
        "{target[0]}",  # indexing a symbol
        "{p:{t}}",  # nested placeholder in the format
        "{p:99999999}",  # a width that would build a huge string
        "{target:.2f}",  # a number format for a symbol
        "{0}",
        "{}",
    ],
)
def test_fill_shows_an_ellipsis_for_what_it_cannot_fill(text: str) -> None:
    assert fill(text, VALUES) == MISSING


def test_fill_leaves_malformed_text_alone() -> None:
    assert fill("h = {h", VALUES) == "h = {h"
    assert fill("}", VALUES) == "}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}[]:.!0123456789hpxtarge_ ,%>fdes-")), max_size=40))
def test_fill_never_raises(text: str) -> None:
    assert isinstance(fill(text, VALUES), str)


def test_placeholders_are_parsed() -> None:
    (ph,) = placeholders("p is {p[1]:.2f}!")
    assert (ph.name, ph.indices, ph.spec, ph.source) == ("p", (1,), ".2f", "{p[1]:.2f}")
    with pytest.raises(PlaceholderError, match="unbalanced braces"):
        placeholders("{p")


@pytest.mark.parametrize("cell", CELLS)
def test_value_shapes_match_the_recorded_values(cell: str) -> None:
    """The loader checks indices with shapes read from the listings; they must be the real ones."""
    trace = small_trace(cell)
    shapes = value_shapes(cell, 3, 4)
    for index in (len(trace.steps) // 2 - 1, len(trace.steps) - 1):  # end of forward, end of backward
        values = caption_values(trace, index, "trained", 10)
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                assert value.shape == shapes[name], name


@pytest.mark.parametrize("cell", CELLS)
def test_names_said_to_exist_at_an_op_always_have_values_there(cell: str) -> None:
    trace = small_trace(cell)
    for step in trace.steps:
        values = caption_values(trace, step.index, "untrained", 0)
        present = names_at(cell, step.phase, step.op)
        assert present is not None and present <= set(values), (step.phase, step.op)


def test_caption_values_follow_the_cursor() -> None:
    trace = small_trace("rnn")
    first = caption_values(trace, 0, "untrained", 0)
    assert (first["t"], first["input"], first["target"]) == (0, "a", "b")
    assert "p" not in first and "prob" not in first and "loss" not in first
    end_of_t0 = trace.timestep_range(FORWARD, 0)[-1]
    done = caption_values(trace, end_of_t0, "trained", 300)
    assert done["prob"] == pytest.approx(trace.summary["p"][0][1])
    assert done["loss"] == pytest.approx(trace.summary["loss"][0])
    assert done["guess"] in trace.vocab and (done["checkpoint"], done["iteration"]) == ("trained", 300)
    back = trace.timestep_range(BACKWARD, 1)[-1]
    values = caption_values(trace, back, "trained", 300)
    assert values["dh_norm"] == pytest.approx(trace.summary["dh_norm"][1])


def test_loader_checks_are_explained() -> None:
    assert caption_problems("{p}", "rnn", 2, 3, FORWARD, "h") == [
        "{p}: not computed yet at op h; it is computed at op p"
    ]
    assert caption_problems("{da}", "rnn", 2, 3, BACKWARD, "dh") == [
        "{da}: not computed yet at op dh; it is computed at op da"
    ]
    assert caption_problems("{h} {dWhh[2][2]:.1e} {loss}", "rnn", 2, 3, BACKWARD, "dh") == []
    assert caption_problems("{p[2]}", "gru", 2, 3, None, None) == [
        "{p[2]}: index 2 is out of range (p has shape 2)"
    ]
    assert caption_problems("{loss[0]}", "lstm", 2, 3, None, None) == [
        "{loss[0]}: loss is a single value and takes no [index]"
    ]
    assert caption_problems("{input:.2f}", "rnn", 2, 3, None, None) == [
        '{input:.2f}: format ".2f" does not fit a str value'
    ]


def lesson_with(captions: tuple[Caption, ...]) -> Lesson:
    return Lesson(
        path=Path("x.yaml"),
        title="x",
        summary="x",
        teacher_notes="",
        vocab=("0", "1"),
        model=Model("rnn", 3, 0.01, 1),
        data=(1, 0),
        training=Training("adagrad", 0.1, 10, 25, 5.0, (("untrained", 0), ("trained", 10))),
        playback=(1, 0, 1),
        panels=(),
        captions=captions,
        claims=(),
    )


def test_captions_at_picks_matching_captions_most_specific_first() -> None:
    general = Caption("general")
    on_h = Caption("h", phase=FORWARD, op="h")
    on_h_again = Caption("h again", phase=FORWARD, op="h")
    trained_t1_h = Caption("trained t1 h", checkpoint="trained", phase=FORWARD, t=1, op="h")
    backward = Caption("backward", phase=BACKWARD)
    lesson = lesson_with((general, on_h, trained_t1_h, backward, on_h_again))
    assert captions_at(lesson, "trained", FORWARD, 1, "h") == (trained_t1_h, on_h, on_h_again, general)
    assert captions_at(lesson, "untrained", FORWARD, 1, "h") == (on_h, on_h_again, general)
    assert captions_at(lesson, "trained", FORWARD, 0, "x") == (general,)
    assert captions_at(lesson, "trained", BACKWARD, 0, "dy") == (backward, general)
