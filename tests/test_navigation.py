"""Cursor moves are pure: tested on real traces, with random command sequences too."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from window_support import BY_CELL, session

from stepper.commands import KEYMAP, MODES, Command
from stepper.navigation import Cursor, move, position, start
from stepper.trace import BACKWARD, FORWARD, SAMPLE, UPDATE

MOVES = [
    Command.NEXT_OP,
    Command.PREV_OP,
    Command.NEXT_T,
    Command.PREV_T,
    Command.FIRST,
    Command.LAST,
    Command.NEXT_PASS,
]


def trace_of(cell: str = "rnn"):
    s = session(BY_CELL[cell])
    return s.trace(s.checkpoint_names[-1])


def test_binding_table_binds_each_key_once_and_labels_every_command():
    for table in MODES.values():  # a key means one thing in each mode
        keys = [k for b in table for k in b.keys]
        assert len(keys) == len(set(keys))
        assert all(b.label and b.group for b in table)
    assert {b.command for table in MODES.values() for b in table} == set(Command)
    assert KEYMAP["right"] is Command.NEXT_OP and KEYMAP["?"] is Command.HELP


def test_forward_then_back_is_the_identity():
    trace = trace_of()
    cursor = start(trace)
    for n in range(len(trace.phase_range(FORWARD))):
        c = cursor
        for _ in range(n):
            c = move(c, trace, Command.NEXT_OP)
        for _ in range(n):
            c = move(c, trace, Command.PREV_OP)
        assert c == cursor


def test_ends_clamp():
    trace = trace_of()
    for phase in (FORWARD, BACKWARD):
        first = move(start(trace, phase), trace, Command.FIRST)
        assert move(first, trace, Command.PREV_OP) == first
        assert move(first, trace, Command.PREV_T) == first
        last = move(first, trace, Command.LAST)
        assert last.index == trace.phase_range(phase).stop - 1
        assert move(last, trace, Command.NEXT_OP) == last
        assert move(last, trace, Command.NEXT_T) == last


def test_next_timestep_lands_on_first_op_of_the_next():
    trace = trace_of("gru")
    cursor = move(start(trace), trace, Command.NEXT_OP)
    cursor = move(move(cursor, trace, Command.NEXT_OP), trace, Command.NEXT_OP)
    nxt = move(cursor, trace, Command.NEXT_T)
    assert trace.steps[nxt.index].t == 1 and nxt.index == trace.timestep_range(FORWARD, 1).start
    back = move(start(trace, BACKWARD), trace, Command.NEXT_T)
    assert trace.steps[back.index].t == trace.length - 2  # BPTT walks time backwards


def test_pass_switch_keeps_the_timestep():
    trace = trace_of()
    cursor = move(move(start(trace), trace, Command.NEXT_T), trace, Command.NEXT_OP)
    other = move(cursor, trace, Command.NEXT_PASS)
    assert other.phase == BACKWARD and trace.steps[other.index].t == trace.steps[cursor.index].t
    # then the update and sample passes from their starts, and round to forward's first op
    update = move(other, trace, Command.NEXT_PASS)
    assert update == Cursor(UPDATE, trace.phase_range(UPDATE).start)
    sample = move(update, trace, Command.NEXT_PASS)
    assert sample == Cursor(SAMPLE, trace.phase_range(SAMPLE).start)
    assert move(sample, trace, Command.NEXT_PASS) == Cursor(FORWARD, 0)
    assert position(Cursor(FORWARD, trace.timestep_range(FORWARD, 1).start), trace)[0] > 1


@settings(max_examples=300, deadline=None)
@given(cell=st.sampled_from(sorted(BY_CELL)), commands=st.lists(st.sampled_from(MOVES), max_size=60))
def test_any_sequence_keeps_the_cursor_inside_its_pass(cell, commands):
    trace = trace_of(cell)
    cursor = start(trace)
    for command in commands:
        cursor = move(cursor, trace, command)
        assert cursor.index in trace.phase_range(cursor.phase)
        k, n = position(cursor, trace)
        assert 1 <= k <= n
