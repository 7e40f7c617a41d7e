"""The app's whole visible state: frozen, replaced by each command."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stepper.edits import Edit
from stepper.navigation import Cursor
from stepper.passes.sample import SampleSettings


@dataclass(frozen=True, slots=True)
class Hover:
    kind: str  # "cell" | "token"
    name: str  # array or token name
    index: tuple[int, ...] = ()
    pos: tuple[int, int] = (0, 0)  # the pointer, where the value box is drawn
    value: float | None = None  # the number under the pointer, as drawn


@dataclass(frozen=True, slots=True)
class ViewState:
    checkpoint: str
    cursor: Cursor
    sequence: tuple[int, ...] | None = None  # played instead of the lesson's own (--sequence)
    numbers: bool = False  # N: the lit line with its numbers substituted
    overlay: str = ""  # "" | "help" | "notes" | "lessons" | "big" (the current op alone, Z)
    playing: bool = False
    speed: float = 2.0  # ops per second while playing
    zoom: float = 1.0
    fullscreen: bool = False
    animate: bool = True
    progress: float = 1.0  # of the transition into the current op; 1.0 is settled
    hover: Hover | None = None
    message: str = ""  # one line for the status bar (saved file, refused key...)
    quit_asked: bool = False  # Esc pressed once with nothing to close: the next Esc quits
    panels: tuple[str, ...] = ()  # open panels, in the order they were opened
    compare: str = "checkpoints"  # what the side-by-side panel sets against this frame
    weight_changes: bool = False  # W: colour each weight by its change since the first checkpoint
    selection: int = 0  # highlighted row of the lesson list
    notes_scroll: int = 0  # first line of the teacher notes shown
    iteration: int | None = None  # a training iteration replayed on its own chunk (K), or None
    sample: SampleSettings | None = None  # how the sample pass writes; None: the lesson's own
    mode: str = "step"  # whose key table is in force: "step", "entry", "weight" (commands.MODES)
    entry_kind: str = ""  # what the open entry is for (stepper.entries.ENTRIES)
    entry: str = ""  # what has been typed into it
    edits: tuple[Edit, ...] = ()  # the student's changes to the checkpoint's weights
    selected: tuple[str, tuple[int, ...]] | None = None  # the weight cell the arrows and wheel nudge
    training: bool = False  # training live (F5): a slice of iterations every frame
    undo: tuple = ()  # (sequence, edits) before each change, oldest first (Ctrl+Z)

    def exported(self) -> ViewState:
        """What a saved image (S, G, --screenshot, frames) shows: the settled frame, without
        the status bar's passing notes ("saving ...", "zoom 150%") or the Esc question."""
        return replace(self, message="", quit_asked=False, progress=1.0, playing=False)
