"""Parameter sets for each cell: one flat float64 buffer with named views.

One buffer lets the optimizer update every parameter with a handful of numpy
calls, while the code panel still reads each matrix by its own name. Each
cell declares its own parameters (stepper/cells); a gated cell lays them out in
PyTorch's stacking order, so torch's stacked matrices are plain views too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from stepper.cells import CELL_NAMES, CELLS
from stepper.cells.base import OUTPUT_PARAMETERS


@lru_cache(maxsize=64)
def layout(cell: str, vocab_size: int, hidden_size: int) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Name and shape of every parameter, in buffer order: the cell's own, then the output layer."""
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELL_NAMES)}")
    size = {"V": vocab_size, "H": hidden_size}
    declared = (*CELLS[cell].parameters, *OUTPUT_PARAMETERS)
    return tuple((name, tuple(size[d] for d in dims)) for name, dims in declared)


@lru_cache(maxsize=64)
def view_shapes(cell: str, vocab_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The shape of every view a Params has: each parameter's, and each of torch's stacked tensors."""
    shapes = dict(layout(cell, vocab_size, hidden_size))
    for stacked, parts in CELLS[cell].stacks:
        first = shapes[parts[0]]
        shapes[stacked] = (len(parts) * first[0], *first[1:])
    return shapes


@dataclass(frozen=True)
class Params(Mapping[str, np.ndarray]):
    """A cell's parameters (or their gradients, which share the layout)."""

    cell: str
    vocab_size: int
    hidden_size: int
    flat: np.ndarray
    _views: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        views: dict[str, np.ndarray] = {}
        offsets: dict[str, int] = {}
        offset = 0
        for name, shape in layout(self.cell, self.vocab_size, self.hidden_size):
            size = int(np.prod(shape))
            offsets[name] = offset
            views[name] = self.flat[offset : offset + size].reshape(shape)
            offset += size
        if self.flat.shape != (offset,):
            raise ValueError(f"flat buffer has shape {self.flat.shape}, layout needs ({offset},)")
        shapes = view_shapes(self.cell, self.vocab_size, self.hidden_size)
        for stacked, parts in CELLS[self.cell].stacks:
            begin = offsets[parts[0]]
            views[stacked] = self.flat[begin : begin + len(parts) * views[parts[0]].size].reshape(
                shapes[stacked]
            )
        object.__setattr__(self, "_views", views)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._views[name]

    def __iter__(self) -> Iterator[str]:
        return (n for n, _ in layout(self.cell, self.vocab_size, self.hidden_size))

    def __len__(self) -> int:
        return len(layout(self.cell, self.vocab_size, self.hidden_size))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Params)
            and (self.cell, self.vocab_size, self.hidden_size)
            == (other.cell, other.vocab_size, other.hidden_size)
            and np.array_equal(self.flat, other.flat)
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Params:
        return Params(self.cell, self.vocab_size, self.hidden_size, self.flat.copy())

    def frozen(self) -> Params:
        """A read-only copy: what checkpoints and traces hold."""
        flat = self.flat.copy()
        flat.setflags(write=False)
        return Params(self.cell, self.vocab_size, self.hidden_size, flat)

    def zeros_like(self) -> Params:
        return Params(self.cell, self.vocab_size, self.hidden_size, np.zeros_like(self.flat))

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.flat).all())


def param_count(cell: str, vocab_size: int, hidden_size: int) -> int:
    return sum(int(np.prod(s)) for _, s in layout(cell, vocab_size, hidden_size))


def init_params(cell: str, vocab_size: int, hidden_size: int, scale: float, seed: int) -> Params:
    """Weights ~ N(0, scale^2), biases zero (min-char-rnn's start), from a seeded generator."""
    rng = np.random.default_rng(seed)
    p = Params(cell, vocab_size, hidden_size, np.zeros(param_count(cell, vocab_size, hidden_size)))
    for name, shape in layout(cell, vocab_size, hidden_size):
        if name.startswith("W"):
            p[name][...] = rng.standard_normal(shape) * scale
    return p
