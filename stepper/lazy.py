"""The forward and backward passes of a trace, each block recorded when first read.

Recording every line of a long sequence takes most of a second, and a frame draws a
block or two. So `record` runs the cell's replay once (every op's value at every step,
in the listings' own float operations, stepper.cells.base.Replay) and keeps what each
block starts from; a block's steps are the recorder running the listing from there, as
they would be in one run from the start. The running sums (`dW += outer(...)`) are added
up once in the listing's order, kept every SNAPSHOT blocks, and a block's own start is
added up from the snapshot before it.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import CodeType, MappingProxyType
from typing import TypeVar, overload

import numpy as np

from stepper.listing import FUNCTIONS, Listing
from stepper.trace import Step, Trace

T = TypeVar("T")
SNAPSHOT = 32  # blocks between kept running sums: at most this many sums to add up per block
BLOCKS_KEPT = 256  # recorded blocks kept per trace: a walk through a long trace stays bounded
CHUNK = 32  # blocks whose increments are worked out at once


@dataclass(frozen=True)
class Sum:
    """A running-sum line `name += expr` of a backward listing."""

    name: str
    increment: CodeType  # expr, evaluated on every step's values at once


@lru_cache(maxsize=16)
def running_sums(listing: Listing, names: tuple[str, ...]) -> tuple[Sum, ...]:
    """The lines that add into one of `names`; each adds once per block and no other line
    reads the sum, so the sums can be added up apart from the rest."""
    sums = []
    for line in listing.ops:
        if line.op in names:
            stmt = ast.parse(line.source.strip()).body[0]
            if not isinstance(stmt, ast.AugAssign) or not isinstance(stmt.op, ast.Add):
                raise ValueError(f"a running sum is written `{line.op} += ...`: {line.source.strip()}")
            expr = ast.fix_missing_locations(ast.Expression(stmt.value))
            sums.append(Sum(line.op, compile(expr, f"<increment: {line.source.strip()}>", "eval")))
    ops = [s.name for s in sums]
    if len(set(ops)) != len(ops):
        raise ValueError("a backward listing adds into one sum twice per step")
    if any(set(ops) & set(line.reads) for line in listing.ops if line.op not in ops):
        raise ValueError("a backward line reads a running sum")
    return tuple(sums)


class Sums:
    """The running sums of a backward pass over blocks 0..T-1 (t = T-1 .. 0): each block's
    start, the final sums, and each sum's largest finite |value| per block."""

    def __init__(
        self, sums: tuple[Sum, ...], shapes: Mapping[str, tuple[int, ...]], values: Mapping[str, np.ndarray]
    ) -> None:
        self.sums = sums
        self.shapes = dict(shapes)  # every sum's name -> shape, in the grads' order
        self.values = values  # name -> (T, ...) in forward order (t = 0 .. T-1)
        self.steps = len(next(iter(values.values()))) if values else 0
        offsets, at = {}, 0
        for name, shape in self.shapes.items():
            offsets[name] = at
            at += int(np.prod(shape))
        self.offsets, self.size = offsets, at
        self.unsummed = set(self.shapes) - {s.name for s in sums}  # stay zero

    @cached_property
    def _added(self) -> tuple[np.ndarray, list[np.ndarray], dict[str, float | None]]:
        """One pass over every block, when first needed: the final sums, a copy every
        SNAPSHOT blocks, and each sum's largest finite |value| over the blocks."""
        snapshots: list[np.ndarray] = []
        per_chunk: list[np.ndarray] = []
        final = self._add_up(0, self.steps, snapshots=snapshots, tops=per_chunk)
        per_block = np.concatenate(per_chunk) if per_chunk else np.zeros((0, len(self.offsets)))
        added = {s.name for s in self.sums}
        tops = {
            name: largest_per_step(per_block[:, k]) for k, name in enumerate(self.offsets) if name in added
        }
        return final, snapshots, tops

    @property
    def final(self) -> np.ndarray:
        return self._added[0]

    @property
    def tops(self) -> dict[str, float | None]:
        return self._added[2]

    def _increments(self, first: int, stop: int) -> np.ndarray:
        """Rows for blocks first..stop-1, each every sum's increment flat."""
        count = stop - first
        t_hi, t_lo = self.steps - 1 - first, self.steps - 1 - stop
        rows = slice(t_hi, t_lo if t_lo >= 0 else None, -1)
        out = np.zeros((count, self.size)) if self.unsummed else np.empty((count, self.size))
        into: list[np.ndarray] = []  # where the sum being worked out goes, then what outer wrote

        def outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            """np.outer of each row pair, written straight into its place in `out`."""
            into.append(
                np.multiply(a[:, :, None], b[:, None, :], out=into[0].reshape(count, a.shape[1], b.shape[1]))
            )
            return into[-1]

        env = {**FUNCTIONS, "outer": outer, **{k: v[rows] for k, v in self.values.items()}}
        for s in self.sums:
            at, shape = self.offsets[s.name], self.shapes[s.name]
            into[:] = [out[:, at : at + int(np.prod(shape))]]
            value = eval(s.increment, env)
            if value is not into[-1]:
                into[0].reshape(count, *shape)[...] = value
        return out

    def _add_up(
        self,
        first: int,
        stop: int,
        start: np.ndarray | None = None,
        snapshots: list | None = None,
        tops: list | None = None,
    ) -> np.ndarray:
        """The sums after blocks first..stop-1, from `start` (zeros); each addition is the
        listing's `dW = dW + increment`, element by element. With `snapshots`, a copy every
        SNAPSHOT blocks; with `tops`, each sum's largest |value| after each block."""
        total = np.zeros(self.size) if start is None else start
        with np.errstate(all="ignore"):  # NaN and inf are kept as they come, as recorded
            for chunk in range(first, stop, CHUNK):
                rows = self._increments(chunk, min(chunk + CHUNK, stop))
                for k, row in enumerate(rows):
                    if snapshots is not None and (chunk + k) % SNAPSHOT == 0:
                        snapshots.append(total.copy())
                    total = np.add(total, row, out=row)  # the row becomes the sums after its block
                if tops is not None:
                    tops.append(np.maximum.reduceat(np.abs(rows), list(self.offsets.values()), axis=1))
        return total.copy()

    def start_of(self, block: int) -> dict[str, np.ndarray]:
        """Every sum as it stands when block `block` starts."""
        first = block - block % SNAPSHOT
        total = self._add_up(first, block, start=self._added[1][first // SNAPSHOT])
        total.setflags(write=False)
        return self.split(total)

    def split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        return {
            name: flat[at : at + int(np.prod(shape))].reshape(shape)
            for (name, shape), at in zip(self.shapes.items(), self.offsets.values(), strict=True)
        }


def largest_per_step(stacked: np.ndarray) -> float | None:
    """The largest finite per-step max |value| of (steps, ...) values (None when none is)."""
    if not len(stacked):
        return None
    flat = np.abs(stacked).reshape(len(stacked), -1)
    per_step = flat.max(axis=1) if flat.shape[1] else np.zeros(len(stacked))
    finite = per_step[np.isfinite(per_step)]
    return float(finite.max()) if finite.size else None


def largest_outputs(steps: Sequence[Step]) -> dict[str, float | None]:
    """Each op's largest finite |output| over `steps`, walked one by one."""
    outputs: dict[str, dict[tuple[int, ...], list[np.ndarray]]] = {}
    for step in steps:
        outputs.setdefault(step.op, {}).setdefault(step.output.shape, []).append(step.output)
    tops: dict[str, float | None] = {}
    for op, shapes in outputs.items():
        found = [top for same in shapes.values() if (top := largest_per_step(np.stack(same))) is not None]
        tops[op] = max(found) if found else None
    return tops


class Tops(Mapping[str, "float | None"]):
    """Each op's largest finite |output| over the forward and backward passes, worked
    out when first read (a frame reads a few dozen of them)."""

    def __init__(self, names: Sequence[str], top: Callable[[str], float | None]) -> None:
        self._names = tuple(dict.fromkeys(names))
        self._top = top
        self._done: dict[str, float | None] = {}

    def __getitem__(self, name: str) -> float | None:
        if name not in self._done:
            if name not in self._names:
                raise KeyError(name)
            self._done[name] = self._top(name)
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class Layout:
    """Where each block of the two passes sits: forward blocks 0..T-1 (t = block), then
    backward blocks T..2T-1 (t = T-1 .. 0)."""

    steps: int  # T
    forward_ops: int
    backward_ops: int

    @property
    def length(self) -> int:
        return self.steps * (self.forward_ops + self.backward_ops)

    def start(self, block: int) -> int:
        if block < self.steps:
            return block * self.forward_ops
        return self.steps * self.forward_ops + (block - self.steps) * self.backward_ops

    def block_of(self, index: int) -> int:
        split = self.steps * self.forward_ops
        if index < split:
            return index // self.forward_ops
        return self.steps + (index - split) // self.backward_ops

    def t_of(self, block: int) -> int:
        return block if block < self.steps else 2 * self.steps - 1 - block


class Blocks:
    """A trace's forward and backward blocks: bases at once from the replay, steps when read."""

    def __init__(
        self,
        layout: Layout,
        base: Callable[[int], Mapping[str, np.ndarray]],
        run: Callable[[int, Mapping[str, np.ndarray], int], list[Step]],
        tops: Callable[[], Mapping[str, float | None]],
        forward: Callable[[int], dict[str, np.ndarray]],
        outputs: Mapping[str, np.ndarray],
    ) -> None:
        self.layout = layout
        self._base, self._run, self._tops = base, run, tops
        self.forward = forward  # t -> every forward value of step t, as its backward block starts
        self.outputs = outputs  # op -> its value at every step t (T, ...), but the running sums
        self._bases: OrderedDict[int, Mapping[str, np.ndarray]] = OrderedDict()
        self._steps: OrderedDict[int, list[Step]] = OrderedDict()

    def base(self, block: int) -> Mapping[str, np.ndarray]:
        found = self._bases.get(block)
        if found is None:
            found = MappingProxyType(dict(self._base(block)))
            _kept(self._bases, block, found)
        return found

    def step(self, index: int) -> Step:
        block = self.layout.block_of(index)
        return self.steps(block)[index - self.layout.start(block)]

    def steps(self, block: int) -> list[Step]:
        found = self._steps.get(block)
        if found is None:
            found = self._run(block, self.base(block), self.layout.start(block))
            _kept(self._steps, block, found)
        return found

    @cached_property
    def tops(self) -> Mapping[str, float | None]:
        return self._tops()


def _kept(memo: OrderedDict, key: int, value: object) -> None:
    memo[key] = value
    while len(memo) > BLOCKS_KEPT:
        memo.popitem(last=False)


class Reader(Sequence[T]):
    """`count` items, each worked out by `read` when read."""

    def __init__(self, count: int, read: Callable[[int], T]) -> None:
        self._count, self._read = count, read

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._read(index)


class Lazy(Reader[T]):
    """Trace.steps or Trace.bases: the lazily recorded forward and backward passes', then
    each later pass's (recorded when first read, or at once)."""

    def __init__(self, blocks: Blocks, runs: tuple[Sequence[T], ...]) -> None:
        super().__init__(sum(len(run) for run in runs), self._item)
        self.blocks, self.runs = blocks, runs

    def _item(self, index: int) -> T:
        for run in self.runs:
            if index < len(run):
                return run[index]
            index -= len(run)
        raise IndexError(index)

    def then(self, more: Sequence[T]) -> Lazy[T]:
        return Lazy(self.blocks, (*self.runs, more))


class Later(Reader[T]):
    """`count` items that `make` works out together, when the first is read."""

    def __init__(self, count: int, make: Callable[[], Sequence[T]]) -> None:
        super().__init__(count, lambda index: self._made[index])
        self._make = make

    @cached_property
    def _made(self) -> Sequence[T]:
        made = self._make()
        assert len(made) == len(self)
        return made


def lazy_steps(blocks: Blocks) -> Lazy[Step]:
    return Lazy(blocks, (Reader(blocks.layout.length, blocks.step),))


def lazy_bases(blocks: Blocks) -> Lazy[Mapping[str, np.ndarray]]:
    return Lazy(blocks, (Reader(2 * blocks.layout.steps, blocks.base),))


def joined(head: Sequence[T], more: Sequence[T]) -> Lazy[T]:
    """`head` (a recorded trace's steps or bases) with `more` after it, recording nothing
    of either."""
    assert isinstance(head, Lazy)
    return head.then(more)


def blocks_of(trace: Trace) -> Blocks:
    """The lazily recorded blocks every recorded trace's forward and backward passes are."""
    assert isinstance(trace.bases, Lazy)
    return trace.bases.blocks


def forward_values(trace: Trace, t: int) -> dict[str, np.ndarray]:
    """Every forward value of step t as recorded (the backward pass starts from them),
    without recording a block."""
    return blocks_of(trace).forward(t)


def backward_outputs(trace: Trace, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Each backward op in `names` at every step t (T, ...), without recording a block."""
    return {name: np.array(blocks_of(trace).outputs[name]) for name in names}


def op_tops(steps: Sequence[Step], stop: int) -> Mapping[str, float | None]:
    """Each op's largest finite |output| over steps[:stop] (the forward and backward
    passes): from the replay when those are recorded lazily, else walked."""
    if isinstance(steps, Lazy) and stop == steps.blocks.layout.length:
        return steps.blocks.tops
    return largest_outputs(steps[:stop])
