"""What each text entry takes. An entry is a mode with its own key table (stepper.commands:
Backspace, Enter, Esc) while TEXTINPUT brings the typed text; each kind says what it keeps.
Later entries (a typed sequence, an answer to a question) are more kinds here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EntryKind:
    prompt: str  # the status bar's words before what has been typed
    keeps: Callable[[str], bool]  # per typed character
    longest: int
    refusal: str  # said when a character is not kept


ENTRIES: dict[str, EntryKind] = {
    "iteration": EntryKind("go to iteration", str.isdigit, 7, "the iteration is a number: type digits"),
    # Any character: one the vocabulary lacks is marked where it stands (stepper.symbols).
    "sequence": EntryKind("new sequence", str.isprintable, 8 * 1001, "a symbol is a printable character"),
    "weight": EntryKind("value", lambda c: c in "0123456789.-+eE\u2212", 24, "a value is a number: -0.5"),
}
