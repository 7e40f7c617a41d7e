"""`update(state, command, context) -> (state, effects)` as a pure function: no display, no
files. Each key's meaning is asserted as the window's keys have always behaved (the real-event
tests in tests/test_window_*.py are the oracle that the window still does the same), and
the window's state after real key events is checked to be exactly the fold of `update`."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from window_support import LESSONS, session

from stepper import places, update
from stepper.commands import KEYMAPS, Command
from stepper.live import LIVE, LiveSettings
from stepper.navigation import Cursor, at_step, move, start
from stepper.state import ViewState
from stepper.trace import BACKWARD, FORWARD
from stepper.update import (
    CancelSave,
    Context,
    KeepLive,
    OpenLesson,
    PauseLive,
    Quit,
    SaveGif,
    Select,
    Start,
    TextInput,
    Then,
    UseLiveSettings,
    Zoom,
)


def context(name: str = "hello.yaml", **fields) -> Context:
    s = session(name)
    config = s.lesson.train_config()
    return Context(s, lessons=7, live=LiveSettings(config.optimizer, config.learning_rate), **fields)


def opened(ctx: Context, checkpoint: str | None = None, **fields) -> ViewState:
    s = ctx.session
    name = checkpoint or s.checkpoint_names[-1]
    return ViewState(checkpoint=name, cursor=start(s.trace(name)), **fields)


def press(state: ViewState, ctx: Context, *commands: Command, key: str = "") -> tuple[ViewState, tuple]:
    """Commands in turn; the effects of all of them."""
    effects: tuple = ()
    for command in commands:
        state, done = update.update(state, command, ctx, key)
        effects += done
    return state, effects


# ----- stepping ---------------------------------------------------------------------------------
def test_next_op_moves_one_op_and_animates_the_arrival():
    ctx = context()
    state = opened(ctx, questions=False)
    moved, effects = update.update(state, Command.NEXT_OP, ctx)
    assert moved.cursor == Cursor(FORWARD, state.cursor.index + 1) and moved.progress == 0.0
    assert effects == ()
    still, _ = update.update(replace(state, animate=False), Command.NEXT_OP, ctx)
    assert still.progress == 1.0


def test_next_op_at_the_end_of_a_pass_stays_and_does_not_animate():
    ctx = context()
    trace = places.trace_of(ctx.session, opened(ctx))
    last = at_step(trace, FORWARD, len(trace.phase_range(FORWARD)) - 1)
    state = opened(ctx, questions=False, message="a note")
    state = replace(state, cursor=last)
    moved, effects = update.update(state, Command.NEXT_OP, ctx)
    assert moved.cursor == last and moved.progress == 1.0 and effects == ()
    assert moved.message == "", "a step clears the status bar's note"
    first, _ = update.update(state, Command.FIRST, ctx)
    assert first.cursor == start(trace)


def test_next_pass_and_timestep_moves_are_navigations():
    ctx = context()
    state = opened(ctx)
    trace = places.trace_of(ctx.session, state)
    for command in (Command.NEXT_PASS, Command.NEXT_T, Command.LAST):
        moved, effects = update.update(state, command, ctx)
        assert moved.cursor == move(state.cursor, trace, command) and effects == ()
    backward, _ = update.update(state, Command.NEXT_PASS, ctx)
    assert backward.cursor.phase == BACKWARD


def test_esc_asks_once_then_quits_and_any_other_key_forgets_the_question():
    ctx = context()
    state = replace(opened(ctx), playing=True)
    asked, effects = update.update(state, Command.BACK, ctx)
    assert asked.quit_asked and not asked.playing and effects == ()
    _, effects = update.update(asked, Command.BACK, ctx)
    assert effects == (Quit(),)
    forgot, effects = update.update(asked, Command.NUMBERS, ctx)
    assert not forgot.quit_asked and forgot.numbers and effects == ()
    assert not update.not_quitting(asked).quit_asked  # an unbound key
    again, effects = update.update(forgot, Command.BACK, ctx)
    assert again.quit_asked and effects == ()


def test_esc_closes_an_overlay_before_it_asks_to_quit():
    ctx = context()
    state, _ = update.update(opened(ctx), Command.HELP, ctx)
    assert state.overlay == "help"
    closed, effects = update.update(state, Command.BACK, ctx)
    assert closed.overlay == "" and not closed.quit_asked and effects == ()


def test_play_speeds_and_their_ends():
    ctx = context()
    state, _ = update.update(opened(ctx), Command.PLAY, ctx)
    assert state.playing
    fastest, _ = press(state, ctx, *[Command.FASTER] * 20)
    assert fastest.speed == update.SPEEDS[-1] and fastest.message == f"speed {update.SPEEDS[-1]:g} ops/s"
    slowest, _ = press(state, ctx, *[Command.SLOWER] * 20)
    assert slowest.speed == update.SPEEDS[0]


@pytest.mark.parametrize(
    ("zoom", "limit", "command", "want", "effect"),
    [
        (1.0, 3.0, Command.ZOOM_IN, 1.1, True),
        (1.0, 3.0, Command.ZOOM_OUT, 0.9, True),
        (1.5, 3.0, Command.ZOOM_RESET, 1.0, True),
        (1.0, 1.05, Command.ZOOM_IN, 1.0, False),  # 110% does not fit: refused, nothing changes
        (3.0, 3.0, Command.ZOOM_IN, 3.0, True),  # the largest step stays
        (0.5, 3.0, Command.ZOOM_OUT, 0.5, True),  # the smallest step stays
    ],
)
def test_zoom_steps_and_limits(zoom, limit, command, want, effect):
    ctx = context(zoom=zoom, zoom_limit=limit)
    state, effects = update.update(opened(ctx, zoom=zoom), command, ctx)
    assert state.zoom == want
    assert effects == ((Zoom(want),) if effect else ())
    if not effect:
        assert state.message == "zoom 110% does not fit this window; make it larger first"
    else:
        assert state.message == f"zoom {want:.0%}"


def test_window_and_file_keys_are_effects_only():
    ctx = context()
    state = opened(ctx)
    for command, effect in (
        (Command.SAVE_PNG, update.SavePng()),
        (Command.SAVE_GIF, SaveGif()),
        (Command.SAVE_WEIGHTS, update.SaveWeights()),
        (Command.FULLSCREEN, update.ToggleFullscreen()),
        (Command.PRESENTER, update.TogglePresenter()),
        (Command.PREVIOUS_LESSON, update.GoBack()),
    ):
        after, effects = update.update(state, command, ctx)
        assert after == state and effects == (effect,), command


def test_the_notes_key_with_the_presenter_open_says_where_they_are():
    ctx = context(presenter=True)
    state, effects = update.update(opened(ctx), Command.NOTES, ctx)
    assert state.overlay == "" and state.message == "the notes are on the presenter window" and effects == ()


def test_notes_scroll_by_line_card_and_end():
    ctx = context(notes=(50, 20))
    state, _ = update.update(opened(ctx), Command.NOTES, ctx)
    assert state.overlay == "notes" and state.notes_scroll == 0
    state, _ = update.update(state, Command.NEXT_T, ctx)
    assert state.notes_scroll == 1
    state, _ = update.update(state, Command.NEXT_OP, ctx)
    assert state.notes_scroll == 21
    state, _ = update.update(state, Command.LAST, ctx)
    assert state.notes_scroll == 30, "the last card ends on the last line"
    state, _ = update.update(state, Command.FIRST, ctx)
    assert state.notes_scroll == 0
    assert update.scroll_notes(state, None, ctx.notes, 3).notes_scroll == 3  # the wheel


def test_checkpoints_toggle_and_clamp():
    ctx = context()
    names = ctx.session.checkpoint_names
    state = opened(ctx, checkpoint=names[-1])
    untrained, _ = update.update(state, Command.TOGGLE_TRAINED, ctx)
    assert untrained.checkpoint == names[0]
    back, _ = update.update(untrained, Command.TOGGLE_TRAINED, ctx)
    assert back.checkpoint == names[-1]
    earliest, _ = press(state, ctx, *[Command.PREV_CHECKPOINT] * (len(names) + 2))
    assert earliest.checkpoint == names[0]
    latest, _ = update.update(state, Command.NEXT_CHECKPOINT, ctx)
    assert latest.checkpoint == names[-1]


def test_panels_open_and_close_in_order():
    ctx = context()
    state, _ = press(opened(ctx), ctx, Command.PANEL_HEATMAP, Command.PANEL_GATES)
    assert state.panels == ("heatmap", "gates") and state.message == "gates open"
    state, _ = update.update(state, Command.PANEL_HEATMAP, ctx)
    assert state.panels == ("gates",) and state.message == "heatmap closed"


def test_side_by_side_cycles_through_its_kinds_then_closes():
    ctx = context()
    state, seen = opened(ctx), []
    for _ in range(3):
        state, _ = update.update(state, Command.PANEL_COMPARE, ctx)
        seen.append((state.compare if "compare" in state.panels else "", state.message))
    assert seen == [
        ("checkpoints", "side by side: checkpoints"),
        ("sequences", "side by side: sequences"),
        ("", "side by side closed"),
    ]


def test_esc_while_the_second_cell_trains_cancels_it_and_closes_side_by_side():
    ctx = context(compare_training=True)
    state = replace(opened(ctx), panels=("compare",), compare="cells")
    closed, effects = update.update(state, Command.BACK, ctx)
    assert closed.panels == () and closed.message == "side by side: training cancelled"
    assert effects == (update.CancelCompare(),) and not closed.quit_asked


def test_while_a_gif_is_drawn_only_esc_acts():
    ctx = context(saving=True)
    state = opened(ctx)
    for command in (Command.NEXT_OP, Command.OPEN_LESSON, Command.TRAIN_LIVE, Command.SAVE_GIF):
        assert update.update(state, command, ctx, "1") == (state, ())
    cancelled, effects = update.update(state, Command.BACK, ctx)
    assert effects == (CancelSave(),) and cancelled.message == "GIF not saved: cancelled"
    assert not cancelled.quit_asked


# ----- an entry ---------------------------------------------------------------------------------
def test_iteration_entry_types_deletes_and_goes():
    ctx = context()
    state, effects = update.update(opened(ctx), Command.GO_TO_ITERATION, ctx)
    assert state.mode == "entry" and state.entry_kind == "iteration" and effects == (TextInput(True),)
    for text in ("1", "x", "2"):
        state = update.typed(state, text)
    assert state.entry == "12"
    state, effects = update.update(state, Command.ENTRY_DELETE, ctx)
    assert state.entry == "1" and effects == ()
    went, effects = update.update(state, Command.ENTRY_ACCEPT, ctx)
    assert went.mode == "step" and went.iteration == 1 and effects == (TextInput(False),)


def test_an_iteration_outside_the_training_keeps_the_entry_open():
    ctx = context()
    state, _ = update.update(opened(ctx), Command.GO_TO_ITERATION, ctx)
    for text in "99999":
        state = update.typed(state, text)
    refused, effects = update.update(state, Command.ENTRY_ACCEPT, ctx)
    last = ctx.session.last_iteration
    assert refused.mode == "entry" and effects == ()
    assert refused.message == f"iteration 99999 is outside 0..{last}: type again or Esc"
    cancelled, effects = update.update(refused, Command.ENTRY_CANCEL, ctx)
    assert cancelled.mode == "step" and cancelled.iteration is None and effects == (TextInput(False),)


def test_a_typed_sequence_plays_and_undo_brings_back_the_lessons_own():
    ctx = context()
    state, effects = update.update(opened(ctx), Command.TYPE_SEQUENCE, ctx)
    assert state.mode == "entry" and state.entry and effects == (TextInput(True),)
    while state.entry:
        state, _ = update.update(state, Command.ENTRY_DELETE, ctx)
    state = update.typed(state, "hell")
    played, effects = update.update(state, Command.ENTRY_ACCEPT, ctx)
    assert played.sequence == (0, 1, 2, 2) and played.mode == "step" and effects == (TextInput(False),)
    assert played.message == "playing 4 symbols: Ctrl+Z goes back"
    undone, _ = update.update(played, Command.UNDO, ctx)
    assert undone.sequence is None and undone.message == "undone"
    nothing, _ = update.update(undone, Command.UNDO, ctx)
    assert nothing.message == "nothing to undo"


# ----- a selected weight ------------------------------------------------------------------------
def test_a_selected_weight_is_nudged_undone_restored_and_let_go():
    ctx = context()
    s = ctx.session
    state = replace(opened(ctx), mode="weight", selected=("Wxh", (0, 1)))
    before = float(s.params(state.checkpoint)["Wxh"][0, 1])
    up, _ = press(state, ctx, Command.NUDGE_UP, Command.NUDGE_UP_LARGE)
    (edit,) = up.edits
    assert edit.value == pytest.approx(round(round(before + 0.1, 6) + 1.0, 6))
    down, _ = update.update(up, Command.UNDO, ctx)
    assert down.edits[0].value == pytest.approx(round(before + 0.1, 6))
    restored, _ = update.update(up, Command.RESTORE_WEIGHTS, ctx)
    assert restored.edits == () and restored.message == f"restored the weights of {state.checkpoint}"
    typing, effects = update.update(up, Command.EDIT_WEIGHT, ctx)
    assert typing.mode == "entry" and typing.entry_kind == "weight" and effects == (TextInput(True),)
    done, effects = update.update(up, Command.WEIGHT_DONE, ctx)
    assert done.mode == "step" and done.selected is None and done.edits == up.edits


def test_typing_a_weight_needs_a_weight_under_the_pointer():
    ctx = context()
    state, effects = update.update(opened(ctx), Command.EDIT_WEIGHT, ctx)
    assert state.message == "point at a weight or bias cell first, or click one" and effects == ()


# ----- a question -------------------------------------------------------------------------------
def question_before(ctx: Context, op: str, t: int) -> tuple[ViewState, int]:
    state = opened(ctx, checkpoint="untrained", animate=False)
    trace = places.trace_of(ctx.session, state)
    target = next(i for i in trace.phase_range(FORWARD) if (trace.steps[i].op, trace.steps[i].t) == (op, t))
    return replace(state, cursor=Cursor(FORWARD, target - 1)), target


def test_question_keys_count_hands_reveal_and_go_on():
    ctx = context("alternating.yaml")
    state, target = question_before(ctx, "p", 0)
    asked, effects = update.update(state, Command.NEXT_OP, ctx)
    assert asked.mode == "question" and asked.cursor == state.cursor and effects == ()
    assert asked.quiz.target == target and asked.quiz.votes == (0, 0, 0)
    for key in ("1", "2", "2", "4"):  # three options: 4 is no choice
        asked, _ = update.update(asked, Command.VOTE, ctx, key)
    assert asked.quiz.votes == (1, 2, 0)
    shown, _ = update.update(asked, Command.REVEAL, ctx)
    assert shown.quiz.revealed and shown.cursor.index == target
    on, _ = update.update(shown, Command.REVEAL, ctx)
    assert on.mode == "step" and on.quiz is None and on.cursor.index == target
    again, _ = press(on, ctx, Command.PREV_OP, Command.NEXT_OP)
    assert again.mode == "step" and again.cursor.index == target, "answered: not asked again"


def test_esc_on_a_question_skips_it_and_q_turns_questions_off():
    ctx = context("alternating.yaml")
    state, target = question_before(ctx, "p", 0)
    asked, _ = update.update(state, Command.NEXT_OP, ctx)
    skipped, _ = update.update(asked, Command.SKIP, ctx)
    assert skipped.mode == "step" and skipped.message == "skipped" and skipped.cursor.index == target
    off, _ = press(state, ctx, Command.QUESTIONS, Command.NEXT_OP)
    assert off.mode == "step" and off.cursor.index == target and off.message == ""


def test_you_compute_it_opens_an_answer_entry():
    ctx = context()
    state = opened(ctx, questions=False)
    state, _ = update.update(state, Command.COMPUTE, ctx)
    asked, effects = update.update(state, Command.NEXT_OP, ctx)
    assert asked.mode == "entry" and asked.entry_kind == "answer" and effects == (TextInput(True),)
    skipped, effects = update.update(asked, Command.ENTRY_CANCEL, ctx)
    assert skipped.mode == "step" and skipped.message == "skipped" and effects == (TextInput(False),)


# ----- training live ----------------------------------------------------------------------------
def test_a_change_while_training_live_pauses_first_then_happens():
    ctx = context()
    state = replace(opened(ctx), training=True)
    same, effects = update.update(state, Command.TYPE_SEQUENCE, ctx)
    assert same == state and effects == (PauseLive(), Then(Command.TYPE_SEQUENCE))
    _, effects = update.update(state, Command.TRAIN_LIVE, ctx)
    assert effects == (PauseLive(),)
    refused, effects = update.update(state, Command.NEXT_OPTIMIZER, ctx)
    assert refused.message == "pause the training first (F5)" and effects == ()


def test_live_settings_keep_and_fresh_weights():
    ctx = context()
    state = opened(ctx)
    _, effects = update.update(state, Command.TRAIN_LIVE, ctx)
    assert effects == (update.StartLive(True),)
    on_live = replace(state, checkpoint=LIVE)
    _, effects = update.update(on_live, Command.TRAIN_LIVE, replace(ctx, live_run=True))
    assert effects == (update.StartLive(False),), "the paused run goes on"
    nothing, effects = update.update(state, Command.KEEP_LIVE, ctx)
    assert nothing.message == "nothing trained live to keep: F5 trains" and effects == ()
    _, effects = update.update(on_live, Command.KEEP_LIVE, ctx)
    assert effects == (KeepLive("kept 1"),)
    faster, effects = update.update(state, Command.RATE_UP, ctx)
    (use,) = effects
    assert isinstance(use, UseLiveSettings) and use.settings.learning_rate > ctx.live.learning_rate
    assert faster.message == f"live training will use {use.settings.words()}: F5 starts"
    _, effects = update.update(state, Command.FRESH_WEIGHTS, ctx)
    seed = ctx.session.lesson.model.seed
    assert effects == (UseLiveSettings(replace(ctx.live, seed=seed)), update.FreshWeights(seed))


# ----- the lesson list and the start screen -----------------------------------------------------
def test_the_lesson_list_moves_opens_and_closes():
    ctx = context(selection=2)
    state, _ = update.update(opened(ctx), Command.LESSONS, ctx)
    assert state.overlay == "lessons" and state.selection == 2
    down, effects = press(state, ctx, *[Command.NEXT_T] * 10)
    assert down.selection == 6 and effects[-1] == Select(6), "clamped at the last of 7"
    up, effects = press(state, ctx, *[Command.PREV_T] * 10)
    assert up.selection == 0 and effects[-1] == Select(0)
    _, effects = update.update(down, Command.SELECT, ctx)
    assert effects == (OpenLesson(6),)
    _, effects = update.update(state, Command.OPEN_LESSON, ctx, "3")
    assert effects == (OpenLesson(2),)
    assert update.update(state, Command.OPEN_LESSON, ctx, "9")[1] == (), "only 7 lessons"
    closed, effects = update.update(state, Command.BACK, ctx)
    assert closed.overlay == "" and effects == ()


def test_the_start_screen():
    start_screen = Start(selection=0, message="hello.yaml: could not open", can_go_back=False)
    cleared, effects = update.start_screen(start_screen, Command.LESSONS, "", 3)
    assert cleared.message == "" and effects == ()
    moved, _ = update.start_screen(cleared, Command.NEXT_T, "", 3)
    moved, _ = update.start_screen(moved, Command.NEXT_T, "", 3)
    moved, _ = update.start_screen(moved, Command.NEXT_T, "", 3)
    assert moved.selection == 2
    assert update.start_screen(moved, Command.SELECT, "", 3)[1] == (OpenLesson(2),)
    assert update.start_screen(moved, Command.OPEN_LESSON, "1", 3)[1] == (OpenLesson(0),)
    assert update.start_screen(moved, Command.BACK, "", 3)[1] == (Quit(),)
    assert update.start_screen(moved, Command.PREVIOUS_LESSON, "", 3)[1] == ()
    back = replace(moved, can_go_back=True)
    assert update.start_screen(back, Command.PREVIOUS_LESSON, "", 3)[1] == (update.GoBack(),)


# ----- any sequence of keys ---------------------------------------------------------------------
STEP_COMMANDS = sorted(set(KEYMAPS["step"].values()), key=lambda c: c.name)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(STEP_COMMANDS), max_size=25), st.sampled_from(["1", "2", "x"]))
def test_any_keys_keep_the_cursor_in_its_pass_and_are_repeatable(commands, key):
    ctx = context()
    state = opened(ctx)
    for command in commands:
        mode_keys = set(KEYMAPS[state.mode].values())
        if command not in mode_keys:  # the window only sends the keys of the mode in force
            command = sorted(mode_keys, key=lambda c: c.name)[len(commands) % len(mode_keys)]
        after, effects = update.update(state, command, ctx, key)
        assert update.update(state, command, ctx, key) == (after, effects), "pure: same in, same out"
        assert all(type(e) in update.Effect.__args__ for e in effects)
        state = after
        trace = places.trace_of(ctx.session, state)
        assert state.cursor.index in trace.phase_range(state.cursor.phase)


# ----- the window is the fold of update ---------------------------------------------------------
def test_the_windows_state_after_real_keys_is_the_fold_of_update():
    import pygame
    from test_event_storm import key_event

    from stepper.app import App, key_name

    app = App(LESSONS / "hello.yaml", size=(1024, 768), headless=True)
    names = ["right", "right", "down", "b", "n", "m", "t", "]", "+", "left", "escape", "a", "right", "home"]
    names += ["k", "1", "backspace", "2", "return", "end", "escape", "escape"]
    state = app.state
    ctx = app.context()
    for name in names:
        event = key_event(name)
        command = KEYMAPS[state.mode].get(key_name(event))
        if command is not None:
            state, effects = update.update(state, command, ctx, key_name(event))
            assert all(isinstance(e, TextInput | Quit) for e in effects)
        if state.mode == "entry" and event.unicode and command is None:
            state = update.typed(state, event.unicode)
        pygame.event.post(event)
        if event.unicode and event.unicode.isdigit():
            pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=event.unicode))
    for event in pygame.event.get():
        app.handle(event)
    assert not app.running
    assert app.state == state
    assert state.iteration == 2 and state.cursor.phase == BACKWARD
    pygame.display.quit()


# ----- the pointer and playback -----------------------------------------------------------------
def test_a_click_on_a_weight_selects_it_a_double_click_types_it_training_pauses_first():
    ctx = context()
    state = opened(ctx, playing=True)
    pick = update.Picked(("Wxh", (1, 0)))
    selected, effects = update.picked(state, pick, ctx)
    value = float(ctx.session.params(state.checkpoint)["Wxh"][1, 0])
    assert selected.mode == "weight" and selected.selected == pick.cell and not selected.playing
    assert selected.message.startswith(f"Wxh[1,0] = {value:.4g}: ") and effects == ()
    typing, effects = update.picked(state, replace(pick, double=True), ctx)
    assert typing.mode == "entry" and typing.entry_kind == "weight" and effects == (TextInput(True),)
    training = replace(state, training=True)
    assert update.picked(training, pick, ctx) == (training, (PauseLive(), Then(pick)))


def test_playback_stops_at_the_end_of_the_pass():
    ctx = context()
    state = opened(ctx, questions=False, playing=True)
    trace = places.trace_of(ctx.session, state)
    n = len(trace.phase_range(FORWARD))
    three, effects = update.played(state, 3, ctx)
    assert three.cursor.index == state.cursor.index + 3 and three.playing and effects == ()
    end, _ = update.played(state, n + 5, ctx)
    assert end.cursor == at_step(trace, FORWARD, n - 1) and not end.playing


def test_playback_stops_where_a_question_opens():
    ctx = context("alternating.yaml")
    state, target = question_before(ctx, "p", 0)
    state = replace(state, cursor=Cursor(FORWARD, target - 3), playing=True)
    asked, _ = update.played(state, 10, ctx)
    assert asked.mode == "question" and not asked.playing and asked.cursor.index == target - 1


def test_once_the_app_has_started_or_paused_a_run_the_state_follows():
    ctx = context()
    state = opened(ctx, playing=True, panels=("heatmap",))
    running = update.live_running(state, ctx)
    assert running.training and not running.playing and running.panels == ("heatmap", "history")
    assert update.live_running(running, ctx).panels == ("heatmap", "history"), "opened once"
    old = places.trace_of(ctx.session, running)
    paused = update.live_paused(running, old, None, ctx)
    assert not paused.training and paused.message == "paused"
    assert paused.cursor.index in places.trace_of(ctx.session, paused).phase_range(paused.cursor.phase)


def test_a_lesson_opens_at_its_start_and_is_returned_to_as_it_was_left():
    ctx = context("gru-gates.yaml")  # opens side by side with its second cell, the vanilla RNN
    first = update.first_place(ctx.session, 1.5)
    lesson = ctx.session.lesson
    assert first.checkpoint == ctx.session.checkpoint_names[0] and first.zoom == 1.5
    assert first.cursor == start(ctx.session.trace(first.checkpoint)) and first.panels == lesson.panels
    assert "compare" in first.panels and first.compare == "cells"
    left = replace(first, overlay="help", mode="entry", entry="12", playing=True, quit_asked=True)
    back = update.returned(replace(left, numbers=True), lesson.title, 1.0)
    assert (back.overlay, back.mode, back.entry) == ("", "step", "") and not back.playing
    assert not back.quit_asked
    assert back.numbers and back.cursor == first.cursor and back.message == f"back to {lesson.title}"


def test_the_transition_into_an_op_settles_in_its_time_and_stays_settled():
    state = replace(opened(context()), progress=0.0)
    half = update.settled(state, update.TRANSITION_SECONDS / 2)
    assert half.progress == pytest.approx(0.5)
    assert update.settled(half, 10.0).progress == 1.0
    settled = replace(state, progress=1.0)
    assert update.settled(settled, 0.5) is settled


@pytest.mark.parametrize(
    ("zoom", "limit", "want"),
    [(1.0, 1.2, None), (2.0, 1.6, 1.5), (1.5, 1.5, None), (1.0, 0.3, 0.5)],
)
def test_a_window_that_shrank_takes_the_largest_zoom_step_it_holds(zoom, limit, want):
    assert update.zoom_to_fit(zoom, limit) == want


def test_the_presenter_window_takes_the_notes_off_the_projector():
    state = replace(opened(context()), overlay="notes")
    shown = update.presenter_opened(state)
    assert shown.overlay == "" and shown.message.startswith("presenter window open")
    refused = update.presenter_opened(replace(state, overlay="help"), "no second display")
    assert refused.overlay == "help"
    assert refused.message == "presenter window not available: no second display"
