"""Where the user is in a trace: a frozen cursor and pure, clamped moves."""

from __future__ import annotations

from dataclasses import dataclass

from stepper.commands import Command
from stepper.trace import BACKWARD, FORWARD, Trace


@dataclass(frozen=True, slots=True)
class Cursor:
    phase: str  # the pass's name (stepper.trace.PHASES)
    index: int  # into trace.steps; always inside the phase's range


def start(trace: Trace, phase: str = FORWARD) -> Cursor:
    return Cursor(phase, trace.phase_range(phase).start)


def position(cursor: Cursor, trace: Trace) -> tuple[int, int]:
    """(k, n): the cursor is on op k of n in its pass, counting from 1."""
    span = trace.phase_range(cursor.phase)
    return cursor.index - span.start + 1, len(span)


def at_step(trace: Trace, phase: str, k: int) -> Cursor:
    """The cursor on op k (0-based, clamped) of a pass."""
    span = trace.phase_range(phase)
    return Cursor(phase, span[max(0, min(k, len(span) - 1))])


def _clamp(trace: Trace, phase: str, index: int) -> Cursor:
    span = trace.phase_range(phase)
    return Cursor(phase, max(span.start, min(index, span.stop - 1)))


def move(cursor: Cursor, trace: Trace, command: Command) -> Cursor:
    """The cursor after `command`; commands that do not move it return it unchanged."""
    span = trace.phase_range(cursor.phase)
    if not len(span):
        return cursor
    if command is Command.NEXT_OP:
        return _clamp(trace, cursor.phase, cursor.index + 1)
    if command is Command.PREV_OP:
        return _clamp(trace, cursor.phase, cursor.index - 1)
    if command is Command.FIRST:
        return Cursor(cursor.phase, span.start)
    if command is Command.LAST:
        return Cursor(cursor.phase, span.stop - 1)
    if command in (Command.NEXT_T, Command.PREV_T):
        block = trace.block_of(cursor.index)
        block += 1 if command is Command.NEXT_T else -1
        blocks = trace.pass_of(cursor.phase).blocks
        first_block, last_block = blocks.start, blocks.stop - 1
        if not first_block <= block <= last_block:
            return (
                cursor
                if command is Command.NEXT_T
                else Cursor(cursor.phase, trace.block_range(first_block).start)
            )
        return Cursor(cursor.phase, trace.block_range(block).start)
    if command is Command.NEXT_PASS:
        return next_pass(cursor, trace)
    return cursor


def next_pass(cursor: Cursor, trace: Trace) -> Cursor:
    """B: the next pass in the trace's order, round to the first; between forward and
    backward at the same timestep, else at the pass's start."""
    names = trace.pass_names
    other = names[(names.index(cursor.phase) + 1) % len(names)] if cursor.phase in names else names[0]
    t = trace.steps[cursor.index].t
    same_t = {cursor.phase, other} <= {FORWARD, BACKWARD}
    span = trace.timestep_range(other, t) if same_t else trace.phase_range(other)
    return Cursor(other, span.start)


def same_place(cursor: Cursor, old: Trace, new: Trace) -> Cursor:
    """The cursor on another trace of the same shape (another checkpoint): same op."""
    if len(old.steps) == len(new.steps):
        return cursor
    k, _ = position(cursor, old)
    return at_step(new, cursor.phase, k - 1)


def corresponding(cursor: Cursor, trace: Trace, other: Trace) -> Cursor:
    """The partner cursor in a side-by-side view: same pass and timestep, the op of the same
    name if the other cell has one (x, h, y, p...), else the same share of the timestep."""
    t = trace.steps[cursor.index].t
    if cursor.phase not in other.pass_names:
        return start(other)
    if t >= len(other.pass_of(cursor.phase).blocks):
        return start(other, cursor.phase)
    mine = trace.timestep_range(cursor.phase, t)
    theirs = other.timestep_range(cursor.phase, t)
    op = trace.steps[cursor.index].op
    for i in theirs:
        if other.steps[i].op == op:
            return Cursor(cursor.phase, i)
    share = (cursor.index - mine.start) / max(1, len(mine) - 1)
    return Cursor(cursor.phase, theirs.start + round(share * (len(theirs) - 1)))
