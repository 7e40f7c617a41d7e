"""Going somewhere besides the next op: a training iteration, the sampler's settings, and
the entry a number is typed into. Pure: a state and the session in, a new state out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stepper import changes
from stepper.edits import Edit
from stepper.entries import ENTRIES
from stepper.navigation import Cursor, at_step, same_place, start
from stepper.passes.sample import TEMPERATURES, SampleSettings
from stepper.session import Session
from stepper.state import ViewState
from stepper.trace import FORWARD, SAMPLE


def trace_of(session: Session, state: ViewState):
    """The trace a state shows: a checkpoint on its sequence, or iteration K on its chunk."""
    if state.training and state.iteration is None and not state.edits:  # redrawn every frame
        return session.forward_backward(state.checkpoint, state.sequence)
    return session.trace(state.checkpoint, state.sequence, state.iteration, state.sample, state.edits)


def open_entry(state: ViewState, kind: str, text: str = "") -> ViewState:
    """An entry of `kind`, holding `text` to start from (a sequence: the one played now)."""
    return replace(state, mode="entry", entry_kind=kind, entry=text, playing=False, message="")


def typed(state: ViewState, text: str) -> ViewState:
    """TEXTINPUT in the entry: what its kind keeps is kept; anything else is refused, with why."""
    kind = ENTRIES[state.entry_kind]
    if not all(kind.keeps(c) for c in text):
        return replace(state, message=kind.refusal)
    return replace(state, entry=(state.entry + text)[: kind.longest], message="")


def delete_last(state: ViewState) -> ViewState:
    return replace(state, entry=state.entry[:-1])


def cancel_entry(state: ViewState) -> ViewState:
    """Esc: back to the table the entry was opened from (a selected weight keeps its own)."""
    mode = "weight" if state.entry_kind == "weight" and state.selected is not None else "step"
    return replace(state, mode=mode, entry="", entry_kind="", message="")


def accept_entry(state: ViewState, session: Session) -> ViewState:
    """Enter: go to the typed iteration (refused with the range if it is outside), play the
    typed sequence, or set the selected weight."""
    if state.entry_kind == "sequence":
        return changes.accept_sequence(state, session, trace_of)
    if state.entry_kind == "weight":
        return changes.accept_weight(state, session, trace_of)
    last = session.last_iteration
    if not state.entry or last < 0:
        return go_to_iteration(cancel_entry(state), session, 0) if last < 0 else cancel_entry(state)
    k = int(state.entry)
    if not 0 <= k <= last:
        return replace(state, message=f"iteration {k} is outside 0..{last}: type again or Esc")
    return go_to_iteration(replace(state, mode="step", entry="", entry_kind=""), session, k)


def go_to_iteration(state: ViewState, session: Session, k: int) -> ViewState:
    """Iteration K on its own chunk, at the same pass and as near the same place as exists;
    the checkpoint becomes the last one at or before K (what [ and ] move from)."""
    if session.last_iteration < 0:
        return replace(state, message="no training iteration to replay: this training made no update")
    k = max(0, min(k, session.last_iteration))
    old = trace_of(session, state)
    checkpoints = session.result.checkpoints
    before = [c.name for c in checkpoints if c.iteration <= k] or [checkpoints[0].name]
    moved = replace(state, iteration=k, checkpoint=before[-1], message="")
    new = trace_of(session, moved)
    cursor = same_place(state.cursor, old, new) if state.cursor.phase in new.pass_names else start(new)
    return replace(moved, cursor=cursor)


def step_checkpoint(state: ViewState, session: Session, direction: int) -> ViewState | None:
    """[ and ] from iteration K: the checkpoint before or after K (None: none that way)."""
    assert state.iteration is not None
    k = state.iteration
    marks = session.result.checkpoints
    names = [c.name for c in marks if (c.iteration > k if direction > 0 else c.iteration <= k)]
    if not names:
        return None
    target = names[0] if direction > 0 else names[-1]
    old = trace_of(session, state)
    moved = replace(state, iteration=None, checkpoint=target, message="")
    return replace(moved, cursor=same_place(state.cursor, old, trace_of(session, moved)))


def resample(state: ViewState, session: Session, temperature: float | None = None, seed: int | None = None):
    """New sampler settings; in the sample pass the cursor keeps its op, on the new text."""
    settings = state.sample or session.sample_settings()
    settings = replace(
        settings,
        temperature=settings.temperature if temperature is None else temperature,
        seed=settings.seed if seed is None else seed,
    )
    old = trace_of(session, state)
    moved = replace(state, sample=settings)
    new = trace_of(session, moved)
    cursor = state.cursor
    if cursor.phase == SAMPLE:
        k = cursor.index - old.phase_range(SAMPLE).start
        span = new.phase_range(SAMPLE)
        cursor = Cursor(SAMPLE, span.start + min(k, len(span) - 1))
    else:  # an earlier pass: the same steps in the new trace
        cursor = Cursor(cursor.phase, cursor.index)
    words = "greedy (argmax)" if settings.temperature == 0 else f"temperature {settings.temperature:g}"
    return replace(moved, cursor=cursor, message=f"sample: {words}, seed {settings.seed}")


def temperature_step(state: ViewState, session: Session, direction: int) -> ViewState:
    current = (state.sample or session.sample_settings()).temperature
    if direction > 0:
        higher = [t for t in TEMPERATURES if t > current]
        wanted = higher[0] if higher else TEMPERATURES[-1]
    else:
        lower = [t for t in TEMPERATURES if t < current]
        wanted = lower[-1] if lower else TEMPERATURES[0]
    return resample(state, session, temperature=wanted)


def reseed(state: ViewState, session: Session) -> ViewState:
    return resample(state, session, seed=(state.sample or session.sample_settings()).seed + 1)


@dataclass(frozen=True)
class StartAt:
    """Where the command line asks the first lesson to open (already checked against it)."""

    checkpoint: str | None = None
    phase: str = FORWARD
    step: int = 0
    panels: tuple[str, ...] | None = None
    sequence: tuple[int, ...] | None = None
    iteration: int | None = None  # --iteration K
    sample: SampleSettings | None = None  # --sample, --temperature, --seed, --prime
    edits: tuple[Edit, ...] = ()  # --edit

    def applied(self, state: ViewState, session: Session) -> ViewState:
        names = session.checkpoint_names
        checkpoint = self.checkpoint if self.checkpoint in names else state.checkpoint
        panels = state.panels if self.panels is None else self.panels
        note = state.message
        if self.checkpoint is not None and self.checkpoint not in names:  # diverged before it
            why = "training stopped" if session.result.divergence else "training did not diverge"
            note = f"{self.checkpoint!r} was never reached ({why}); showing {checkpoint}"
        placed = replace(
            state,
            checkpoint=checkpoint,
            sequence=self.sequence,
            panels=panels,
            sample=self.sample,
            edits=self.edits,
        )
        if self.iteration is not None:
            placed = go_to_iteration(placed, session, self.iteration)
        trace = trace_of(session, placed)
        return replace(placed, cursor=at_step(trace, self.phase, self.step), message=note)
