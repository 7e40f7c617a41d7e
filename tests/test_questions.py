"""Predict before you see, driven by real key and text events under the dummy driver: a
question hides its value on the scene until revealed, hands are tallied, Q skips questions,
and Y asks the class to compute each value, scored against an independent computation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pygame
from window_support import LESSONS

from stepper.app import App
from stepper.navigation import Cursor
from stepper.scene import Cell, Raster, Text

KEYS = {
    "right": (pygame.K_RIGHT, ""),
    "left": (pygame.K_LEFT, ""),
    "return": (pygame.K_RETURN, "\r"),
    "escape": (pygame.K_ESCAPE, "\x1b"),
    "backspace": (pygame.K_BACKSPACE, "\b"),
    "q": (pygame.K_q, "q"),
    "y": (pygame.K_y, "y"),
    **{str(n): (pygame.K_0 + n, str(n)) for n in range(1, 5)},
}


def press(app: App, *names: str) -> None:
    for name in names:
        key, text = KEYS[name]
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=text, scancode=0))
    pump(app)


def type_text(app: App, text: str) -> None:
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))
    pump(app)


def pump(app: App) -> None:
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def opened(path, checkpoint: str, op: str, t: int, phase: str = "forward") -> tuple[App, int]:
    """The app one op before (op, t), and the index of that op."""
    app = App(path, size=(1280, 720), headless=True)
    app.set_state(replace(app.state, checkpoint=checkpoint, animate=False))
    trace = app.trace_of(app.state)
    target = next(i for i in trace.phase_range(phase) if (trace.steps[i].op, trace.steps[i].t) == (op, t))
    app.set_state(replace(app.state, cursor=Cursor(phase, target - 1)))
    app.render()
    return app, target


def shown_values(app: App, name: str) -> list[float]:
    """Every value the scene carries for the array `name` (cells and rasters)."""
    found = []
    for item in app.scene.items:
        if isinstance(item, Cell) and item.name == name and item.value is not None:
            found.append(item.value)
        if isinstance(item, Raster) and item.name == name and item.values is not None:
            found += [v for v in np.ravel(item.values) if np.isfinite(v)]
    return found


def texts(app: App, tag: str = "") -> list[str]:
    return [t.text for t in app.scene.of(Text) if not tag or t.tag == tag]


def test_a_question_hides_its_value_on_the_scene_until_revealed():
    """The question about h's signs is asked before a (h = tanh(a) has a's signs), so neither
    a nor h is on the scene until the reveal."""
    app, target = opened(LESSONS / "alternating.yaml", "trained", "a", 1)
    trace = app.trace_of(app.state)
    a, h = trace.steps[target].output, trace.steps[target + 1].output
    press(app, "right")
    assert app.state.mode == "question" and app.state.cursor.index == target - 1
    for name in ("a", "h"):
        cells = [c for c in app.scene.of(Cell) if c.name == name]
        assert cells and all(c.value is None and c.label == "" for c in cells)
    hidden = shown_values(app, "a") + shown_values(app, "h") + shown_values(app, "heatmap:h")
    assert not any(np.isclose(v, a).any() or np.isclose(v, h).any() for v in hidden)
    press(app, "2", "return")
    assert app.state.cursor.index == target
    assert sorted(shown_values(app, "a")) == sorted(a.tolist())
    right = 0 if h[0] > 0 else 1  # positive, negative
    assert texts(app, "question-count")[right].endswith("✓")


def test_hands_are_tallied_and_shown_as_bars_at_the_reveal():
    app, target = opened(LESSONS / "alternating.yaml", "untrained", "p", 0)
    trace = app.trace_of(app.state)
    shown = f"{trace.steps[target].output[0] * 100:.1f}%"
    press(app, "right")
    assert app.state.mode == "question" and shown not in texts(app)
    assert any("Predict: Untrained" in t for t in texts(app, "question-text"))
    press(app, "1", "2", "2", "4")  # three options: 4 is no choice
    assert app.state.quiz.votes == (1, 2, 0)
    assert "3 hands counted" in texts(app, "question-text")
    assert not app.scene.tagged("question-tally")  # the tally waits for the reveal
    press(app, "return")
    assert app.state.cursor.index == target and app.state.quiz.revealed and shown in texts(app)
    assert texts(app, "question-count") == ["1", "2   ✓", "0"]  # 0.10 < 0.50 (the answer) < 0.90
    assert "The class predicted: 0.50 (2 of 3 hands).     Answer: 0.50" in texts(app, "question-text")
    bars = app.scene.tagged("question-tally")
    assert abs(bars[1].w - 2 * bars[0].w) <= 1 and bars[2].w <= 1  # rounded to whole pixels
    assert any("coin flip" in t for t in texts(app, "question-text"))
    press(app, "right")
    assert app.state.mode == "step" and app.state.quiz is None and app.state.cursor.index == target
    press(app, "left", "right")  # answered: not asked again
    assert app.state.mode == "step" and app.state.cursor.index == target


def test_q_turns_questions_off_for_a_quick_replay():
    app, target = opened(LESSONS / "alternating.yaml", "untrained", "p", 0)
    press(app, "q", "right")
    assert app.state.mode == "step" and app.state.cursor.index == target
    assert app.state.quiz is None


def test_a_typed_answer_is_revealed_beside_the_answer(tmp_path):
    path = tmp_path / "typed.yaml"
    base = (LESSONS / "hello.yaml").read_text(encoding="utf-8").split("\nask:\n")[0]
    path.write_text(
        base + "\nask:\n  - op: p\n    checkpoint: untrained\n    t: 0\n"
        "    question: How sure?\n    answer: prob[t]\n",
        encoding="utf-8",
    )
    app, target = opened(path, "untrained", "p", 0)
    trace = app.trace_of(app.state)
    truth = float(trace.steps[target].output[trace.targets[0]])
    press(app, "right")
    assert (app.state.mode, app.state.entry_kind) == ("entry", "answer")
    type_text(app, "0.2x")  # refused: not a number
    type_text(app, "0.2")
    type_text(app, "5")
    assert app.state.entry == "0.25"
    press(app, "return")
    assert app.state.quiz.revealed and app.state.cursor.index == target
    mark = "✓" if abs(truth - 0.25) <= 0.005 else "✗"
    assert f"Answer: {truth:.2f}     typed: 0.25   {mark}" in texts(app)


def test_you_compute_it_checks_each_value_against_an_independent_computation():
    app, target = opened(LESSONS / "alternating.yaml", "trained", "a", 2)
    trace = app.trace_of(app.state)
    env = trace.env(target - 1)
    params = app.session.params("trained")
    x = np.eye(2)[trace.inputs[2]]
    a = params["Wxh"] @ x + params["Whh"] @ env["h_prev"] + params["bh"]  # independent of the trace
    press(app, "y", "right")
    assert (app.state.mode, app.state.entry_kind) == ("entry", "answer")
    assert app.state.cursor.index == target - 1
    assert not shown_values(app, "a")
    type_text(app, " ".join(f"{v:.3f}" for v in a))
    press(app, "return")
    assert app.state.score == (1, 1) and app.state.cursor.index == target
    press(app, "right")  # h = tanh(a): typed wrong on purpose
    type_text(app, f"{np.tanh(a[0]) + 0.5:.3f}")
    press(app, "return")
    assert app.state.score == (1, 2) and "not quite" in app.state.message
    press(app, "right", "escape")  # skipped: not scored
    assert app.state.score == (1, 2) and app.state.cursor.index == target + 2


def test_the_sample_pass_asks_which_symbol_comes_next_and_the_draw_answers():
    app, target = opened(LESSONS / "hello.yaml", "trained", "s", 2, phase="sample")
    trace = app.trace_of(app.state)
    drawn = trace.sample.symbols[2]
    so_far = "".join(trace.vocab[s] for s in (*trace.sample.prime, *trace.sample.symbols[:2]))
    press(app, "right")
    assert app.state.mode == "question" and app.state.cursor.index == target - 1
    assert any(f"The text so far is {so_far}." in t for t in texts(app, "question-text"))
    press(app, "3", "return")
    assert app.state.cursor.index == target
    marked = [t for t in texts(app, "question-count") if t.endswith("✓")]
    assert texts(app, "question-count").index(marked[0]) == drawn


def test_playback_stops_at_a_question_with_its_value_hidden():
    app, target = opened(LESSONS / "alternating.yaml", "untrained", "p", 0)
    app.set_state(replace(app.state, cursor=Cursor("forward", target - 4), playing=True, speed=8.0))
    for _ in range(20):
        app.tick(0.25)
    assert app.state.mode == "question" and not app.state.playing
    assert app.state.cursor.index == target - 1


def test_no_question_opens_while_training_live():
    from stepper import quiz

    app, target = opened(LESSONS / "alternating.yaml", "untrained", "p", 0)
    state, trace = app.state, app.trace_of(app.state)
    moved = Cursor("forward", target)
    assert quiz.arrive(state, app.session.lesson, trace, 0, moved).quiz is not None
    live = replace(state, training=True)  # the weights change every frame: nothing to predict
    assert quiz.arrive(live, app.session.lesson, trace, 0, moved) == replace(live, cursor=moved)


def test_the_question_card_takes_its_room_from_the_layout():
    """one-one-zero at 1280x720 with its panels: asked and revealed, no layer under the card
    reaches into it (it once covered the panels' titles)."""
    app, _ = opened(LESSONS / "one-one-zero.yaml", "trained", "a", 1)
    press(app, "right")
    for step in ("asked", "revealed"):
        (card,) = [r for r in app.scene.items if getattr(r, "tag", "") == "question-card"]
        under = [
            la.name
            for la in app.scene.layers
            if la.name not in ("background", "status") and not la.name.startswith("overlay")
            and la.y + la.h > card.y
        ]
        assert not under, (step, under)
        assert app.scene.layers[-1].name == "overlay:question"
        press(app, *(["1"] * 3 + ["return"]))
