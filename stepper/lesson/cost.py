"""How long a lesson's training takes, before it runs: a cost model fitted to measured times.

One iteration costs a fixed part (the optimizer step and bookkeeping) plus, per symbol of
the chunk, a part for the cell's Python-level work and a part that grows with the matrix
products: gates x hidden x (hidden + vocab). The constants were measured on the project's
2-core machine (benchmarks/limits_bench.py measures them again) and rounded up, so the
estimate errs long and the limit's message stays true.
"""

from __future__ import annotations

from stepper.params import GATES

#: Seconds per iteration besides its symbols (measured: 28 us with a 1-symbol chunk).
ITERATION_S = 30e-6
#: Seconds per symbol of the chunk, by cell (measured: rnn 2.7, gru 10.5, lstm 11.4 us).
SYMBOL_S = {"rnn": 3e-6, "gru": 11e-6, "lstm": 12e-6}
#: Seconds per symbol per unit of gates x hidden x (hidden + vocab) (measured: 0.34 to 0.73 ns).
UNIT_S = 0.8e-9
#: The longest training a lesson may ask for (each of the lesson's cells, and its compare
#: cell, train this long at most).
MAX_TRAINING_SECONDS = 60.0


def training_seconds(cell: str, vocab: int, hidden: int, iterations: int, seq_length: int) -> float:
    """The estimated training time on a 2-core machine."""
    units = max(1, len(GATES[cell])) * hidden * (hidden + vocab)
    return iterations * (ITERATION_S + seq_length * (SYMBOL_S[cell] + UNIT_S * units))


def max_iterations(cell: str, vocab: int, hidden: int, seq_length: int) -> int:
    """The most iterations that fit MAX_TRAINING_SECONDS at this size."""
    return int(MAX_TRAINING_SECONDS / training_seconds(cell, vocab, hidden, 1, seq_length))
