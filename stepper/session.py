"""A lesson with its training done: checkpoints and the traces recorded from them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from stepper.edits import Edit, edited
from stepper.lesson.claims import claim_values, value_shapes
from stepper.lesson.model import Lesson
from stepper.lesson.notes import fill_notes, note_placeholders
from stepper.params import Params
from stepper.record import record
from stepper.trace import Trace
from stepper.train import TrainResult, train

TRACES_KEPT = 48  # recorded traces a session keeps, oldest dropped first


@dataclass
class Session:
    """Trains once; records each (weights, sequence) trace once and keeps it.

    `lesson` is the lesson as trained here: numbers its teacher notes name
    (`{min(prob) @ trained:.2f}`) are filled in from this training.
    """

    lesson: Lesson
    result: TrainResult
    _traces: dict[tuple, Trace] = field(default_factory=dict, repr=False)

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
        return tuple(c.name for c in self.result.checkpoints)

    def params(self, checkpoint: str) -> Params:
        return self.result.checkpoint(checkpoint).params

    def trace(
        self, checkpoint: str, sequence: tuple[int, ...] | None = None, edits: tuple[Edit, ...] = ()
    ) -> Trace:
        """A checkpoint's weights (with a student's edits, if any) on a sequence."""
        seq = self.lesson.playback if sequence is None else sequence
        key = (checkpoint, seq, edits)
        if key not in self._traces:
            if len(self._traces) >= TRACES_KEPT:  # edits and typed sequences make many keys
                self._traces.pop(next(iter(self._traces)))
            params = edited(self.params(checkpoint), edits)
            self._traces[key] = record_sequence(params, self.lesson.vocab, seq)
        return self._traces[key]


def record_sequence(params: Params, vocab: tuple[str, ...], sequence: tuple[int, ...]) -> Trace:
    """Step t has input s_t and target s_(t+1): N symbols play N-1 steps."""
    return record(params, vocab, sequence[:-1], sequence[1:])
