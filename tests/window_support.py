"""Shared by the window tests: real lessons, frames at chosen places, font metrics."""

from __future__ import annotations

from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

from stepper.lesson import load_lesson
from stepper.navigation import at_step, start
from stepper.session import Session
from stepper.state import ViewState
from stepper.theme import Theme
from stepper.views.frame import Frame

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
BY_CELL = {"rnn": "alternating.yaml", "gru": "gru-gates.yaml", "lstm": "lstm-gates.yaml"}


@cache
def session(name: str) -> Session:
    return Session.open(load_lesson(LESSONS / name))


@lru_cache(maxsize=1)
def fonts():
    from stepper.render import Fonts

    return Fonts()


def measure(text: str, size: int, font: str = "sans", bold: bool = False) -> int:
    return fonts().measure(text, size, font, bold)


def frame_at(name: str, phase: str = "forward", k: int = 0, checkpoint: str | None = None, **state) -> Frame:
    s = session(name)
    checkpoint = checkpoint or s.checkpoint_names[-1]
    trace = s.trace(checkpoint)
    view = ViewState(checkpoint=checkpoint, cursor=start(trace), animate=False)
    view = replace(view, cursor=at_step(trace, phase, k), **state)
    result = s.result.checkpoint(checkpoint)
    return Frame(
        view,
        s.lesson,
        trace,
        result.iteration,
        s.checkpoint_names,
        loss_history=s.result.loss_history,
        marks=tuple((c.name, c.iteration) for c in s.result.checkpoints),
        baseline=s.trace(s.checkpoint_names[0]),
    )


THEME = Theme()
