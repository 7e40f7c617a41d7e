"""The timeline's p(target) row: shown only once the forward pass has computed it, its
colour saying how the prediction went, a wrong one marked; every column's symbols labelled."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import numpy as np
import pytest
from window_support import BY_CELL, THEME, frame_at, measure, session

from stepper.lesson import load_lesson
from stepper.navigation import at_step
from stepper.scene import Rect, Text
from stepper.session import Session
from stepper.views.bars import build_timeline
from stepper.views.frame import Box, Frame

BOX = Box(10, 600, 1260, 100)  # the timeline at 1280x720


def expected_known(trace, index: int) -> set[int]:
    """Timesteps whose p a run up to step `index` has written (independent of the view)."""
    return {s.t for s in trace.steps[: index + 1] if s.op == "p" and s.phase == "forward"}


def oracle(probs: np.ndarray, target: int) -> str:
    """chance: every symbol within a quarter of 1/V; else right if none beats the target."""
    v = len(probs)
    if np.all(np.abs(probs - 1 / v) <= 0.25 / v + 1e-12):
        return "chance"
    return "wrong" if np.any(probs > probs[target]) else "right"


def colours():
    return {
        "right": THEME.good,
        "chance": (235, 190, 60),
        "wrong": THEME.bad,
        "unknown": THEME.blank,
    }


def hue(fill, name) -> bool:
    """The fill is the verdict's colour, or (right) that colour paled towards white."""
    base = np.array(colours()[name], float)
    f = np.array(fill, float)
    if name != "right":
        return np.array_equal(f, base)
    white = np.array(THEME.panel, float)
    share = (white - f) / np.where(white - base == 0, 1, white - base)
    return np.allclose(share, share[0], atol=0.02) and 0.3 <= share[0] <= 1.0


def cells(items, prefix):
    return {int(i.tag.split(":")[1]): i for i in items if getattr(i, "tag", "").startswith(prefix)}


@pytest.mark.parametrize("cell", sorted(BY_CELL))
@pytest.mark.parametrize("checkpoint", ["untrained", "trained"])
def test_p_target_appears_once_computed_coloured_by_how_it_went(cell, checkpoint):
    lesson = BY_CELL[cell]
    trace = session(lesson).trace(checkpoint)
    checked = 0
    for phase in ("forward", "backward"):
        span = trace.phase_range(phase)
        for k in range(len(span)):
            frame = frame_at(lesson, phase, k, checkpoint=checkpoint)
            items = build_timeline(frame, BOX, THEME, measure)
            known = expected_known(trace, span.start + k) if phase == "forward" else set(range(trace.length))
            pcells, ptexts = cells(items, "pcell:"), cells(items, "ptext:")
            assert set(pcells) == set(range(trace.length))
            for t, rect in pcells.items():
                probs = trace.summary["p"][t]
                name = oracle(probs, trace.targets[t]) if t in known else "unknown"
                assert hue(rect.fill, name), (phase, k, t, name, rect.fill)
                assert (t in ptexts) == (t in known), (phase, k, t)
                if t in known:
                    pct = 100 * probs[trace.targets[t]]
                    assert f"{pct:.0f}%" in ptexts[t].text or f"{pct:.1f}%" in ptexts[t].text
                checked += 1
    assert checked > 100


def test_the_legend_names_right_chance_and_wrong():
    items = build_timeline(frame_at("alternating.yaml"), BOX, THEME, measure)
    legend = " ".join(i.text for i in items if getattr(i, "tag", "") == "timeline-legend")
    for word in ("right", "chance", "wrong", "not computed"):
        assert word in legend, legend
    for name in ("right", "chance", "wrong", "unknown"):
        (swatch,) = [i for i in items if getattr(i, "tag", "") == f"legend:{name}"]
        assert swatch.fill == colours()[name]


def test_a_wrong_prediction_is_marked():
    """Trained on 1,0,1,0, the network bets 0 after a 1: a played 1,1,1 is wrong at t = 0."""
    s = session("alternating.yaml")
    trace = s.trace("trained", (1, 1, 1))
    base = frame_at("alternating.yaml", "backward", 0)
    frame = Frame(
        replace(base.state, sequence=(1, 1, 1), cursor=at_step(trace, "backward", 0)),
        base.lesson,
        trace,
        base.iteration,
        base.checkpoints,
    )
    for box in (BOX, Box(10, 600, 300, 100)):  # wide, and too narrow for the percentages
        items = build_timeline(frame, box, THEME, measure)
        wrong = cells(items, "wrong:")
        expected = {t for t in range(trace.length) if oracle(trace.summary["p"][t], 1) == "wrong"}
        assert 0 in expected and set(wrong) == expected
        for t in wrong:
            assert trace.summary["p"][t][1] < 0.5
            assert cells(items, "pcell:")[t].fill == THEME.bad
            assert "✗" in cells(items, "ptext:")[t].text
            assert isinstance(wrong[t], Rect) and wrong[t].outline is not None


def write_big_vocab(folder, symbols: list[str]) -> Session:
    path = folder / "sixteen.yaml"
    quoted = ", ".join(f'"{s}"' for s in symbols)
    path.write_text(
        textwrap.dedent(
            f"""\
            title: "Sixteen symbols"
            summary: A lesson made by tests/test_timeline.py.
            vocab: [{quoted}]
            model:
              cell: rnn
              hidden_size: 4
              init_scale: 0.1
              seed: 3
            data:
              pattern: [{quoted}]
            training:
              optimizer: adagrad
              learning_rate: 0.1
              iterations: 10
              seq_length: 16
              checkpoints:
                untrained: 0
                trained: 10
            playback:
              sequence: [{quoted}, "{symbols[0]}"]
            """
        ),
        encoding="utf-8",
    )
    return Session.open(load_lesson(path))


@pytest.mark.parametrize(
    "symbols", [[chr(ord("a") + k) for k in range(16)], [f"s{k}" for k in range(16)]], ids=["a-p", "s0-s15"]
)
@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_every_column_labels_its_input_and_target_up_to_sixteen_symbols(tmp_path, symbols, width):
    s = write_big_vocab(tmp_path, symbols)
    checkpoint = s.checkpoint_names[-1]
    trace = s.trace(checkpoint)
    from stepper.state import ViewState

    frame = Frame(
        ViewState(checkpoint=checkpoint, cursor=at_step(trace, "forward", 0)),
        s.lesson,
        trace,
        0,
        s.checkpoint_names,
    )
    box = Box(10, 0, width - 20, THEME.px(100))
    items = build_timeline(frame, box, THEME, measure)
    texts = [i for i in items if isinstance(i, Text)]
    for t in range(trace.length):
        for row, symbol in ((0, trace.inputs[t]), (1, trace.targets[t])):
            (label,) = [i for i in texts if i.tag == f"symbol:{row}:{t}"]
            assert label.text == trace.vocab[symbol] and label.size >= 16
    boxes = []
    for i in texts:
        w = measure(i.text, i.size, i.font, i.bold)
        x = i.x - w // 2 if i.anchor == "center" else i.x
        boxes.append((x, x + w, i.y - i.size // 2, i.y + i.size // 2, i.text))
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            overlap = a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]
            assert not overlap, f"{a[4]!r} and {b[4]!r} overlap"
