"""What a command does: `update(state, command, context) -> (state, effects)`, pure.

Every decision a key makes lives here, mode by mode (stepping, an open entry, a selected
weight, a question, the lesson list, the start screen), and so do the pointer's, the
wheel's, playback's, and what a lesson shows once opened, returned to, reloaded or trained
live. What it cannot do without touching the world (a file written, a window opened, a
lesson trained, the weights trained live) it asks for as an effect: a frozen value the
app performs, in order, and nothing else does. The context's session is only read (it
records a trace the first time one is asked for, a memo no caller can tell from a value)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stepper import changes, places, quiz
from stepper.commands import PANEL_COMMANDS, Command
from stepper.edits import value_at
from stepper.lesson.model import Lesson
from stepper.live import LIVE, LiveRun, LiveSettings
from stepper.navigation import Cursor, move, position, same_place, start
from stepper.places import StartAt
from stepper.scene import Cell, Hotspot, Raster
from stepper.session import Session
from stepper.state import Hover, ViewState
from stepper.symbols import written
from stepper.theme import ZOOM_STEPS, zoom_step
from stepper.trace import Trace

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
TRANSITION_SECONDS = 0.2  # values travel along their arrows for this long, eased
KEPT_LIMIT = 9  # checkpoints kept from live training per lesson: memory stays bounded
NOTES_SCROLL = (
    Command.NEXT_T,
    Command.PREV_T,
    Command.NEXT_OP,
    Command.PREV_OP,
    Command.FIRST,
    Command.LAST,
)
NAV = (
    Command.NEXT_OP,
    Command.PREV_OP,
    Command.NEXT_T,
    Command.PREV_T,
    Command.FIRST,
    Command.LAST,
    Command.NEXT_PASS,
)
#: The lesson list's keys while it is open over a lesson.
LIST_COMMANDS = (
    Command.NEXT_T,
    Command.PREV_T,
    Command.SELECT,
    Command.OPEN_LESSON,
    Command.BACK,
    Command.LESSONS,
)
#: Commands that change the weights, the sequence or the place in training: live training pauses.
PAUSING = (
    Command.TYPE_SEQUENCE,
    Command.EDIT_WEIGHT,
    Command.UNDO,
    Command.RESTORE_WEIGHTS,
    Command.GO_TO_ITERATION,
)
NUDGES = {
    Command.NUDGE_UP: changes.NUDGES["small"],
    Command.NUDGE_DOWN: -changes.NUDGES["small"],
    Command.NUDGE_UP_LARGE: changes.NUDGES["large"],
    Command.NUDGE_DOWN_LARGE: -changes.NUDGES["large"],
}
#: Ctrl+Z and Ctrl+R, the same whether a weight is selected or not.
UNDOING = {Command.UNDO: changes.undo, Command.RESTORE_WEIGHTS: changes.restore}
OVERLAYS = {
    Command.HELP: "help",
    Command.NOTES: "notes",
    Command.LESSONS: "lessons",
    Command.BIG_NUMBERS: "big",
}


# ----- effects: what the app does for a command, in order ---------------------------------------
@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class OpenLesson:
    index: int  # into the built-in lessons


@dataclass(frozen=True, slots=True)
class GoBack:
    """Backspace: the lesson left most recently, as it was left."""


@dataclass(frozen=True, slots=True)
class Select:
    index: int  # the lesson list's highlighted row


@dataclass(frozen=True, slots=True)
class ToggleFullscreen:
    pass


@dataclass(frozen=True, slots=True)
class Zoom:
    zoom: float  # the theme's new zoom (the state already says it)


@dataclass(frozen=True, slots=True)
class TogglePresenter:
    pass


@dataclass(frozen=True, slots=True)
class TextInput:
    """Text entry on (an entry opened) or off (it closed)."""

    on: bool


@dataclass(frozen=True, slots=True)
class SavePng:
    pass


@dataclass(frozen=True, slots=True)
class SaveGif:
    pass


@dataclass(frozen=True, slots=True)
class CancelSave:
    """The GIF being drawn is dropped: nothing is written."""


@dataclass(frozen=True, slots=True)
class SaveWeights:
    pass


@dataclass(frozen=True, slots=True)
class CancelCompare:
    """Side by side's second cell stops training (the state already closed the panel)."""


