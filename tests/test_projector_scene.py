"""Projector first, checked on the exported scene (what --export-scene writes): at every
classroom size, the current op's numbers are on the wall, large; no value is silently
missing; nothing crosses a text; everything is inside the window.

Sampled, not exhaustive: a dozen places per pass, and the checkpoint (untrained or
trained), the side-by-side panel and the zoom rotate over the places, so each lesson,
size and pass meets every combination a few times.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from stepper.navigation import at_step
from stepper.scene import Cell
from stepper.scene_export import scene_objects

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("alternating", "hello", "gru-gates", "lstm-gates", "vanishing-gradients", "one-one-zero")
SIZES = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160))
PLACES = 12
#: (checkpoint: 0 first / -1 last, side by side, zoom), rotated over the places of a pass
COMBOS = tuple((c, s, z) for c in (0, -1) for s in (False, True) for z in (1.0, 1.5))
DIAGRAMS = ("diagram", "diagram-b")

_apps: dict[str, object] = {}


def app_for(lesson: str):
    if lesson not in _apps:
        from stepper.app import App

        _apps[lesson] = App(ROOT / "lessons" / f"{lesson}.yaml", size=(1920, 1080), headless=True)
    return _apps[lesson]


def scene(lesson: str, size, phase: str, k: int, checkpoint: int, compare: bool, zoom: float) -> list[dict]:
    app = app_for(lesson)
    names = app.session.checkpoint_names
    base = app.state
    panels = tuple(p for p in base.panels if p != "compare") + (("compare",) if compare else ())
    state = replace(
        base, checkpoint=names[checkpoint], panels=panels, zoom=zoom, animate=False, progress=1.0, hover=None
    )
    trace = app.trace_of(state)
    span = len(trace.phase_range(phase))
    step = round(k * (span - 1) / (PLACES - 1))
    state = replace(state, cursor=at_step(trace, phase, step))
    app.theme = app.theme.zoomed(zoom)
    return scene_objects(app.build(state, size), app.frame(state), app.fonts)


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def text_boxes(objects: list[dict]) -> list[tuple[dict, list[int]]]:
    boxes = [(o, o["rect"]) for o in objects if o["kind"] == "text"]
    return boxes + [(o, o["text_rect"]) for o in objects if o["kind"] == "cell" and o["text"]]


def strokes(objects: list[dict]) -> list[tuple[dict, list[int]]]:
    """Every line and outline as the rectangles pygame paints: thick lines around their
    axis, outlines as four edges drawn inward."""
    out = []
    for o in objects:
        if o["kind"] == "line":
            (x1, y1), (x2, y2) = o["points"]
            half = o["width"] // 2
            steps = max(abs(x2 - x1), abs(y2 - y1), 1)
            for s in range(0, steps + 1, 2):
                x, y = x1 + (x2 - x1) * s / steps, y1 + (y2 - y1) * s / steps
                out.append((o, [round(x) - half, round(y) - half, 2 * half + 1, 2 * half + 1]))
        elif o["kind"] == "rect" and o["outline"] and not o["filled"]:
            x, y, w, h = o["rect"]
            t = o["outline"]
            out += [(o, e) for e in ([x, y, w, t], [x, y + h - t, w, t], [x, y, t, h], [x + w - t, y, t, h])]
    return out


CONDENSED_LEAST = 6  # px: a condensed cell's least side (colours seen, a cell pointed at)


def slivers(objects: list[dict]) -> list[str]:
    """Condensed blocks in the diagrams drawn thinner than a cell one can see and point at:
    cells, rasters (per cell) and the arrays' outlines."""
    out = []
    for o in objects:
        if o["panel"] not in DIAGRAMS or "rect" not in o:
            continue
        w, h = o["rect"][2], o["rect"][3]
        if o["kind"] == "raster":
            w, h = w / o["shape"][1], h / o["shape"][0]
        elif o["kind"] == "cell" and not o["text"]:
            pass
        elif not (o["kind"] == "rect" and o["tag"].startswith(("array:", "condensed:"))):
            continue
        if min(w, h) < CONDENSED_LEAST:
            out.append(f"{o['kind']} {o.get('name') or o['tag']} is a sliver: {o['rect']}")
    return out


