"""What a student changes in the window: the input sequence (typed), the weights (typed or
nudged), undo, and restoring the checkpoint's weights. Pure: a state (and the session) in,
a new state out; the typing itself happens in the entry mode (stepper.places)."""

from __future__ import annotations

from dataclasses import replace

from stepper.edits import Edit, EditError, changed_count, checked, value_at, with_edit
from stepper.navigation import Cursor, start
from stepper.session import Session
from stepper.state import ViewState
from stepper.symbols import read_sequence
from stepper.trace import Trace

UNDO_KEPT = 50
NUDGES = {"small": 0.1, "large": 1.0}


def closest_place(cursor: Cursor, old: Trace, new: Trace) -> Cursor:
    """The same pass, the same op, at the same timestep or the last one the new trace has."""
    if cursor.phase not in new.pass_names:
        return start(new)
    step = old.steps[cursor.index]
    blocks = len(new.pass_of(cursor.phase).blocks)
    t = min(step.t, blocks - 1)
    span = new.timestep_range(cursor.phase, t)
    same = [i for i in span if new.steps[i].op == step.op]
    return Cursor(cursor.phase, same[0] if same else span.start)


def _remembered(state: ViewState) -> tuple:
    return (*state.undo[1 - UNDO_KEPT :], (state.sequence, state.edits))


def _moved(state: ViewState, session: Session, trace_of, **changes) -> ViewState:
    old = trace_of(session, state)
    moved = replace(state, hover=None, **changes)  # the number under the pointer has changed
    return replace(moved, cursor=closest_place(state.cursor, old, trace_of(session, moved)))


def accept_sequence(state: ViewState, session: Session, trace_of) -> ViewState:
    """Enter in the sequence entry: play it (the entry stays open, text kept, if it cannot)."""
    typed = read_sequence(state.entry, session.lesson.vocab)
    if typed.symbols is None:
        return replace(state, message=typed.problem)
    sequence = None if typed.symbols == session.lesson.playback else typed.symbols
    closed = replace(state, mode="step", entry="", entry_kind="", undo=_remembered(state))
    moved = _moved(closed, session, trace_of, sequence=sequence)
    return replace(moved, message=f"playing {len(typed.symbols)} symbols: Ctrl+Z goes back")


def accept_weight(state: ViewState, session: Session, trace_of) -> ViewState:
    """Enter in the value entry: the selected weight takes the typed number."""
    if state.selected is None:
        return replace(state, mode="step", entry="", entry_kind="")
    try:
        value = float(state.entry.replace("\u2212", "-"))
    except ValueError:
        return replace(state, message=f"{state.entry!r} is not a number: type one such as -0.5")
    return set_weight(replace(state, mode="weight", entry="", entry_kind=""), session, trace_of, value)


def set_weight(state: ViewState, session: Session, trace_of, value: float) -> ViewState:
    assert state.selected is not None
    name, index = state.selected
    params = session.params(state.checkpoint)
    try:
        edit = checked(Edit(name, index, value), params.cell, params.vocab_size, params.hidden_size)
    except EditError as exc:
        return replace(state, message=str(exc))
    edits = tuple(e for e in with_edit(state.edits, edit) if float(params[e.name][e.index]) != e.value)
    moved = _moved(replace(state, undo=_remembered(state)), session, trace_of, edits=edits)
    shown = f"{name}[{','.join(map(str, index))}] = {value:g}"
    return replace(moved, message=f"{shown}   ({edited_words(moved, session)})")


def nudge(state: ViewState, session: Session, trace_of, amount: float) -> ViewState:
    """The selected weight moved by `amount` (the wheel and the arrow keys)."""
    if state.selected is None:
        return state
    name, index = state.selected
    current = value_at(session.params(state.checkpoint), state.edits, name, index)
    return set_weight(state, session, trace_of, round(current + amount, 6))


def restore(state: ViewState, session: Session, trace_of) -> ViewState:
    """The checkpoint's own weights again (Ctrl+Z brings the edits back)."""
    if not state.edits:
        return replace(state, message="the weights are the checkpoint's own: nothing to restore")
    moved = _moved(replace(state, undo=_remembered(state)), session, trace_of, edits=())
    return replace(moved, message=f"restored the weights of {state.checkpoint}")


def undo(state: ViewState, session: Session, trace_of) -> ViewState:
    """The sequence and weights as they were before the last change."""
    if not state.undo:
        return replace(state, message="nothing to undo")
    sequence, edits = state.undo[-1]
    moved = _moved(replace(state, undo=state.undo[:-1]), session, trace_of, sequence=sequence, edits=edits)
    return replace(moved, message="undone")


def edited_words(state: ViewState, session: Session) -> str:
    n = changed_count(session.params(state.checkpoint), state.edits)
    return f"{n} weight{' differs' if n == 1 else 's differ'} from {state.checkpoint}"