@dataclass(frozen=True, slots=True)
class PauseLive:
    pass


@dataclass(frozen=True, slots=True)
class StartLive:
    new_run: bool  # a run starts from the weights shown (else the paused run goes on)


@dataclass(frozen=True, slots=True)
class KeepLive:
    name: str  # what the live checkpoint is kept as


@dataclass(frozen=True, slots=True)
class FreshWeights:
    seed: int


@dataclass(frozen=True, slots=True)
class UseLiveSettings:
    """How the next live run trains (the run so far is let go)."""

    settings: LiveSettings


@dataclass(frozen=True, slots=True)
class Picked:
    """A weight or bias cell clicked (twice in a row: a double-click)."""

    cell: tuple[str, tuple[int, ...]]
    double: bool = False


@dataclass(frozen=True, slots=True)
class Then:
    """The command (or click) again, once the effects before it are done (a pause before a change)."""

    command: Command | Picked
    key: str = ""


Effect = (
    Quit
    | OpenLesson
    | GoBack
    | Select
    | ToggleFullscreen
    | Zoom
    | TogglePresenter
    | TextInput
    | SavePng
    | SaveGif
    | CancelSave
    | SaveWeights
    | CancelCompare
    | PauseLive
    | StartLive
    | KeepLive
    | FreshWeights
    | UseLiveSettings
    | Then
)
Effects = tuple[Effect, ...]


@dataclass(frozen=True)
class Context:
    """What a command reads besides the state; nothing here is changed by reading it."""

    session: Session  # the open lesson, trained: its traces, checkpoints and lesson
    lessons: int = 0  # built-in lessons (keys 1-9 and the list)
    selection: int = 0  # the lesson list's row when it opens
    zoom: float = 1.0  # the window's zoom now
    zoom_limit: float = float("inf")  # the largest zoom the window holds
    presenter: bool = False  # the presenter window is open
    live: LiveSettings | None = None  # how the next live run trains
    live_run: bool = False  # a live run exists (paused or running)
    compare_training: bool = False  # side by side's second cell is training
    saving: bool = False  # a GIF is being drawn (G)
    notes: tuple[int, int] = (0, 0)  # teacher notes: lines in all, lines the card shows


@dataclass(frozen=True, slots=True)
class Start:
    """The start screen (no lesson open): the highlighted lesson and why none is open."""

    selection: int
    message: str
    can_go_back: bool = False


def trace_of(state: ViewState, context: Context) -> Trace:
    return places.trace_of(context.session, state)


# ----- every mode ---------------------------------------------------------------------------------
def update(state: ViewState, command: Command, context: Context, key: str = "") -> tuple[ViewState, Effects]:
    """The state after `command` (pressed as `key`) and what must be done for it."""
    if state.quit_asked and command is not Command.BACK:
        state = replace(state, quit_asked=False)  # any other key: not quitting
    if context.saving:  # what the GIF draws must not change under it: Esc cancels, nothing else acts
        if command is Command.BACK:
            return replace(state, message="GIF not saved: cancelled"), (CancelSave(),)
        return state, ()
    if context.compare_training and command is Command.BACK:
        panels = tuple(p for p in state.panels if p != "compare")
        return replace(state, panels=panels, message="side by side: training cancelled"), (CancelCompare(),)
    if state.overlay == "lessons" and command in LIST_COMMANDS:
        return lesson_list(state, command, context, key)
    if state.overlay == "notes" and command in NOTES_SCROLL:
        return scroll_notes(state, command, context.notes), ()
    if state.training and command in PAUSING:  # a change to weights that keep changing: pause first
        return state, (PauseLive(), Then(command, key))
    if state.mode == "entry":
        return entry(state, command, context)
    if state.mode == "question":
        return question(state, command, key), ()
    if state.mode == "weight":
        return weight(state, command, context)
    return stepping(state, command, context, key)


def not_quitting(state: ViewState) -> ViewState:
    """A key with no meaning here still answers the Esc question: not quitting."""
    return replace(state, quit_asked=False) if state.quit_asked else state