def check(objects: list[dict], size, where: str, floor: int | None = None) -> list[str]:
    width, height = size
    floor = (24 if width >= 1280 else 18) if floor is None else floor
    problems = []
    diagram = [o for o in objects if o["panel"] in DIAGRAMS]
    if any(o["tag"] == "collapsed:diagram" for o in diagram):
        problems.append("the diagram is not drawn")
    relaxed = floor < 18  # a tight place: the op's blocks may be condensed, marked so
    for o in diagram:
        if relaxed and o.get("condensed"):
            pass
        elif (
            o["kind"] == "cell"
            and o["role"]
            and o["value"] is not None
            and (not o["text"] or o["px"] < floor)
        ):
            problems.append(f"{o['role']} {o['name']}{o['index']} shows {o['text']!r} at {o['px']} px")
        elif o["kind"] == "raster" and o["role"]:
            problems.append(f"{o['role']} {o['name']} drawn as a raster, without numbers")
        if o["kind"] == "cell" and o["value"] is not None and not o["text"] and not o["condensed"]:
            problems.append(f"{o['name']}{o['index']} has no number and its block is not marked condensed")
        if o["kind"] == "raster" and not o["condensed"]:
            problems.append(f"{o['name']} is a raster not marked condensed")
    problems += slivers(objects)
    for panel in DIAGRAMS:
        texts = text_boxes([o for o in diagram if o["panel"] == panel])
        for i, (a, box_a) in enumerate(texts):
            for b, box_b in texts[i + 1 :]:
                if overlap(box_a, box_b):
                    problems.append(f"text {a['text']!r} overlaps {b['text']!r}")
        for line, edge in strokes([o for o in diagram if o["panel"] == panel]):
            for t, box in texts:
                if overlap(edge, box):
                    problems.append(f"{line['kind']} {line['tag']!r} crosses {t['text']!r}")
                    break
    for o in objects:
        rect = o.get("text_rect") or o.get("rect")
        if (
            rect
            and o["kind"] in ("text", "cell", "raster")
            and not (
                rect[0] >= 0 and rect[1] >= 0 and rect[0] + rect[2] <= width and rect[1] + rect[3] <= height
            )
        ):
            problems.append(f"{o['kind']} {o.get('text') or o.get('name')!r} leaves the window: {rect}")
    return [f"{where}: {p}" for p in dict.fromkeys(problems)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", LESSONS)
def test_current_op_is_readable_and_nothing_is_silent_or_crossed(lesson, size):
    problems = []
    for phase in ("forward", "backward"):
        for k in range(PLACES):
            checkpoint, compare, zoom = COMBOS[(k + (phase == "backward")) % len(COMBOS)]
            where = f"{lesson} {size} {phase} place {k} cp {checkpoint} compare {compare} zoom {zoom}"
            objects = scene(lesson, size, phase, k, checkpoint, compare, zoom)
            problems += check(objects, size, where)
    assert not problems, "\n".join(problems[:25])


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1366, 768)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_side_by_side_numbers_the_weight_gradients_at_the_floor_without_slivers(size):
    """vanishing-gradients side by side, at every `dWhy += outer(dy, h)`, `dWhh += ...` and
    `dWxh += outer(da, x)` of the backward pass: both halves number the op at the floor (was
    16-22 px; dWxh, ten columns wider than half the window, 14-16 px: there the two diagrams
    stack, each the window's width), and the arrays beside the op's (dby beside dWhy, dh
    beside h), once drawn 2 px wide as stray bars nobody can point at, are cells one can see,
    or left out under the note."""
    app = app_for("vanishing-gradients")
    compare = (*(p for p in app.state.panels if p != "compare"), "compare")
    trace = app.trace_of(app.state)
    span = trace.phase_range("backward")
    steps = [k for k, i in enumerate(span) if trace.steps[i].op in ("dWhy", "dWhh", "dWxh")]
    floor = 24 if size[0] >= 1280 else 18
    problems = []
    for k in steps:
        objects, _ = _objects("vanishing-gradients", size, "backward", k, panels=compare)
        problems += [f"op {k}: {p}" for p in slivers(objects)]
        problems += [f"op {k} {panel}: {focus_px(objects, panel)} px" for panel in DIAGRAMS
                     if focus_px(objects, panel) < floor]
    assert steps and not problems, "\n".join(problems[:10])


