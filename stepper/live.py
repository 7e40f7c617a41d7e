"""Training inside the window: the trainer's own loop (stepper.train), run a slice per frame
from whatever weights are shown, so N iterations here land on the bits N iterations of
`train()` make from the same weights and settings."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from stepper.cells import CELLS
from stepper.lesson.load import MAX_ITERATIONS
from stepper.optim import OPTIMIZERS, Optimizer
from stepper.params import Params
from stepper.session import Kept, NextChunk
from stepper.train import Checkpoint, TrainConfig, next_chunk, training_stream

LIVE = "live"  # the checkpoint name of the run in progress
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 1.0, 3.0)
CHECK_EVERY = 8  # iterations between looks at the clock


@dataclass(frozen=True)
class LiveSettings:
    """What can change before a run starts (F6, F7, F8/F9)."""

    optimizer: str
    learning_rate: float
    seed: int | None = None  # the fresh initialisation last drawn (F6), if any

    def next_optimizer(self) -> LiveSettings:
        return replace(self, optimizer=OPTIMIZERS[(OPTIMIZERS.index(self.optimizer) + 1) % len(OPTIMIZERS)])

    def rate_step(self, direction: int) -> LiveSettings:
        """The next rate of RATES up or down from the current one (which may lie between)."""
        if direction > 0:
            wanted = next((r for r in RATES if r > self.learning_rate), RATES[-1])
        else:
            wanted = next((r for r in reversed(RATES) if r < self.learning_rate), RATES[0])
        return replace(self, learning_rate=wanted)

    def words(self) -> str:
        return f"{self.optimizer} lr {self.learning_rate:g}"


class LiveRun:
    """One run: min-char-rnn's loop over the lesson's data, from `start`."""

    def __init__(
        self,
        config: TrainConfig,
        data: Sequence[int],
        start: Params,
        settings: LiveSettings,
        first_iteration: int = 0,
        history: np.ndarray | None = None,
        marks: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.cell = CELLS[config.cell]
        self.settings = settings
        self.params = start.copy()
        self.grads = self.params.zeros_like()
        size = self.params.flat.size
        self.optimizer = Optimizer(settings.optimizer, size, settings.learning_rate, config.clip)
        self.stream = training_stream(data, config.seq_length)
        self.seq = min(config.seq_length, self.stream.size - 1)
        self.zero_state = tuple(np.zeros(config.hidden_size) for _ in self.cell.state)
        self.state = self.zero_state
        self.pointer = 0
        self.done = 0  # iterations this run has made
        self.first = first_iteration  # the iteration its first weights stood at
        start_losses = np.zeros(0) if history is None else np.asarray(history[:first_iteration], dtype=float)
        self._losses = np.empty(max(1024, 2 * start_losses.size))  # grown by doubling
        self._losses[: start_losses.size] = start_losses
        self._count = start_losses.size
        self.marks = marks
        self.stopped = ""  # why the run cannot go on (NaN or inf), or ""
        self._backup = np.empty_like(self.params.flat)

    def run(self, seconds: float = math.inf, iterations: int | None = None) -> int:
        """Train until `seconds` have passed or `iterations` more are done; returns how many."""
        deadline = time.perf_counter() + seconds
        goal = math.inf if iterations is None else self.done + iterations
        made = 0
        params, grads, optimizer = self.params, self.grads, self.optimizer
        with np.errstate(all="ignore"):
            while not self.stopped and self.done < goal:
                if self.iteration >= MAX_ITERATIONS:
                    self.stopped = f"{MAX_ITERATIONS:,} iterations, a lesson's most"
                    break
                pointer, state, inputs, targets = next_chunk(
                    self.stream, self.pointer, self.seq, self.state, self.zero_state
                )
                loss, state = self.cell.loss_and_grads(params, grads, inputs, targets, state)
                if not (math.isfinite(loss) and math.isfinite(float(grads.flat.sum()))):
                    self.stopped = f"the loss became NaN or inf at iteration {self.iteration}"
                    break
                np.copyto(self._backup, params.flat)
                optimizer.step(params.flat, grads.flat)
                if not math.isfinite(float(params.flat.sum())):
                    np.copyto(params.flat, self._backup)
                    self.stopped = f"a weight became NaN or inf at iteration {self.iteration + 1}"
                    break
                self.pointer, self.state = pointer + self.seq, state
                if self._count == self._losses.size:
                    self._losses = np.concatenate([self._losses, np.empty(self._losses.size)])
                self._losses[self._count] = loss / self.seq
                self._count += 1
                self.done += 1
                made += 1
                if made % CHECK_EVERY == 0 and time.perf_counter() >= deadline:
                    break
        return made

    @property
    def losses(self) -> np.ndarray:
        """Loss per iteration from the run's first weights (a read-only view: never rewritten)."""
        view = self._losses[: self._count]
        view.setflags(write=False)
        return view

    @property
    def iteration(self) -> int:
        return self.first + self.done

    def kept(self, name: str = LIVE, paused: bool = False) -> Kept:
        """The run's weights now, as a checkpoint the session shows and exports; paused,
        with the iteration it makes next (its chunk, carried state and gradient)."""
        history = self.losses
        loss = float(history[-1]) if history.size else math.nan
        return Kept(
            Checkpoint(name, self.iteration, self.params.frozen(), loss),
            self.settings.optimizer,
            self.settings.learning_rate,
            self.optimizer.snapshot(),
            history,
            (*self.marks, (name, self.iteration)),
            self.next_chunk() if paused and self.done and not self.stopped else None,
        )

    def next_chunk(self) -> NextChunk:
        chunk = next_chunk(self.stream, self.pointer, self.seq, self.state, self.zero_state)
        _, state, inputs, targets = chunk
        grads = self.params.zeros_like()
        with np.errstate(all="ignore"):
            self.cell.loss_and_grads(self.params, grads, inputs, targets, state)
        h0 = tuple(np.array(s, dtype=np.float64) for s in state)
        for s in h0:
            s.setflags(write=False)
        return NextChunk(tuple(int(i) for i in inputs), tuple(int(i) for i in targets), h0, grads.frozen())