# ----- stepping -----------------------------------------------------------------------------------
def stepping(state: ViewState, command: Command, context: Context, key: str) -> tuple[ViewState, Effects]:
    changed = change(state, command, context)
    if changed is not None:
        return changed
    session = context.session
    if command in NAV:
        trace = trace_of(state, context)
        cursor = move(state.cursor, trace, command)
        moved_on = command is Command.NEXT_OP and cursor != state.cursor and state.animate
        state = replace(state, message="", progress=0.0 if moved_on else 1.0)
        if command is Command.NEXT_OP:
            return arrive(state, trace, cursor, context)
        return replace(state, cursor=cursor), ()
    if command is Command.PLAY:
        return replace(state, playing=not state.playing), ()
    if command in (Command.FASTER, Command.SLOWER):
        k = SPEEDS.index(state.speed) if state.speed in SPEEDS else 3
        k = min(len(SPEEDS) - 1, k + 1) if command is Command.FASTER else max(0, k - 1)
        return replace(state, speed=SPEEDS[k], message=f"speed {SPEEDS[k]:g} ops/s"), ()
    if command in (Command.TOGGLE_TRAINED, Command.PREV_CHECKPOINT, Command.NEXT_CHECKPOINT):
        return switch_checkpoint(state, command, context), ()
    if command is Command.GO_TO_ITERATION:
        return places.open_entry(state, "iteration"), (TextInput(True),)
    if command in (Command.COOLER, Command.HOTTER):
        return places.temperature_step(state, session, 1 if command is Command.HOTTER else -1), ()
    if command is Command.PRESENTER:
        return state, (TogglePresenter(),)
    if command is Command.NOTES and context.presenter:
        return replace(state, message="the notes are on the presenter window"), ()
    if command is Command.QUESTIONS:
        on = not state.questions
        return replace(state, questions=on, message=f"questions {'on' if on else 'off'}"), ()
    if command is Command.COMPUTE:
        on = not state.compute
        note = "you compute it: each value is typed before it shows" if on else "you compute it: off"
        return replace(state, compute=on, message=note), ()
    if command is Command.RESEED:
        return places.reseed(state, session), ()
    if command is Command.PANEL_COMPARE:
        return cycle_compare(state, context), ()
    if command in PANEL_COMMANDS:
        name = PANEL_COMMANDS[command]
        open_now = name not in state.panels
        panels = (*state.panels, name) if open_now else tuple(p for p in state.panels if p != name)
        return replace(state, panels=panels, message=f"{name} {'open' if open_now else 'closed'}"), ()
    if command is Command.WEIGHT_CHANGES:
        return replace(state, weight_changes=not state.weight_changes), ()
    if command is Command.NUMBERS:
        return replace(state, numbers=not state.numbers), ()
    if command is Command.ANIMATE:
        on = not state.animate
        return replace(state, animate=on, progress=1.0, message=f"animations {'on' if on else 'off'}"), ()
    if command in OVERLAYS:
        name = OVERLAYS[command]
        overlay = "" if state.overlay == name else name
        return replace(state, overlay=overlay, selection=context.selection, notes_scroll=0), ()
    if command is Command.OPEN_LESSON:
        return state, open_number(key, context.lessons)
    if command is Command.FULLSCREEN:
        return state, (ToggleFullscreen(),)
    if command in (Command.ZOOM_IN, Command.ZOOM_OUT, Command.ZOOM_RESET):
        return zoomed(state, command, context)
    if command is Command.SAVE_PNG:
        return state, (SavePng(),)
    if command is Command.SAVE_GIF:
        return state, (SaveGif(),)
    if command is Command.PREVIOUS_LESSON:
        return state, (GoBack(),)
    if command is Command.BACK:
        if state.overlay:
            return replace(state, overlay=""), ()
        if state.quit_asked:
            return state, (Quit(),)
        # a stray Esc (or a clicker's) must not end the lesson in front of a class
        return replace(state, quit_asked=True, playing=False), ()
    return state, ()


def arrive(state: ViewState, trace: Trace, cursor: Cursor, context: Context) -> tuple[ViewState, Effects]:
    """Step onto `cursor`, unless a question (or a value to compute) opens there first."""
    session = context.session
    arrived = quiz.arrive(state, session.lesson, trace, iteration_of(state, session), cursor)
    return arrived, (TextInput(True),) if arrived.mode == "entry" else ()