def focus_px(objects: list[dict], panel: str) -> int:
    """The smallest size of the current op's numbers in one diagram: 0 where one of them
    shows no number (condensed, or drawn as one image)."""
    sizes = [
        (o["px"] or 0) if o["kind"] == "cell" and o["text"] else 0
        for o in objects
        if o["panel"] == panel and o.get("role") and o["kind"] in ("cell", "raster")
        and o.get("value", 0) is not None
    ]
    return min(sizes, default=0)


@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1366, 768)])
def test_zoom_never_shrinks_the_current_ops_numbers(lesson, size):
    """Ctrl + enlarges: at 150% the current op's numbers are at least as large as at 100% in
    the same window, in each diagram (side by side too), both passes, untrained and trained."""
    problems = []
    for phase in ("forward", "backward"):
        for k in range(0, PLACES, 2):
            checkpoint, compare = ((0, False), (-1, True), (-1, False), (0, True))[(k // 2) % 4]
            plain = scene(lesson, size, phase, k, checkpoint, compare, 1.0)
            zoomed = scene(lesson, size, phase, k, checkpoint, compare, 1.5)
            for panel in DIAGRAMS:
                before, after = focus_px(plain, panel), focus_px(zoomed, panel)
                if after < before:
                    where = f"{lesson} {size} {phase} place {k} cp {checkpoint} {panel}"
                    problems.append(f"{where}: {before} px -> {after} px")
    assert not problems, "\n".join(problems)


def test_the_scene_export_writes_the_display_list(tmp_path):
    """--export-scene: the same objects the window draws, with the place, and never over a file."""
    from stepper.cli import main

    out = tmp_path / "scene.json"
    args = ["--size", "1280x720", "--pass", "backward", "--step", "5", "--zoom", "150"]
    assert main([str(ROOT / "lessons" / "alternating.yaml"), "--export-scene", str(out), *args]) == 0
    doc = json.loads(out.read_text())
    assert doc["screen"] == {"width": 1280, "height": 720}
    assert doc["place"]["pass"] == "backward" and doc["place"]["step"] == 5 and doc["place"]["zoom"] == 150
    cells = [o for o in doc["objects"] if o["kind"] == "cell"]
    assert {o["role"] for o in cells} >= {"operand", "result"}
    assert all(set(o) >= {"kind", "panel", "rect", "text", "px", "value", "role"} for o in cells)
    assert main([str(ROOT / "lessons" / "alternating.yaml"), "--export-scene", str(out)]) == 1  # kept


def test_the_scene_is_the_one_the_window_draws():
    """The export reads the very scene the app builds: same cells, same numbers, same places."""
    app = app_for("gru-gates")
    state = replace(app.state, cursor=at_step(app.trace_of(app.state), "forward", 20), animate=False)
    app.theme = app.theme.zoomed(1.0)
    built = app.build(state, (1280, 720))
    objects = scene_objects(built, app.frame(state), app.fonts)
    drawn = [(c.x, c.y, c.w, c.h, c.label or None) for c in built.of(Cell)]
    exported = [(*o["rect"], o["text"]) for o in objects if o["kind"] == "cell"]
    assert drawn == exported and drawn


@pytest.mark.parametrize(
    "lesson,edits",
    [
        ("lstm-gates", {"hidden_size: 3": "hidden_size: 64", "iterations: 150": "iterations: 2"}),
        ("alternating", {"hidden_size: 3": "hidden_size: 48"}),
        ("alternating", {"init_scale: 0.01": "init_scale: 5e-324"}),
    ],
    ids=["lstm-hidden-64", "rnn-hidden-48", "subnormal-weights"],
)
@pytest.mark.parametrize("phase", ["forward", "backward"])
def test_large_and_tiny_models_still_draw_the_network(tmp_path, lesson, edits, phase):
    """Hidden 64 at 1920x1080 is condensed, not 'needs a larger window'; weights of 5e-324
    are drawn (scaled on the label), not a division by zero."""
    from stepper.cli import main

    text = (ROOT / "lessons" / f"{lesson}.yaml").read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    text = text.replace("trained: 300", "trained: 2").replace("trained: 150", "trained: 2")
    path = tmp_path / f"{lesson}.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "scene.json"
    assert main([str(path), "--export-scene", str(out), "--pass", phase, "--step", "3"]) == 0
    objects = json.loads(out.read_text())["objects"]
    assert check(objects, (1920, 1080), f"{lesson} {phase}", floor=12) == []
    assert any(o["kind"] in ("cell", "raster") and o["panel"] == "diagram" for o in objects)


def _objects(lesson: str, size, phase: str, step: int, *, panels=None, checkpoint=None, zoom=1.0):
    """The exported scene at op `step` of `phase` (0-based), built as the window builds it."""
    app = app_for(lesson)
    state = replace(app.state, animate=False, progress=1.0, hover=None, zoom=zoom)
    if panels is not None:
        state = replace(state, panels=panels)
    if checkpoint is not None:
        state = replace(state, checkpoint=checkpoint)
    state = replace(state, cursor=at_step(app.trace_of(state), phase, step))
    app.theme = app.theme.zoomed(zoom)
    return scene_objects(app.build(state, size), app.frame(state), app.fonts), app.frame(state)


@pytest.mark.parametrize("lesson", ["alternating", "gru-gates", "lstm-gates"])
def test_the_lit_line_shows_its_code_whole(lesson):
    """However narrow the code panel, the lit line's code is never cut: every line of the
    rnn, gru and lstm code, lit in turn, both passes, at three classroom sizes."""
    app = app_for(lesson)
    panels = tuple(p for p in app.state.panels if p != "compare")  # the code panel shows
    trace = app.trace_of(app.state)
    problems = []
    for phase in ("forward", "backward"):
        span = trace.phase_range(phase)
        first = {}  # each line of code, at the first op that lights it
        for k, index in enumerate(span):
            first.setdefault(trace.steps[index].line, k)
        for size in ((1024, 768), (1280, 720), (1920, 1080)):
            for line, k in first.items():
                objects, frame = _objects(lesson, size, phase, k, panels=panels)
                source = trace.listing(frame.step.phase).lines[line].source
                shown = [o for o in objects if o["tag"] == f"code:{line}"]
                text = "".join(o["text"] for o in shown)
                if "".join(text.split()) != "".join(source.split()) or any(o["px"] < 18 for o in shown):
                    problems.append(f"{size} {phase} op {k}: {source.strip()!r} shows as {text!r}")
    assert not problems, "\n".join(problems[:20])


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
LONGEST = 4  # captions per checkpoint and pass: the longest, which are the ones at risk


@pytest.mark.parametrize("lesson", LESSONS)
def test_captions_keep_every_number(lesson):
    """The caption bar never silently loses a word: at 1280x720 and 1024x768 every number of
    the longest captions of each checkpoint and pass is on screen, at 20 px or more."""
    from stepper.narration import narration_places

    app = app_for(lesson)
    problems = []
    for checkpoint in app.session.checkpoint_names:
        state = replace(app.state, checkpoint=checkpoint)
        frame = app.frame(state)
        places = narration_places(frame.lesson, frame.trace, checkpoint, frame.iteration)
        for phase in ("forward", "backward"):
            said = [p for p in places if p["pass"] == phase and p["caption"]]
            said.sort(key=lambda p: -len(p["caption"]))
            for place in said[:LONGEST]:
                for size in ((1280, 720), (1024, 768)):
                    objects, _ = _objects(lesson, size, phase, place["step"], checkpoint=checkpoint)
                    texts = [o for o in objects if o["tag"] == "caption-text"]
                    shown = NUMBER.findall(" ".join(o["text"] for o in texts))
                    if shown != NUMBER.findall(place["caption"]) or any(o["px"] < 20 for o in texts):
                        problems.append(f"{size} {checkpoint} {phase} {place['step']}: {place['caption']!r}")
    assert not problems, "\n".join(problems[:10])


def _unnumbered_share(objects: list[dict]) -> tuple[int, int]:
    """(values in the diagram drawn without their number, values in the diagram)."""
    without = total = 0
    for o in objects:
        if o["panel"] != "diagram":
            continue
        if o["kind"] == "cell" and o["value"] is not None:
            total += 1
            without += o["text"] is None
        elif o["kind"] == "raster":
            n = o["shape"][0] * o["shape"][1]
            total, without = total + n, without + n
    return without, total


@pytest.mark.parametrize("lesson", ["alternating", "one-one-zero"])
def test_context_is_numbered_where_the_diagram_has_room(lesson):
    """On a 1280x720 projector the small rnn lessons number most of the network, not only
    the current op: context blocks are condensed only where they do not fit at 16 px."""
    app = app_for(lesson)
    trace = app.trace_of(app.state)
    without = total = 0
    for phase in ("forward", "backward"):
        span = len(trace.phase_range(phase))
        for k in range(PLACES):
            objects, _ = _objects(lesson, (1280, 720), phase, round(k * (span - 1) / (PLACES - 1)))
            w, t = _unnumbered_share(objects)
            without, total = without + w, total + t
            numbered = [o for o in objects if o["kind"] == "cell" and o["panel"] == "diagram" and o["text"]]
            assert all(o["px"] >= 16 for o in numbered if not o["role"])
    assert without / total < 0.75, f"{100 * without / total:.0f}% of the diagram's values without numbers"


def test_no_panel_cell_is_silently_without_its_number():
    """Panels (gates, heatmap and its change strip, ...) at projector sizes: a cell with a
    value shows its number or its array is marked condensed, with the note saying how to read it."""
    problems = []
    for lesson in ("lstm-gates", "one-one-zero", "gru-gates"):
        trace = app_for(lesson).trace_of(app_for(lesson).state)
        for size in ((1280, 720), (1024, 768)):
            for phase in ("forward", "backward"):
                span = len(trace.phase_range(phase))
                for k in range(0, span, max(1, span // 6)):
                    objects, _ = _objects(lesson, size, phase, k)
                    for o in objects:
                        silent = o["kind"] == "cell" and o["value"] is not None and not o["text"]
                        if (silent or o["kind"] == "raster") and not o["condensed"]:
                            problems.append(f"{lesson} {size} {phase} {k}: {o['panel']} {o['name']}")
    assert not problems, "\n".join(sorted(set(problems))[:10])


def test_gates_panel_beside_two_others_says_how_to_read_its_colours():
    """lstm-gates at 1920x1080 with gates, trajectory and history open: the gates' cells are
    too small for numbers, so they are marked condensed and the panel says to point at one."""
    app = app_for("lstm-gates")
    state = replace(app.state, panels=("gates", "trajectory", "history"), animate=False, progress=1.0)
    state = replace(state, cursor=at_step(app.trace_of(state), "forward", 120), hover=None)
    app.theme = app.theme.zoomed(1.0)
    objects = scene_objects(app.build(state, (1920, 1080)), app.frame(state), app.fonts)
    gates = [o for o in objects if o["panel"] == "gates"]
    valued = [o for o in gates if o["kind"] == "cell" and o["value"] is not None]
    assert valued and any(not o["text"] for o in valued), "the case this test is about"
    assert not [o for o in valued if not o["text"] and not o["condensed"]]
    notes = [o for o in gates if o["kind"] == "text" and o["tag"] == "colour-only"]
    assert notes and "point" in notes[0]["text"]


@pytest.mark.parametrize("lesson", ["gru-gates", "lstm-gates"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1366, 768)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_last_backward_op_shows_every_gates_numbers(lesson, size):
    """dh_next = W_hr.T @ dr_a + ... reads every gate's W_h: on a projector, alone and side by
    side, every element of every array it reads and writes is a cell with its number, at the
    floor or more (the op laid out as a worked equation where the network's layout cannot)."""
    app = app_for(lesson)
    problems = []
    for compare in (False, True):
        panels = tuple(p for p in app.state.panels if p != "compare") + (("compare",) if compare else ())
        last = len(app.trace_of(app.state).phase_range("backward")) - 1
        objects, frame = _objects(lesson, size, "backward", last, panels=panels)
        problems += check(objects, size, f"{lesson} {size} compare {compare}")
        step = frame.step
        for name, value in (*step.inputs, (step.op, step.output)):
            drawn = [o for o in objects if o["panel"] == "diagram" and o["kind"] == "cell"]
            cells = {tuple(o["index"]) for o in drawn if o["name"] == name and o["text"]}
            missing = sorted({tuple(i) for i in np.ndindex(np.shape(value))} - cells)
            if missing:
                problems.append(f"{lesson} {size} compare {compare}: {name} misses {missing[:3]}")
    assert not problems, "\n".join(problems[:10])
