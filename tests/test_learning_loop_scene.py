"""The update and sample passes on screen, held to the projector rules of the forward pass:
every number the current line reads and writes is drawn, at 24 px or more at 1280x720,
no two texts overlap, and everything stays inside the window."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_window_scene import text_box
from window_support import THEME, frame_at, measure, session

from stepper.navigation import Cursor
from stepper.passes.sample import SampleSettings
from stepper.scene import Cell, Line, Rect, Text
from stepper.trace import SAMPLE, UPDATE
from stepper.views.screen import build_screen

SIZES = ((1280, 720), (1920, 1080))
LESSONS = ("alternating.yaml", "gru-gates.yaml", "lstm-gates.yaml", "hello.yaml", "vanishing-gradients.yaml")
#: Its 6x10 Wxh is wider at 24 px than the diagram at 1280x720: its numbers are drawn at
#: the largest size that fits (for Adam's lines on Wxh, with the timeline giving way).
WIDE = {"vanishing-gradients.yaml": 16}


def _places(name: str, phase: str) -> list[int]:
    s = session(name)
    n = len(s.trace(s.checkpoint_names[-1]).phase_range(phase))
    return sorted({0, 1, 2, 3, n // 2, n - 2, n - 1})


PLACES = [(name, phase, k) for name in LESSONS for phase in (UPDATE, SAMPLE) for k in _places(name, phase)]


def _drawn(cells: list[Cell], values: np.ndarray) -> list[Cell] | None:
    """The cells of one drawn array holding exactly `values`, or None."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    by_name: dict[str, list[Cell]] = {}
    for c in cells:
        by_name.setdefault(c.name, []).append(c)
    for group in by_name.values():
        if len(group) == flat.size and np.array_equal([c.value for c in group], flat):
            return group
    return None


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name,phase,k", PLACES)
def test_current_line_numbers_are_all_shown_large_and_nothing_overlaps(name, phase, k, size):
    lesson_panels = session(name).lesson.panels
    frame = frame_at(name, phase, k, panels=lesson_panels)
    scene = build_screen(frame, size[0], size[1], THEME, measure)
    (diagram,) = [layer for layer in scene.layers if layer.name == "diagram"]
    cells = [i for i in diagram.items if isinstance(i, Cell)]
    step = frame.step
    assert not scene.tagged("update-too-small")
    least = WIDE.get(name, 24) if size == (1280, 720) else 24  # px
    for what, values in (*step.inputs, ("result " + step.op, step.output)):
        group = _drawn(cells, values)
        assert group is not None, (what, name, phase, k, size)
        for c in group:
            assert c.label and c.label_size >= least, (what, c)
            assert measure(c.label, c.label_size) <= c.w, c
    texts = [i for i in diagram.items if isinstance(i, Text) and i.text]
    boxes = [text_box(t) for t in texts]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (x1, y1, w1, h1), (x2, y2, w2, h2) = boxes[a], boxes[b]
            overlap = min(x1 + w1, x2 + w2) - max(x1, x2) > 2 and min(y1 + h1, y2 + h2) - max(y1, y2) > 2
            assert not overlap, (texts[a], texts[b])
    w, h = size
    for item in scene.items:
        if isinstance(item, Text) and item.text:
            x, y, tw, th = text_box(item)
            assert x >= -1 and y >= -1 and x + tw <= w + 1 and y + th <= h + 2, item
        elif isinstance(item, (Cell, Rect)):
            inside = item.x >= -4 and item.x + item.w <= w + 4 and item.y >= -4 and item.y + item.h <= h + 4
            assert inside, item
        elif isinstance(item, Line):
            assert all(0 <= x <= w and 0 <= y <= h for x, y in ((item.x1, item.y1), (item.x2, item.y2))), item


def test_sample_bars_show_p_and_mark_u_on_the_running_sum():
    name = "hello.yaml"
    s = session(name)
    settings = SampleSettings(20, 1.0, 0, None)  # the lesson's own is greedy: no draw to mark
    trace = s.trace(s.checkpoint_names[-1], sample=settings)
    span = trace.phase_range(SAMPLE)
    index = next(i for i in span if trace.steps[i].op == "s")
    base = frame_at(name)
    frame = replace(
        base, trace=trace, state=replace(base.state, cursor=Cursor(SAMPLE, index), sample=settings)
    )
    scene = build_screen(frame, 1280, 720, THEME, measure)
    p = frame.env["p"]
    labels = [t.text for t in scene.tagged("pbar-label:0")]
    assert labels and f"{p[0]:.3f}" in labels[0]
    (segment,) = scene.tagged(f"cumsum:{int(frame.env['s'])}")
    (mark,) = scene.tagged("u-mark")
    assert segment.x <= mark.x1 <= segment.x + segment.w  # u falls in the drawn symbol's segment


def test_update_shows_what_the_step_bought_after_its_last_line():
    name = "hello.yaml"
    trace = session(name).trace(session(name).checkpoint_names[-1])
    last = len(trace.phase_range(UPDATE)) - 1
    scene = build_screen(frame_at(name, UPDATE, last), 1280, 720, THEME, measure)
    text = " ".join(t.text for t in scene.tagged("update-loss"))
    assert f"{trace.update.loss_before:.4f}" in text and f"{trace.update.loss_after:.4f}" in text