def iteration_of(state: ViewState, session: Session) -> int:
    """The training iteration a state shows: its replayed iteration, else its checkpoint's."""
    return state.iteration if state.iteration is not None else session.checkpoint(state.checkpoint).iteration


def switch_checkpoint(state: ViewState, command: Command, context: Context) -> ViewState:
    """T: untrained and trained; [ ]: the checkpoint before or after (from iteration K: K's)."""
    session = context.session
    if state.iteration is not None and command is not Command.TOGGLE_TRAINED:
        moved = places.step_checkpoint(state, session, 1 if command is Command.NEXT_CHECKPOINT else -1)
        if moved is not None:
            return moved
    names = session.checkpoint_names
    k = names.index(state.checkpoint)
    if command is Command.TOGGLE_TRAINED:
        target = names[-1] if k != len(names) - 1 else names[0]
    elif command is Command.PREV_CHECKPOINT:
        target = names[max(0, k - 1)]
    else:
        target = names[min(len(names) - 1, k + 1)]
    if target == state.checkpoint and state.iteration is None and command is not Command.TOGGLE_TRAINED:
        end = "first" if command is Command.PREV_CHECKPOINT else "last"
        return replace(state, message=f"{target} is the {end} checkpoint")  # rather than nothing at all
    moved = replace(state, checkpoint=target, iteration=None)
    return replace(moved, cursor=same_place(state.cursor, trace_of(state, context), trace_of(moved, context)))


def compare_kinds(session: Session) -> tuple[str, ...]:
    """What side by side can set against this lesson: checkpoints, the lesson's second
    cell if it names one, and a second sequence."""
    cells = ("cells",) if session.lesson.compare_cell else ()
    return ("checkpoints", *cells, "sequences")


def cycle_compare(state: ViewState, context: Context) -> ViewState:
    """V: off -> each kind in turn -> off."""
    kinds = compare_kinds(context.session)
    if "compare" not in state.panels:
        return replace(
            state, panels=(*state.panels, "compare"), compare=kinds[0], message=f"side by side: {kinds[0]}"
        )
    k = kinds.index(state.compare) if state.compare in kinds else len(kinds) - 1
    if k + 1 < len(kinds):
        return replace(state, compare=kinds[k + 1], message=f"side by side: {kinds[k + 1]}")
    panels = tuple(p for p in state.panels if p != "compare")
    return replace(state, panels=panels, compare=kinds[0], message="side by side closed")


def zoomed(state: ViewState, command: Command, context: Context) -> tuple[ViewState, Effects]:
    """Ctrl + - 0: the next zoom step, refused when the window cannot hold it."""
    direction = {Command.ZOOM_IN: 1, Command.ZOOM_OUT: -1, Command.ZOOM_RESET: 0}[command]
    wanted = zoom_step(context.zoom, direction)
    if wanted > context.zoom and wanted > context.zoom_limit:
        note = f"zoom {wanted:.0%} does not fit this window; make it larger first"
        return replace(state, zoom=context.zoom, message=note), ()
    zoom = min(wanted, max(context.zoom_limit, ZOOM_STEPS[0]))
    return replace(state, zoom=zoom, message=f"zoom {zoom:.0%}"), (Zoom(zoom),)


def zoom_to_fit(zoom: float, limit: float) -> float | None:
    """After the window shrank: the largest zoom step it still holds (None: `zoom` fits)."""
    if zoom <= limit:
        return None
    fitting = [z for z in ZOOM_STEPS if z <= limit] or [ZOOM_STEPS[0]]
    return fitting[-1]


def presenter_opened(state: ViewState, problem: str = "") -> ViewState:
    """Ctrl P done: the notes move off the projector (`problem`: why the window did not open)."""
    note = "presenter window open: notes, next caption and time there; the projector stays clean"
    if problem:
        note = f"presenter window not available: {problem}"
    return replace(state, message=note, overlay="" if state.overlay == "notes" else state.overlay)


def scroll_notes(
    state: ViewState, command: Command | None, notes: tuple[int, int], lines: int = 0
) -> ViewState:
    """Teacher notes longer than the card: ↑ ↓ by a line, → ← (PgDn PgUp) by a card,
    Home End to either end; the wheel by `lines`."""
    shown, room = notes
    last = max(0, shown - room)
    step = {
        Command.NEXT_T: 1,
        Command.PREV_T: -1,
        Command.NEXT_OP: room,
        Command.PREV_OP: -room,
        Command.FIRST: -shown,
        Command.LAST: shown,
    }.get(command, lines)
    return replace(state, notes_scroll=max(0, min(last, min(state.notes_scroll, last) + step)))


