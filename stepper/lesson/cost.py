"""How long a lesson's training takes, before it runs: a cost model fitted to measured times.

One iteration costs a fixed part (the optimizer step and bookkeeping) plus, per symbol of
the chunk, a part for the cell's Python-level work (each cell's `symbol_seconds`, idle
rnn 2.7, gru 10.5, lstm 11.4 us) and a part that grows with the matrix products:
gates x hidden x (hidden + vocab). The constants were measured on the project's
2-core machine (benchmarks/limits_bench.py measures them again) and scaled to the slowest
runs seen there while other work shared the cores (about twice an idle run: the LSTM of
hidden size 64 took 224 s for 5,000,000 symbols, and 68 s for 50,420 x 25 with three
other jobs running), so the estimate errs long and the limit's message stays true on a
busy machine.
"""

from __future__ import annotations

import math

from stepper.cells import CELLS
from stepper.params import layout

#: Seconds per iteration besides its symbols (idle: 28 us with a 1-symbol chunk; busy: 40).
ITERATION_S = 60e-6
#: Seconds per symbol per unit of gates x hidden x (hidden + vocab) (idle: 0.34 to 0.73 ns).
UNIT_S = 1.5e-9
#: The longest training a lesson may ask for (each of the lesson's cells, and its compare
#: cell, train this long at most).
MAX_TRAINING_SECONDS = 60.0


def training_seconds(cell: str, vocab: int, hidden: int, iterations: int, seq_length: int) -> float:
    """The estimated training time on a 2-core machine."""
    own = layout(cell, vocab, hidden)[: len(CELLS[cell].parameters)]
    units = sum(math.prod(shape) for _, shape in own if len(shape) == 2)  # gates x H x (H + V)
    return iterations * (ITERATION_S + seq_length * (CELLS[cell].symbol_seconds + UNIT_S * units))


def max_iterations(cell: str, vocab: int, hidden: int, seq_length: int) -> int:
    """The most iterations that fit MAX_TRAINING_SECONDS at this size."""
    return int(MAX_TRAINING_SECONDS / training_seconds(cell, vocab, hidden, 1, seq_length))
