"""A lesson with its training done: checkpoints and the traces recorded from them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np

from stepper.cells import CELLS
from stepper.edits import Edit, edited
from stepper.lesson.claims import claim_values, value_shapes
from stepper.lesson.model import Lesson
from stepper.lesson.notes import fill_notes, note_placeholders
from stepper.optim import OptimizerState
from stepper.params import Params
from stepper.passes.sample import SampleSettings, with_sample
from stepper.passes.update import with_update
from stepper.record import record
from stepper.replay import Iteration, replay
from stepper.trace import Chunk, Trace
from stepper.train import Checkpoint, TrainResult, train

NEXT = ("the next chunk",)  # in a trace's key: a paused run's own chunk, not a sequence
TRACES_KEPT = 48  # recorded traces a session keeps (each a few hundred kB at most)


@dataclass(frozen=True)
class Kept:
    """Weights trained in the window: the checkpoint, and how its run would go on."""

    checkpoint: Checkpoint
    optimizer: str
    learning_rate: float
    state: OptimizerState = field(repr=False)
    history: np.ndarray = field(repr=False)  # loss per iteration, from the run's first weights
    marks: tuple[tuple[str, int], ...] = ()  # checkpoints on that history
    next: NextChunk | None = None  # a paused run: the iteration it makes next, to step through


@dataclass(frozen=True)
class NextChunk:
    """The chunk a paused run trains on next, the state it carries in, and the gradient the
    trainer's own code computes there (the update pass starts from it, so its last line
    lands on the run's next weights bit for bit)."""

    inputs: tuple[int, ...]
    targets: tuple[int, ...]
    h0: tuple[np.ndarray, ...] = field(repr=False)
    grad: Params = field(repr=False)


