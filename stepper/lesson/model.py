"""Validated lesson objects: what the rest of the app reads. No YAML here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from stepper.train import TrainConfig

PANEL_NAMES = (
    "heatmap",
    "gates",
    "gradients",
    "contributions",
    "trajectory",
    "responses",
    "history",
    "compare",
)


@dataclass(frozen=True)
class Model:
    cell: str  # rnn | gru | lstm
    hidden_size: int
    init_scale: float
    seed: int


@dataclass(frozen=True)
class Training:
    optimizer: str  # sgd | adagrad | adam
    learning_rate: float
    iterations: int
    seq_length: int
    clip: float | None
    checkpoints: tuple[tuple[str, int], ...]  # (name, iteration), in iteration order


@dataclass(frozen=True)
class Sample:
    """How the sample pass writes unless the user changes it (keys or --sample options)."""

    length: int = 20
    temperature: float = 1.0  # 0 is greedy: the likeliest symbol every time
    seed: int = 0
    prime: tuple[int, ...] | None = None  # None: the first symbol of the playback


@dataclass(frozen=True)
class Caption:
    """Narration shown while the cursor matches every field that is set."""

    text: str  # may hold {placeholders} filled from the current step
    checkpoint: str | None = None
    phase: str | None = None  # forward | backward
    t: int | str | None = None  # a timestep (negative: from the end), or a slice such as "1:"
    op: str | None = None
    when: str | None = None  # a guard in the claims language: shown only where it holds; --check
    # reports it where it fails on the lesson's own sequence
    condition: str | None = None  # `if:`, the same language: shown only where it holds, never reported
    line: int = field(default=0, compare=False)  # where it stands in the file, for --check
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Claim:
    """A checkable statement about one checkpoint's numbers, verified by --check."""

    text: str  # the statement as the teacher wrote it
    checkpoint: str
    line: int  # where it stands in the file, for error messages
    check: str  # the expression that decides it (see stepper.lesson.claims)
    column: int = 1


@dataclass(frozen=True)
class Lesson:
    path: Path
    title: str
    summary: str
    teacher_notes: str
    vocab: tuple[str, ...]
    model: Model
    data: tuple[int, ...]  # training stream, as vocabulary indices
    training: Training
    playback: tuple[int, ...]  # sequence stepped through: input s_t, target s_(t+1)
    panels: tuple[str, ...]  # panels open at start
    captions: tuple[Caption, ...]
    claims: tuple[Claim, ...]
    compare_cell: str | None = None  # a second cell for side-by-side, if the lesson names one
    sample: Sample = Sample()

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            cell=self.model.cell,
            vocab_size=len(self.vocab),
            hidden_size=self.model.hidden_size,
            init_scale=self.model.init_scale,
            seed=self.model.seed,
            optimizer=self.training.optimizer,
            learning_rate=self.training.learning_rate,
            iterations=self.training.iterations,
            seq_length=self.training.seq_length,
            clip=self.training.clip,
            checkpoints=dict(self.training.checkpoints),
        )

    def encode(self, symbols: list[str] | tuple[str, ...]) -> tuple[int, ...]:
        index = {s: i for i, s in enumerate(self.vocab)}
        return tuple(index[s] for s in symbols)

    @property
    def checkpoint_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.training.checkpoints)

    def compare_lesson(self) -> Lesson | None:
        """The side-by-side model: this lesson with the other cell, same data, seed and training.

        Its captions and claims are dropped: they name this cell's ops and gates.
        """
        if self.compare_cell is None:
            return None
        return replace(
            self,
            model=replace(self.model, cell=self.compare_cell),
            captions=(),
            claims=(),
            compare_cell=None,
        )