# ----- changing what the lesson computes ----------------------------------------------------------
def change(state: ViewState, command: Command, context: Context) -> tuple[ViewState, Effects] | None:
    """The keys that change what the lesson computes; None if `command` is not one."""
    session = context.session
    if command is Command.TYPE_SEQUENCE:
        played = state.sequence or session.lesson.playback
        return places.open_entry(state, "sequence", written(played, session.lesson.vocab)), (TextInput(True),)
    if command is Command.EDIT_WEIGHT:
        hover = state.hover
        if hover is None or hover.kind != "cell" or hover.name not in trace_of(state, context).params:
            return replace(state, message="point at a weight or bias cell first, or click one"), ()
        selected = replace(state, selected=(hover.name, hover.index))
        return places.open_entry(selected, "weight"), (TextInput(True),)
    if command in UNDOING:
        return UNDOING[command](state, session, places.trace_of), ()
    if command is Command.SAVE_WEIGHTS:
        return state, (SaveWeights(),)
    return live(state, command, context)


def live(state: ViewState, command: Command, context: Context) -> tuple[ViewState, Effects] | None:
    """F5 trains or pauses; before a run, F6 draws fresh weights and F7 F8 F9 set how
    the next run trains; Ctrl+K keeps what was trained as a checkpoint. None: not one of them."""
    settings = context.live
    if command is Command.TRAIN_LIVE:
        if state.training:
            return state, (PauseLive(),)
        return state, (StartLive(not context.live_run or state.checkpoint != LIVE),)
    if settings is None or command not in (
        Command.FRESH_WEIGHTS,
        Command.NEXT_OPTIMIZER,
        Command.RATE_UP,
        Command.RATE_DOWN,
        Command.KEEP_LIVE,
    ):
        return None
    if state.training:
        return replace(state, message="pause the training first (F5)"), ()
    session = context.session
    if command is Command.KEEP_LIVE:
        if state.checkpoint != LIVE:
            return replace(state, message="nothing trained live to keep: F5 trains"), ()
        count = sum(1 for n in session.kept if n.startswith("kept "))
        if count >= KEPT_LIMIT:
            return replace(state, message=f"{KEPT_LIMIT} checkpoints kept already"), ()
        return state, (KeepLive(f"kept {count + 1}"),)
    if command is Command.FRESH_WEIGHTS:
        seed = session.lesson.model.seed if settings.seed is None else settings.seed + 1
        return state, (UseLiveSettings(replace(settings, seed=seed)), FreshWeights(seed))
    if command is Command.NEXT_OPTIMIZER:
        settings = settings.next_optimizer()
    else:
        settings = settings.rate_step(1 if command is Command.RATE_UP else -1)
    note = f"live training will use {settings.words()}: F5 starts"
    return replace(state, message=note), (UseLiveSettings(settings),)


# ----- training live: the state once the app has changed the weights shown ----------------------
def live_words(doing: str, run: LiveRun) -> str:
    loss = f", loss {run.losses[-1]:.3f}" if run.losses.size else ""
    return f"{doing}: iteration {run.iteration}{loss} ({run.settings.words()})"


def moved_to_live(state: ViewState, old: Trace, context: Context) -> ViewState:
    """The live run's weights shown, at the place the cursor had on `old` (the trace before)."""
    moved = replace(state, checkpoint=LIVE, edits=(), iteration=None, mode="step", selected=None)
    return replace(moved, cursor=changes.closest_place(state.cursor, old, trace_of(moved, context)))


def live_running(state: ViewState, context: Context) -> ViewState:
    """F5, the run ready: training, with the loss curve open (it is what grows)."""
    panels = state.panels if "history" in state.panels else (*state.panels, "history")
    running = replace(state, training=True, playing=False, panels=panels)
    old, new = trace_of(state, context), trace_of(running, context)
    return replace(running, cursor=changes.closest_place(running.cursor, old, new))