@dataclass
class Session:
    """Trains once; records each (weights, sequence) trace once and keeps the recent ones.

    `lesson` is the lesson as trained here: numbers its teacher notes name
    (`{min(prob) @ trained:.2f}`) are filled in from this training.
    """

    lesson: Lesson
    result: TrainResult
    _traces: OrderedDict[tuple, Trace] = field(default_factory=OrderedDict, repr=False)
    _iterations: OrderedDict[int, Iteration] = field(default_factory=OrderedDict, repr=False)
    kept: dict[str, Kept] = field(default_factory=dict, repr=False)  # trained in the window, by name

    def __post_init__(self) -> None:
        if note_placeholders(self.lesson.teacher_notes):
            self.lesson = replace(self.lesson, teacher_notes=self.filled_notes(self.lesson.teacher_notes))

    def filled_notes(self, text: str) -> str:
        lesson = self.lesson
        steps = len(lesson.playback) - 1
        shapes = value_shapes(lesson.model.cell, steps, len(lesson.vocab), lesson.model.hidden_size)
        return fill_notes(text, shapes, self.note_values)

    def note_values(self, checkpoint: str) -> dict[str, np.ndarray] | None:
        """What a note's placeholder reads at `checkpoint`; None if training never reached it."""
        if checkpoint not in self.checkpoint_names:
            return None
        return claim_values(self.trace(checkpoint), self.result.checkpoint(checkpoint).loss)

    @classmethod
    def open(cls, lesson: Lesson) -> Session:
        return cls(lesson, train(lesson.train_config(), lesson.data))

    @property
    def checkpoint_names(self) -> tuple[str, ...]:
        return (*(c.name for c in self.result.checkpoints), *self.kept)

    def checkpoint(self, name: str) -> Checkpoint:
        """A checkpoint of the lesson's training, or weights trained in the window."""
        return self.kept[name].checkpoint if name in self.kept else self.result.checkpoint(name)

    def params(self, checkpoint: str) -> Params:
        return self.checkpoint(checkpoint).params

    def keep(self, kept: Kept) -> None:
        """Weights trained in the window, shown and exported like any checkpoint; a name kept
        again (the live run, every frame) replaces the old weights and forgets their traces."""
        name = kept.checkpoint.name
        if name in self.kept:
            for key in [k for k in self._traces if k[0] == name]:
                del self._traces[key]
        self.kept[name] = kept

    def drop(self, name: str) -> None:
        """Forget weights kept from the window, and their traces."""
        self.kept.pop(name, None)
        for key in [k for k in self._traces if k[0] == name]:
            del self._traces[key]

    @property
    def last_iteration(self) -> int:
        """The last iteration that can be replayed: one whose update the trainer made (none
        without the trainer's snapshots, as for a result made outside stepper.train)."""
        return self.result.last.iteration - 1 if self.result.snapshots else -1

    def iteration(self, k: int) -> Iteration:
        """Training iteration k exactly as it happened (replayed, kept for a while)."""
        if not 0 <= k <= self.last_iteration:
            raise ValueError(f"iteration {k} is outside 0..{self.last_iteration}")
        found = self._iterations.get(k)
        if found is None:
            config = self.lesson.train_config()
            found = replay(config, self.lesson.data, self.result.snapshots, k)
            self._iterations[k] = found
            if len(self._iterations) > TRACES_KEPT:
                self._iterations.popitem(last=False)
        return found

    def trace(
        self,
        checkpoint: str,
        sequence: tuple[int, ...] | None = None,
        iteration: int | None = None,
        sample: SampleSettings | None = None,
        edits: tuple[Edit, ...] = (),
    ) -> Trace:
        """Every pass at a place: a checkpoint's weights on a sequence (the lesson's
        playback by default), or training iteration `iteration` on its own chunk; with a
        student's `edits` to those weights, if any."""
        settings = sample or self.sample_settings()
        seq = self.lesson.playback if sequence is None else sequence
        kept = self.kept.get(checkpoint)
        if kept is not None and kept.next is not None and sequence is None and iteration is None:
            seq = NEXT  # a paused run shows the iteration it makes next, on its own chunk
        key = (checkpoint, seq, iteration, settings, edits)
        found = self._traces.get(key)
        if found is None:
            base_key = (checkpoint, seq, iteration, edits)
            base = self._traces.get(base_key)
            if base is None:
                base = self._record(checkpoint, seq, iteration, edits)
                self._keep(base_key, base)
            found = self._sampled(base, settings)
            self._keep(key, found)
        self._traces.move_to_end(key)
        return found

    def forward_backward(self, checkpoint: str, sequence: tuple[int, ...] | None = None) -> Trace:
        """Only the forward and backward passes: what live training redraws every frame
        (its update and sample passes are recorded once it pauses)."""
        seq = self.lesson.playback if sequence is None else sequence
        key = (checkpoint, seq, "forward and backward")
        found = self._traces.get(key)
        if found is None:
            found = record_sequence(self.params(checkpoint), self.lesson.vocab, seq)
            self._keep(key, found)
        return found

    def sample_settings(self) -> SampleSettings:
        s = self.lesson.sample
        return SampleSettings(s.length, s.temperature, s.seed, s.prime)

    def _keep(self, key: tuple, trace: Trace) -> None:
        self._traces[key] = trace
        while len(self._traces) > TRACES_KEPT:
            self._traces.popitem(last=False)

    def _record(
        self, checkpoint: str, sequence: tuple[int, ...], iteration: int | None, edits: tuple[Edit, ...]
    ) -> Trace:
        config = self.lesson.train_config()
        if sequence is NEXT:
            k = self.kept[checkpoint]
            assert k.next is not None
            chunk = k.next
            params = edited(k.checkpoint.params, edits)
            trace = record(params, self.lesson.vocab, chunk.inputs, chunk.targets, chunk.h0)
            trace = replace(trace, chunk=Chunk(k.checkpoint.iteration, chunk.h0))
            grad = None if edits else chunk.grad
            return with_update(trace, k.optimizer, k.learning_rate, config.clip, k.state, grad)
        if iteration is not None:
            it = self.iteration(iteration)
            trace = record(edited(it.params, edits), self.lesson.vocab, it.inputs, it.targets, it.h0)
            trace = replace(trace, chunk=Chunk(iteration, it.h0))
            # Edited weights have gradients of their own: the update reads the trace's.
            state, grad = it.optimizer, None if edits else it.grad
        else:
            params = edited(self.params(checkpoint), edits)
            trace = record_sequence(params, self.lesson.vocab, sequence)
            if checkpoint in self.kept:  # the update the window's own training would make next
                k = self.kept[checkpoint]
                return with_update(trace, k.optimizer, k.learning_rate, config.clip, k.state)
            state, grad = self._optimizer_at(self.result.checkpoint(checkpoint).iteration), None
        return with_update(trace, config.optimizer, config.learning_rate, config.clip, state, grad)

    def _optimizer_at(self, k: int) -> OptimizerState:
        """The optimizer's state before iteration k (the state the last update left at the end)."""
        if k <= self.last_iteration:
            return self.iteration(k).optimizer
        if k == 0 or not self.result.snapshots:  # nothing trained, or nothing to replay from
            config = self.lesson.train_config()
            size = self.result.last.params.flat.size
            v = np.zeros(size) if config.optimizer == "adam" else None
            return OptimizerState(0, np.zeros(size), v)
        return self.iteration(k - 1).optimizer_after

    def _sampled(self, trace: Trace, settings: SampleSettings) -> Trace:
        prime = settings.prime or trace.inputs[:1]
        cell = CELLS[trace.cell]
        if len(prime) > 1:  # the state after all but the last prime symbol
            warm = record(trace.params, trace.vocab, prime[:-1], prime[1:])
            state = tuple(warm.summary[s][-1] for s in cell.state)
        else:
            state = tuple(np.zeros(trace.hidden_size) for _ in cell.state)
        return with_sample(trace, replace(settings, prime=tuple(prime)), state)


def record_sequence(params: Params, vocab: tuple[str, ...], sequence: tuple[int, ...]) -> Trace:
    """Step t has input s_t and target s_(t+1): N symbols play N-1 steps."""
    return record(params, vocab, sequence[:-1], sequence[1:])
