"""What a state shows, put together for the views: the open lesson's Frame at a state, with
its question as posed and side by side's other frame. Pure: the session (and side by side's
second cell, once it is trained) in, a Frame out."""

from __future__ import annotations

from dataclasses import replace

from stepper import places, quiz
from stepper.cells import CELLS
from stepper.lesson.asks import Posed, pose
from stepper.navigation import corresponding
from stepper.session import Session
from stepper.state import ViewState
from stepper.trace import Trace
from stepper.update import compare_kinds, iteration_of
from stepper.views.frame import Frame


def frame_of(
    session: Session,
    state: ViewState,
    errors: tuple[str, ...] = (),
    other: Session | None = None,
    training: str = "",
) -> Frame:
    """The frame of `state`; `errors`: a broken edit's, shown over it; `other`: side by side's
    second cell (None while it trains, and `training` says how far it is)."""
    result = session.result
    checkpoint = session.checkpoint(state.checkpoint)
    history = result.loss_history
    marks = tuple((c.name, c.iteration) for c in result.checkpoints)
    kept = session.kept.get(state.checkpoint)
    first = session.checkpoint_names[0]
    if kept is not None:  # trained in the window: its own loss curve, from its own start
        history, marks = kept.history, kept.marks
        if marks and marks[0][0] in session.checkpoint_names:
            first = marks[0][0]
    problem = ""
    if result.divergence is not None:
        problem = (
            f"Training stopped: {result.divergence.reason}. Showing the checkpoints before it; "
            f"'last good' holds the weights just before the fault."
        )
    frame = Frame(
        state,
        session.lesson,
        places.trace_of(session, state),
        checkpoint.iteration if state.iteration is None else state.iteration,
        session.checkpoint_names,
        problem,
        loss_history=history,
        marks=marks,
        baseline=session.trace(first),  # its weights: any sequence
        errors=errors,
        posed=posed(session, state),
    )
    if "compare" in state.panels:
        partner, label = partner_of(session, state, frame.trace, other, training)
        frame = replace(frame, label=label, partner=partner)
    return frame


def posed(session: Session, state: ViewState) -> Posed | None:
    """The open question as posed at its place (None if none is open)."""
    if state.quiz is None or state.quiz.kind != "ask":
        return None
    lesson, trace = session.lesson, places.trace_of(session, state)
    if not 0 <= state.quiz.ask < len(lesson.asks) or state.quiz.target >= len(trace.steps):
        return None
    checkpoint, iteration = quiz.checkpoint_of(state), iteration_of(state, session)
    return pose(lesson.asks[state.quiz.ask], trace, state.quiz.target, checkpoint, iteration)


def compare_kind(session: Session, state: ViewState) -> str:
    """What side by side sets against this frame (checkpoints if the state names no kind here)."""
    return state.compare if state.compare in compare_kinds(session) else "checkpoints"


def partner_of(
    session: Session, state: ViewState, trace: Trace, other: Session | None, training: str
) -> tuple[Frame | None, str]:
    """The right-hand frame of side by side, and the label of the left one (while the
    compare cell still trains: no frame, and the label says how far it is)."""
    lesson = session.lesson
    here = f"{state.checkpoint}, iteration {session.checkpoint(state.checkpoint).iteration}"
    if state.iteration is not None:
        here = f"iteration {state.iteration} on its own chunk"
    kind = compare_kind(session, state)
    if kind == "cells":
        if other is None:  # the diagram's title says how far it is
            return None, training
        names = other.checkpoint_names
        name = state.checkpoint if state.checkpoint in names else names[-1]
        trace_b = other.trace(name, state.sequence, sample=state.sample)
        left = f"{CELLS[lesson.model.cell].title}  ({here})"
        iteration = other.checkpoint(name).iteration
        label = f"{CELLS[other.lesson.model.cell].title}  ({name}, iteration {iteration})"
    elif kind == "sequences":
        other, name = session, state.checkpoint
        played = state.sequence or lesson.playback
        sequence = varied_sequence(played, len(lesson.vocab))
        trace_b = session.trace(name, sequence, sample=state.sample)
        left = "sequence " + ",".join(lesson.vocab[s] for s in played)
        label = "sequence " + ",".join(lesson.vocab[s] for s in sequence)
    else:
        other, names = session, session.checkpoint_names
        name = names[-1] if state.checkpoint != names[-1] else names[0]
        trace_b = session.trace(name, state.sequence, sample=state.sample)
        left = here
        label = f"{name}, iteration {session.checkpoint(name).iteration}"
    cursor = corresponding(state.cursor, trace, trace_b)
    partner_state = replace(
        state, checkpoint=name, cursor=cursor, hover=None, numbers=False, edits=(), selected=None
    )
    iteration = other.checkpoint(name).iteration
    earlier = kind == "checkpoints" and iteration < session.checkpoint(state.checkpoint).iteration
    partner = Frame(
        partner_state,
        other.lesson,
        trace_b,
        iteration,
        other.checkpoint_names,
        label=label,
        partner_first=earlier,
    )
    return partner, left


def varied_sequence(sequence: tuple[int, ...], vocab_size: int) -> tuple[int, ...]:
    """The playback with its first symbol changed: same start state, one different input,
    so side by side shows where (and whether) the two runs part."""
    return ((sequence[0] + 1) % vocab_size, *sequence[1:])