def live_fresh(state: ViewState, old: Trace, seed: int, context: Context) -> ViewState:
    """F6 done: the freshly drawn weights shown, ready to train (with the context's settings)."""
    assert context.live is not None
    note = f"fresh weights, seed {seed}: F5 trains them ({context.live.words()})"
    return replace(moved_to_live(state, old, context), message=note)


def live_paused(state: ViewState, old: Trace, run: LiveRun | None, context: Context) -> ViewState:
    """Paused on an iteration: the weights it reached, and the iteration it makes next on
    its own chunk (forward, backward and the update to step through)."""
    paused = replace(state, training=False)
    cursor = changes.closest_place(state.cursor, old, trace_of(paused, context))
    note = live_words("paused", run) + "; its next iteration is shown" if run else "paused"
    return replace(paused, cursor=cursor, message=note)


def live_kept(state: ViewState, name: str, context: Context) -> ViewState:
    """Ctrl+K done: the checkpoint it was kept as, shown."""
    note = f"kept as {name!r}: [ ] reach it, Ctrl+S saves its weights"
    kept = replace(state, checkpoint=name, message=note)
    cursor = changes.closest_place(state.cursor, trace_of(state, context), trace_of(kept, context))
    return replace(kept, cursor=cursor)


def live_trained(state: ViewState, old: Trace, run: LiveRun, context: Context) -> ViewState:
    """A slice trained: the new weights shown (the number under the pointer has changed), at
    the place the cursor had on `old` (resumed from a pause, the trace leaves the paused
    iteration's chunk for the playback)."""
    state = replace(state, hover=None)
    state = replace(state, cursor=changes.closest_place(state.cursor, old, trace_of(state, context)))
    if run.stopped:
        return replace(state, training=False, message=f"training stopped: {run.stopped}")
    return replace(state, message=live_words("training live", run))


# ----- a selected weight --------------------------------------------------------------------------
def weight(state: ViewState, command: Command, context: Context) -> tuple[ViewState, Effects]:
    """A selected weight's own table: nudge it, type its value, undo, restore, done."""
    session = context.session
    if command in NUDGES:
        return changes.nudge(state, session, places.trace_of, NUDGES[command]), ()
    if command is Command.EDIT_WEIGHT:
        return places.open_entry(state, "weight"), (TextInput(True),)
    if command in UNDOING:
        return UNDOING[command](state, session, places.trace_of), ()
    if command is Command.WEIGHT_DONE:
        return replace(state, mode="step", selected=None, message=""), ()
    return state, ()


# ----- an open entry ------------------------------------------------------------------------------
def entry(state: ViewState, command: Command, context: Context) -> tuple[ViewState, Effects]:
    """The entry's own table: Backspace, Enter, Esc (what is typed comes as text: `typed`)."""
    if command is Command.ENTRY_DELETE:
        return places.delete_last(state), ()
    answer = state.entry_kind == "answer"  # a question's number, or Y's value
    if command is Command.ENTRY_ACCEPT:
        if answer:
            done = quiz.check_typed(state, trace_of(state, context))
        else:
            done = places.accept_entry(state, context.session)
    elif command is Command.ENTRY_CANCEL:
        done = quiz.skip(state) if answer else places.cancel_entry(state)
    else:
        return state, ()
    return done, () if done.mode == "entry" else (TextInput(False),)


def typed(state: ViewState, text: str) -> ViewState:
    """Text typed (from either window) into whatever entry is open."""
    return places.typed(state, text) if state.mode == "entry" else state


# ----- a question ---------------------------------------------------------------------------------
def question(state: ViewState, command: Command, key: str) -> ViewState:
    """The question's own table: hands counted, reveal, skip."""
    if command is Command.VOTE:
        return quiz.vote(state, key)
    if command is Command.REVEAL:
        return quiz.reveal(state)
    if command is Command.SKIP:
        return quiz.skip(state)
    return state


# ----- the pointer ---------------------------------------------------------------------------------
def pointed(state: ViewState, hit: object, pos: tuple[int, int]) -> ViewState:
    """The pointer over `hit`: the number under it (a cell) or the token it names."""
    if state.overlay:
        return state
    hover = None
    if isinstance(hit, Cell) and hit.value is not None:
        hover = Hover("cell", hit.name, hit.index, pos, hit.value)
    elif isinstance(hit, Raster):
        index = hit.index_at(*pos)
        hover = Hover("cell", hit.name, index, pos, hit.value_at(index))
    elif isinstance(hit, Hotspot) and hit.kind == "token":
        hover = Hover("token", hit.key)
    return state if hover == state.hover else replace(state, hover=hover)


