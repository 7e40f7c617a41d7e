"""Every user command and its keys, in ONE table per mode: the app dispatches from it and
the help overlay and status bar are drawn from it, so they can never disagree.

A mode is what the keys mean right now: stepping (BINDINGS), typing into an entry
(ENTRY_BINDINGS, where text arrives as TEXTINPUT and only editing keys are bound), or
nudging a selected weight (WEIGHT_BINDINGS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Command(Enum):
    NEXT_OP = "next op"
    PREV_OP = "previous op"
    NEXT_T = "next timestep"
    PREV_T = "previous timestep"
    FIRST = "first step"
    LAST = "last step"
    PLAY = "play / pause"
    FASTER = "faster"
    SLOWER = "slower"
    NEXT_PASS = "cycle the passes"
    TOGGLE_TRAINED = "untrained / trained"
    PREV_CHECKPOINT = "previous checkpoint"
    NEXT_CHECKPOINT = "next checkpoint"
    GO_TO_ITERATION = "go to iteration"
    COOLER = "colder sampling"
    HOTTER = "hotter sampling"
    RESEED = "new sample seed"
    NUMBERS = "numbers in the code line"
    BIG_NUMBERS = "big numbers: this op alone"
    ANIMATE = "animations on / off"
    LESSONS = "lesson list"
    PREVIOUS_LESSON = "back to previous lesson"
    OPEN_LESSON = "open lesson 1-9"
    FULLSCREEN = "fullscreen"
    ZOOM_IN = "zoom in"
    ZOOM_OUT = "zoom out"
    ZOOM_RESET = "zoom 100%"
    HELP = "help"
    NOTES = "teacher notes"
    SAVE_PNG = "save frame as PNG"
    SAVE_GIF = "save the pass as GIF"
    PANEL_HEATMAP = "hidden-state heatmap"
    PANEL_GATES = "gates over time"
    PANEL_GRADIENTS = "gradients through time"
    PANEL_CONTRIBUTIONS = "contribution of each step"
    PANEL_TRAJECTORY = "hidden-state trajectory"
    PANEL_RESPONSES = "unit responses"
    PANEL_HISTORY = "training history"
    PANEL_COMPARE = "side by side: checkpoints, cells, sequences, off"
    WEIGHT_CHANGES = "weights changed since untrained"
    BACK = "close overlay / quit (asks)"
    SELECT = "choose"
    TYPE_SEQUENCE = "type a sequence"
    EDIT_WEIGHT = "type a weight's value"
    UNDO = "undo a change"
    RESTORE_WEIGHTS = "restore the weights"
    TRAIN_LIVE = "train live / pause"
    FRESH_WEIGHTS = "fresh random weights"
    NEXT_OPTIMIZER = "next optimizer"
    RATE_UP = "learning rate x2"
    RATE_DOWN = "learning rate /2"
    KEEP_LIVE = "keep as a checkpoint"
    SAVE_WEIGHTS = "save weights (.npz)"
    ENTRY_DELETE = "delete the last character"
    ENTRY_ACCEPT = "accept"
    ENTRY_CANCEL = "cancel"
    NUDGE_UP = "weight +0.1"
    NUDGE_DOWN = "weight -0.1"
    NUDGE_UP_LARGE = "weight +1"
    NUDGE_DOWN_LARGE = "weight -1"
    WEIGHT_DONE = "done with it"


@dataclass(frozen=True, slots=True)
class Binding:
    command: Command
    keys: tuple[str, ...]  # key names as `key_name` in the app produces them
    label: str  # what the help overlay shows for the keys
    group: str


BINDINGS: tuple[Binding, ...] = (
    Binding(Command.NEXT_OP, ("right", "page down"), "→  PgDn", "Step"),
    Binding(Command.PREV_OP, ("left", "page up"), "←  PgUp", "Step"),
    Binding(Command.NEXT_T, ("down", "shift+right"), "↓  Shift+→", "Step"),
    Binding(Command.PREV_T, ("up", "shift+left"), "↑  Shift+←", "Step"),
    Binding(Command.FIRST, ("home",), "Home", "Step"),
    Binding(Command.LAST, ("end",), "End", "Step"),
    Binding(Command.PLAY, ("space",), "Space", "Step"),
    Binding(Command.FASTER, ("+",), "+", "Step"),
    Binding(Command.SLOWER, ("-",), "-", "Step"),
    Binding(Command.NEXT_PASS, ("b",), "B", "Model"),
    Binding(Command.TOGGLE_TRAINED, ("t",), "T", "Model"),
    Binding(Command.PREV_CHECKPOINT, ("[",), "[", "Model"),
    Binding(Command.NEXT_CHECKPOINT, ("]",), "]", "Model"),
    Binding(Command.GO_TO_ITERATION, ("k",), "K", "Model"),
    Binding(Command.COOLER, (",",), ",", "Model"),
    Binding(Command.HOTTER, (".",), ".", "Model"),
    Binding(Command.RESEED, ("x",), "X", "Model"),
    Binding(Command.TYPE_SEQUENCE, ("e",), "E", "Change"),
    Binding(Command.EDIT_WEIGHT, ("=",), "=", "Change"),
    Binding(Command.UNDO, ("ctrl+z",), "Ctrl Z", "Change"),
    Binding(Command.RESTORE_WEIGHTS, ("ctrl+r",), "Ctrl R", "Change"),
    Binding(Command.TRAIN_LIVE, ("f5",), "F5", "Change"),
    Binding(Command.FRESH_WEIGHTS, ("f6",), "F6", "Change"),
    Binding(Command.NEXT_OPTIMIZER, ("f7",), "F7", "Change"),
    Binding(Command.RATE_UP, ("f8",), "F8", "Change"),
    Binding(Command.RATE_DOWN, ("f9",), "F9", "Change"),
    Binding(Command.KEEP_LIVE, ("ctrl+k",), "Ctrl K", "Change"),
    Binding(Command.SAVE_WEIGHTS, ("ctrl+s",), "Ctrl S", "Change"),
    Binding(Command.NUMBERS, ("n",), "N", "Show"),
    Binding(Command.BIG_NUMBERS, ("z",), "Z", "Show"),
    Binding(Command.ANIMATE, ("a",), "A", "Show"),
    Binding(Command.HELP, ("h", "?"), "H  ?", "Show"),
    Binding(Command.NOTES, ("p",), "P", "Show"),
    Binding(Command.LESSONS, ("l",), "L", "Lessons"),
    Binding(Command.OPEN_LESSON, tuple(str(n) for n in range(1, 10)), "1-9", "Lessons"),
    Binding(Command.PREVIOUS_LESSON, ("backspace",), "Backspace", "Lessons"),
    Binding(Command.FULLSCREEN, ("f11", "f"), "F11  F", "Window"),
    Binding(Command.ZOOM_IN, ("ctrl++",), "Ctrl +", "Window"),
    Binding(Command.ZOOM_OUT, ("ctrl+-",), "Ctrl -", "Window"),
    Binding(Command.ZOOM_RESET, ("ctrl+0",), "Ctrl 0", "Window"),
    Binding(Command.SAVE_PNG, ("s",), "S", "Window"),
    Binding(Command.SAVE_GIF, ("g",), "G", "Window"),
    Binding(Command.PANEL_HEATMAP, ("m",), "M", "Panels"),
    Binding(Command.PANEL_GATES, ("o",), "O", "Panels"),
    Binding(Command.PANEL_GRADIENTS, ("d",), "D", "Panels"),
    Binding(Command.PANEL_CONTRIBUTIONS, ("c",), "C", "Panels"),
    Binding(Command.PANEL_TRAJECTORY, ("r",), "R", "Panels"),
    Binding(Command.PANEL_RESPONSES, ("u",), "U", "Panels"),
    Binding(Command.PANEL_HISTORY, ("i",), "I", "Panels"),
    Binding(Command.PANEL_COMPARE, ("v",), "V", "Panels"),
    Binding(Command.WEIGHT_CHANGES, ("w",), "W", "Show"),
    Binding(Command.SELECT, ("return",), "Enter", "Lessons"),
    Binding(Command.BACK, ("escape",), "Esc", "Window"),
)

#: What the status bar asks after one Esc with nothing to close.
QUIT_QUESTION = "press Esc again to quit"

#: The three keys the status bar always shows.
STATUS_HINTS = (Command.NEXT_OP, Command.NEXT_PASS, Command.HELP)

#: Typing into an entry (the iteration number): text comes as TEXTINPUT, these keys edit.
ENTRY_BINDINGS: tuple[Binding, ...] = (
    Binding(Command.ENTRY_DELETE, ("backspace",), "Backspace", "Entry"),
    Binding(Command.ENTRY_ACCEPT, ("return",), "Enter", "Entry"),
    Binding(Command.ENTRY_CANCEL, ("escape",), "Esc", "Entry"),
)

#: A weight cell selected (clicked): the arrows and the wheel nudge it.
WEIGHT_BINDINGS: tuple[Binding, ...] = (
    Binding(Command.NUDGE_UP, ("up",), "↑", "Weight"),
    Binding(Command.NUDGE_DOWN, ("down",), "↓", "Weight"),
    Binding(Command.NUDGE_UP_LARGE, ("page up",), "PgUp", "Weight"),
    Binding(Command.NUDGE_DOWN_LARGE, ("page down",), "PgDn", "Weight"),
    Binding(Command.EDIT_WEIGHT, ("=", "return"), "=  Enter", "Weight"),
    Binding(Command.UNDO, ("ctrl+z",), "Ctrl Z", "Weight"),
    Binding(Command.RESTORE_WEIGHTS, ("ctrl+r",), "Ctrl R", "Weight"),
    Binding(Command.WEIGHT_DONE, ("escape",), "Esc", "Weight"),
)

#: Each mode's one table; ViewState.mode names the one in force.
MODES: dict[str, tuple[Binding, ...]] = {"step": BINDINGS, "entry": ENTRY_BINDINGS, "weight": WEIGHT_BINDINGS}
KEYMAPS: dict[str, dict[str, Command]] = {
    mode: {key: b.command for b in table for key in b.keys} for mode, table in MODES.items()
}
KEYMAP = KEYMAPS["step"]


#: Panel toggles, by the panel names lessons and --panels use.
PANEL_COMMANDS: dict[Command, str] = {
    Command.PANEL_HEATMAP: "heatmap",
    Command.PANEL_GATES: "gates",
    Command.PANEL_GRADIENTS: "gradients",
    Command.PANEL_CONTRIBUTIONS: "contributions",
    Command.PANEL_TRAJECTORY: "trajectory",
    Command.PANEL_RESPONSES: "responses",
    Command.PANEL_HISTORY: "history",
    Command.PANEL_COMPARE: "compare",
}


def binding(command: Command) -> Binding:
    for b in (b for table in MODES.values() for b in table):
        if b.command is command:
            return b
    raise KeyError(command)