@pytest.mark.parametrize("name,phase,k", PLACES)
def test_the_lit_line_is_the_line_that_ran(name, phase, k):
    """And re-running it on the step's recorded inputs gives the recorded output, bit for bit."""
    from stepper.listing import FUNCTIONS, run_line

    frame = frame_at(name, phase, k)
    scene = build_screen(frame, 1920, 1080, THEME, measure)
    (lit,) = scene.tagged("lit-line")
    (code,) = scene.tagged(f"code:{frame.step.line}")
    assert lit.y <= code.y < lit.y + lit.h
    line = frame.trace.listing(phase).lines[frame.step.line]
    assert code.text == line.source and line.op == frame.step.op
    context = {**FUNCTIONS, "V": len(frame.trace.vocab), "H": frame.trace.hidden_size}
    if phase == UPDATE:
        update = frame.trace.update
        context |= {"lr": session(name).lesson.training.learning_rate, "b1": 0.9, "b2": 0.999}
        context |= {"steps": update.step_number}
    else:
        context |= {"temperature": frame.trace.sample.temperature, "uniform": lambda: frame.env["u"]}
    out = run_line(line, {**context, **dict(frame.step.inputs)})
    assert np.array_equal(out, frame.step.output)


def _band_overlap(box, band) -> float:
    (x1, y1, w1, h1), (x2, y2, w2, h2) = box, band
    return min(min(x1 + w1, x2 + w2) - max(x1, x2), min(y1 + h1, y2 + h2) - max(y1, y2))


@pytest.mark.parametrize("name,phase,k", PLACES)
def test_no_outline_crosses_a_title(name, phase, k):
    """An operand's or result's ring is drawn outside its cells: it must not cover the
    bottom of the title above them (the underscore of z_x read as 'z x')."""
    frame = frame_at(name, phase, k, panels=session(name).lesson.panels)
    scene = build_screen(frame, 1280, 720, THEME, measure)
    (diagram,) = [layer for layer in scene.layers if layer.name == "diagram"]
    texts = [text_box(i) for i in diagram.items if isinstance(i, Text) and i.text]
    rings = [i for i in diagram.items if isinstance(i, Rect) and i.fill is None and i.outline is not None]
    for ring in rings:
        t = ring.width
        bands = (
            (ring.x, ring.y, ring.w, t),  # top, bottom, left, right strokes
            (ring.x, ring.y + ring.h - t, ring.w, t),
            (ring.x, ring.y, t, ring.h),
            (ring.x + ring.w - t, ring.y, t, ring.h),
        )
        for box in texts:
            assert all(_band_overlap(box, band) <= 0.5 for band in bands), (ring, box)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1366, 768)])
@pytest.mark.parametrize("name", LESSONS)
def test_the_last_update_line_says_the_whole_loss_sentence(name, size):
    """After the last line, what the step bought is said whole (at 1024x768 its third line
    was dropped mid-parenthesis) and the change is not written -0.0000 when it is not 0."""
    s = session(name)
    n = len(s.trace(s.checkpoint_names[-1]).phase_range(UPDATE))
    frame = frame_at(name, UPDATE, n - 1, panels=s.lesson.panels)
    scene = build_screen(frame, size[0], size[1], THEME, measure)
    said = " ".join(t.text for t in scene.of(Text) if t.tag == "update-loss")
    record = frame.trace.update
    assert f"{record.loss_before:.4f}" in said and f"{record.loss_after:.4f}" in said
    assert said.endswith("computed by running it again).")
    change = float(said.split("after (")[1].split(",")[0])
    assert change == pytest.approx(record.loss_after - record.loss_before, rel=0.06, abs=5e-9)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
@pytest.mark.parametrize("name", LESSONS)
def test_every_bar_label_of_p_is_whole_and_apart(name, size):
    """Under p's bars each symbol's probability is written whole, and two labels never run
    together (ten symbols at 1024x768 read 'a 0…b 0…', then 'b 0.0011 0.000')."""
    s = session(name)
    span = s.trace(s.checkpoint_names[-1]).phase_range(SAMPLE)
    frame = frame_at(name, SAMPLE, len(span) - 1)
    scene = build_screen(frame, size[0], size[1], THEME, measure)
    labels = sorted((t for t in scene.of(Text) if t.tag.startswith("pbar-label:")), key=lambda t: t.tag)
    p = np.asarray(frame.env["p"])
    vocab = frame.trace.vocab
    assert [t.text for t in labels] == [f"{vocab[i]} {p[i]:.3f}" for i in range(len(p))]
    boxes = [text_box(t) for t in labels]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (x1, y1, w1, h1), (x2, y2, w2, h2) = boxes[a], boxes[b]
            apart = x1 + w1 + 4 <= x2 or x2 + w2 + 4 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
            assert apart, (labels[a].text, labels[b].text)