def wheeled(state: ViewState, clicks: int, context: Context) -> ViewState:
    """The wheel nudges a selected weight, or scrolls the teacher notes."""
    if state.mode == "weight":
        amount = NUDGES[Command.NUDGE_UP] * clicks
        return changes.nudge(state, context.session, places.trace_of, amount) if amount else state
    if state.overlay == "notes":
        return scroll_notes(state, None, context.notes, -3 * clicks)
    return state


def weight_cell(state: ViewState, hit: Cell | Raster, pos: tuple[int, int], context: Context):
    """The weight or bias cell a click on `hit` picks, or None (not a weight, or not now:
    under an overlay, an entry, or a question, whose value stays hidden until answered)."""
    if state.overlay or state.mode in ("entry", "question"):
        return None
    index = hit.index if isinstance(hit, Cell) else hit.index_at(*pos)
    if hit.name not in trace_of(state, context).params or index is None:
        return None
    return (hit.name, tuple(index))


def picked(state: ViewState, pick: Picked, context: Context) -> tuple[ViewState, Effects]:
    """A click on a weight selects it (the arrows and the wheel nudge it); a double-click
    opens its value entry. Weights that keep changing cannot be edited: training pauses first."""
    if state.training:
        return state, (PauseLive(), Then(pick))
    selected = replace(state, mode="weight", selected=pick.cell, playing=False)
    if pick.double:
        return places.open_entry(selected, "weight"), (TextInput(True),)
    name, index = pick.cell
    value = value_at(context.session.params(state.checkpoint), state.edits, name, index)
    where = f"{name}[{','.join(map(str, index))}] = {value:.4g}"
    return replace(selected, message=f"{where}: ↑ ↓ or the wheel nudge it, = types a value, Esc done"), ()


def clicked(state: ViewState, hit: Hotspot, pos: tuple[int, int], context: Context) -> ViewState:
    """A click on the timeline (that timestep's first op) or on the history's scrubber."""
    if state.overlay or state.mode != "step":  # under an overlay, a question or an entry
        return state
    if hit.kind == "timestep":
        phase = state.cursor.phase
        span = trace_of(state, context).timestep_range(phase, int(hit.key))
        return replace(state, cursor=Cursor(phase, span.start))
    if hit.kind == "iteration":
        return scrubbed(state, hit, pos[0], context)
    return state


def scrubbed(state: ViewState, hit: Hotspot, x: int, context: Context) -> ViewState:
    """The history panel's scrubber: the iteration under the pointer, replayed."""
    if state.mode != "step":  # a question or an entry is open
        return state
    x0, x1, last = (int(v) for v in hit.key.split(":"))
    return places.go_to_iteration(state, context.session, round((x - x0) / max(1, x1 - x0) * last))


# ----- time passing ------------------------------------------------------------------------------
def settled(state: ViewState, seconds: float) -> ViewState:
    """The transition into the current op, `seconds` further on."""
    if state.progress >= 1.0:
        return state
    return replace(state, progress=min(1.0, state.progress + seconds / TRANSITION_SECONDS))


# ----- playback -----------------------------------------------------------------------------------
def played(state: ViewState, ops: int, context: Context) -> tuple[ViewState, Effects]:
    """`ops` steps of playback; it stops by itself at the pass's end, or where a question opens."""
    trace = trace_of(state, context)
    cursor = state.cursor
    for _ in range(ops):
        nxt = move(cursor, trace, Command.NEXT_OP)
        if nxt == cursor:
            return replace(state, cursor=cursor, playing=False), ()
        arrived, effects = arrive(replace(state, cursor=cursor), trace, nxt, context)
        if arrived.quiz is not None:
            return arrived, effects  # a question stops the playback
        cursor = nxt
    if cursor != state.cursor:
        return replace(state, cursor=cursor, progress=0.0 if state.animate else 1.0), ()
    return state, ()


# ----- another lesson, or the same one read again ----------------------------------------------
def first_place(session: Session, zoom: float) -> ViewState:
    """A lesson just trained: its first checkpoint from the start, with the lesson's panels (a
    lesson that opens side by side and names a second cell opens with that comparison)."""
    lesson = session.lesson
    first = session.checkpoint_names[0]
    compare = "cells" if lesson.compare_cell and "compare" in lesson.panels else "checkpoints"
    return ViewState(
        checkpoint=first, cursor=start(session.trace(first)), panels=lesson.panels, zoom=zoom, compare=compare
    )


def returned(state: ViewState, title: str, zoom: float) -> ViewState:
    """Backspace: a lesson as it was left (checkpoint, pass, step, panels), nothing open over it."""
    return replace(
        state,
        training=False,
        mode="step",
        entry="",
        entry_kind="",
        selected=None,
        overlay="",
        zoom=zoom,
        playing=False,
        hover=None,
        quit_asked=False,
        message=f"back to {title}",
    )


def retrained_at(state: ViewState, session: Session, lesson: Lesson) -> StartAt:
    """Where a lesson that must train again (its file changed what training reads) opens:
    the same checkpoint, pass and step, and what still fits the new version."""
    same_cell = lesson.model.cell == session.lesson.model.cell
    same_vocab = lesson.vocab == session.lesson.vocab
    k, _ = position(state.cursor, places.trace_of(session, state))
    return StartAt(
        state.checkpoint,
        state.cursor.phase,
        k - 1,
        state.panels if same_cell else None,
        state.sequence if same_vocab else None,
        state.iteration,
        state.sample if same_vocab else None,
    )


def reloaded(state: ViewState, old: Session, new: Session) -> ViewState:
    """The new version of the lesson over the checkpoints already trained: the same place,
    an open question closed, the sequence kept while the vocabulary is the same."""
    before = places.trace_of(old, state)
    same_vocab = new.lesson.vocab == old.lesson.vocab
    moved = replace(
        quiz.close(state) if state.quiz is not None else state,
        sequence=state.sequence if same_vocab else None,
        sample=state.sample if same_vocab else None,
        hover=None,
        message="lesson reloaded",
    )
    after = places.trace_of(new, moved)
    cursor = same_place(state.cursor, before, after) if state.cursor.phase in after.pass_names else None
    return replace(moved, cursor=cursor or start(after))


# ----- the lesson list ----------------------------------------------------------------------------
def open_number(key: str, lessons: int) -> Effects:
    """1-9: that built-in lesson, if there is one."""
    return (OpenLesson(int(key) - 1),) if key.isdigit() and 1 <= int(key) <= lessons else ()


def list_move(selection: int, command: Command, key: str, lessons: int) -> tuple[int, Effects] | None:
    """The list's own keys, over a lesson or on the start screen; None: not one of them."""
    if command is Command.NEXT_T:
        return min(lessons - 1, selection + 1), ()
    if command is Command.PREV_T:
        return max(0, selection - 1), ()
    if command is Command.SELECT:
        return selection, (OpenLesson(selection),) if lessons else ()
    if command is Command.OPEN_LESSON:
        return selection, open_number(key, lessons)
    return None


def lesson_list(state: ViewState, command: Command, context: Context, key: str) -> tuple[ViewState, Effects]:
    if command in (Command.BACK, Command.LESSONS):
        return replace(state, overlay=""), ()
    moved = list_move(state.selection, command, key, context.lessons)
    if moved is None:
        return state, ()
    selection, effects = moved
    if command in (Command.SELECT, Command.OPEN_LESSON):  # a lesson opens (if there is one)
        return state, effects
    return replace(state, selection=selection), (Select(selection),)


def start_screen(start: Start, command: Command, key: str, lessons: int) -> tuple[Start, Effects]:
    """No lesson open: choose one (arrows, Enter, 1-9), go back to the last one, or quit."""
    if start.message and command is Command.LESSONS:
        return replace(start, message=""), ()
    if command is Command.FULLSCREEN:
        return start, (ToggleFullscreen(),)
    if command is Command.PREVIOUS_LESSON and start.can_go_back:
        return start, (GoBack(),)
    if command is Command.BACK:
        return start, (Quit(),)
    moved = list_move(start.selection, command, key, lessons)
    if moved is None:
        return start, ()
    selection, effects = moved
    return replace(start, selection=selection), effects
