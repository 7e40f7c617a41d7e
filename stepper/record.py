"""Run a cell's listings line by line over one sequence and keep every value.

Every pass is recorded the same way (`run_block`): a base env, the listing's loop body
run line by line, each line's inputs and output kept. The forward and backward passes
run a block when it is first read, from bases a replay of the listings works out at
once (stepper/lazy.py); the passes after them are recorded as they are appended
(`Recorder.block`). A new pass is a listing and a function that feeds it blocks; see
stepper/passes/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from stepper.cells import CELLS
from stepper.lazy import (
    Blocks,
    Later,
    Layout,
    Sums,
    Tops,
    joined,
    largest_per_step,
    lazy_bases,
    lazy_steps,
    running_sums,
)
from stepper.listing import FUNCTIONS, Listing, run_line
from stepper.params import Params
from stepper.trace import BACKWARD, FORWARD, Pass, Step, Trace, frozen_array, frozen_mapping


class Recorder:
    """Collects the steps, block bases and passes of a trace; can continue an existing one
    (whose own steps and bases stay as they are: recorded lazily, they stay lazy)."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.offset = len(trace.steps) if trace else 0
        self.steps: list[Step] = []  # recorded here, after the trace's own
        self.bases: list[Mapping[str, np.ndarray]] = []
        self.starts: list[int] = list(trace.block_starts) if trace else []
        self.ts: list[int] = list(trace.block_ts) if trace else []
        self.passes: list[Pass] = list(trace.passes) if trace else []
        self._open: tuple[str, str, Listing, int] | None = None

    def begin(self, name: str, title: str, listing: Listing) -> None:
        self._open = (name, title, listing, len(self.starts))

    def end(self) -> None:
        assert self._open is not None
        name, title, listing, first = self._open
        self.passes.append(Pass(name, title, listing, range(first, len(self.starts))))
        self._open = None

    def block(
        self, t: int, known: Mapping[str, np.ndarray], context: Mapping[str, object]
    ) -> dict[str, object]:
        """Run the open pass's loop body once from `known`; returns the env it left."""
        assert self._open is not None
        phase, _, listing, _ = self._open
        self.bases.append(known)
        self.starts.append(self.offset + len(self.steps))
        self.ts.append(t)
        steps, env = run_block(phase, listing, t, known, context, self.offset + len(self.steps))
        self.steps += steps
        return env

    def new_bases(self) -> tuple[Mapping[str, np.ndarray], ...]:
        """The bases of the blocks recorded here, read-only."""
        return tuple(b if _all_frozen(b) else frozen_mapping(b) for b in self.bases)

    def continued(self, trace: Trace, **records: object) -> Trace:
        """`trace` with the passes recorded here after it, and the passes' own records."""
        return replace(
            trace,
            steps=joined(trace.steps, tuple(self.steps)),
            passes=tuple(self.passes),
            bases=joined(trace.bases, self.new_bases()),
            block_starts=tuple(self.starts),
            block_ts=tuple(self.ts),
            **records,
        )


def appended_later(
    trace: Trace,
    phase: str,
    title: str,
    listing: Listing,
    count: int,
    run: Callable[[], Recorder],
    **records: object,
) -> Trace:
    """`trace` with a pass of `count` blocks (t = 0, 1, ...) after it, recorded when first
    read: `run` records it with a Recorder continuing `trace` (and is called once)."""
    size, offset, first = len(listing.ops), len(trace.steps), len(trace.block_starts)
    return replace(
        trace,
        steps=joined(trace.steps, Later(count * size, lambda: run().steps)),
        passes=(*trace.passes, Pass(phase, title, listing, range(first, first + count))),
        bases=joined(trace.bases, Later(count, lambda: run().new_bases())),
        block_starts=(*trace.block_starts, *(offset + k * size for k in range(count))),
        block_ts=(*trace.block_ts, *range(count)),
        **records,
    )


def run_block(
    phase: str,
    listing: Listing,
    t: int,
    known: Mapping[str, np.ndarray],
    context: Mapping[str, object],
    first: int,
) -> tuple[list[Step], dict[str, object]]:
    """The listing's loop body run once from `known`, line by line: its steps (numbered
    from `first`) and the env it left."""
    env: dict[str, object] = {**context, **known, "t": t}
    steps = []
    for line in listing.ops:
        # What the line reads, taken before it runs: `dW += ...` reads the old dW.
        inputs = tuple(
            (name, value if isinstance(value, np.ndarray) else frozen_array(value))
            for name in line.reads
            for value in (env[name],)
        )
        output = run_line(line, env)
        steps.append(Step(first + len(steps), phase, t, line.op, line.number, inputs, output, line.comment))
    return steps, env


def record(
    params: Params,
    vocab: Sequence[str],
    inputs: Sequence[int],
    targets: Sequence[int],
    h0: tuple[np.ndarray, ...] | None = None,
) -> Trace:
    """Forward over every timestep, then BPTT from the last back to the first, each block
    recorded when first read (stepper.lazy).

    The start state is zeros unless `h0` gives it (a training iteration's carried state).
    NaN and inf are recorded as they come (the screen marks them), without numpy's
    warnings on the console.
    """
    with np.errstate(all="ignore"):
        return _record(params, vocab, inputs, targets, h0)


def _record(
    params: Params,
    vocab: Sequence[str],
    inputs: Sequence[int],
    targets: Sequence[int],
    h0: tuple[np.ndarray, ...] | None,
) -> Trace:
    cell = CELLS[params.cell]
    size_v, size_h = params.vocab_size, params.hidden_size
    if len(vocab) != size_v:
        raise ValueError(f"vocabulary has {len(vocab)} symbols, weights expect {size_v}")
    if len(inputs) != len(targets):
        raise ValueError("inputs and targets differ in length")
    weights = params if not params.flat.flags.writeable else params.frozen()
    named = {name: weights[name] for name in weights}
    context = {**FUNCTIONS, "inputs": tuple(inputs), "V": size_v, "H": size_h}
    start = tuple(frozen_array(v) for v in (h0 if h0 is not None else (np.zeros(size_h) for _ in cell.state)))
    carried = h0 is not None and any(np.any(v) for v in h0)
    forward = _carried_start(cell.forward, cell.state) if carried else cell.forward
    fwd, back = cell.replay(named, inputs, targets, start)
    steps = len(targets)
    prev = {
        f"{s}_prev": np.concatenate([v[None], fwd[s]])[:steps] for s, v in zip(cell.state, start, strict=True)
    }
    for value in (*fwd.values(), *back.values(), *prev.values()):
        value.setflags(write=False)
    shapes = {f"d{name}": value.shape for name, value in named.items()}
    sums = Sums(running_sums(cell.backward, tuple(shapes)), shapes, {**fwd, **prev, **back})
    zeros = {name: frozen_array(np.zeros(shape)) for name, shape in shapes.items()}
    carried_zeros = {name: frozen_array(np.zeros(size_h)) for name in cell.carried_grads}

    def forward_base(t: int) -> dict[str, np.ndarray]:
        return {**named, **{name: v[t] for name, v in prev.items()}, "target": _frozen_index(targets[t])}

    def forward_values(t: int) -> dict[str, np.ndarray]:
        return forward_base(t) | {line.op: fwd[line.op][t, ...] for line in cell.forward.ops}

    def base(block: int) -> dict[str, np.ndarray]:
        if block < steps:
            return forward_base(block)
        done, t = block - steps, 2 * steps - 1 - block
        values = forward_values(t) | (sums.start_of(done) if done else zeros)
        return values | ({name: back[name][t + 1] for name in carried_zeros} if done else carried_zeros)

    def run(block: int, known: Mapping[str, np.ndarray], first: int) -> list[Step]:
        t = layout.t_of(block)
        phase, listing = (FORWARD, forward) if block < steps else (BACKWARD, cell.backward)
        with np.errstate(all="ignore"):
            return run_block(phase, listing, t, known, context, first)[0]

    def tops() -> Tops:
        stacked = {**fwd, **back}
        names = [line.op for line in (*cell.forward.ops, *cell.backward.ops)] if steps else []
        added = {s.name for s in sums.sums}
        return Tops(names, lambda op: sums.tops[op] if op in added else largest_per_step(stacked[op]))

    layout = Layout(steps, len(cell.forward.ops), len(cell.backward.ops))
    blocks = Blocks(layout, base, run, tops, forward_values, back)
    summary = _summarise(cell.state, cell.gates, fwd, back["dh"])
    return Trace(
        cell=params.cell,
        vocab=tuple(vocab),
        params=weights,
        inputs=tuple(int(i) for i in inputs),
        targets=tuple(int(i) for i in targets),
        steps=lazy_steps(blocks),
        passes=(
            Pass(FORWARD, "forward", forward, range(steps)),
            Pass(BACKWARD, "backward (BPTT)", cell.backward, range(steps, 2 * steps)),
        ),
        bases=lazy_bases(blocks),
        block_starts=tuple(layout.start(b) for b in range(2 * steps)),
        block_ts=tuple(layout.t_of(b) for b in range(2 * steps)),
        summary=summary,
        gradient=lambda: Params(params.cell, size_v, size_h, sums.final).frozen(),
        loss=float(summary["loss"].sum()) if steps else 0.0,
    )


def _carried_start(listing: Listing, state: tuple[str, ...]) -> Listing:
    """The forward listing whose first line says where a carried start state comes from:
    `h = zeros(H)` would not be true of a training chunk that starts where the last ended."""
    names = ", ".join(state)
    text = f"{names} = {', '.join(f'{s}0' for s in state)}".ljust(len(listing.lines[0].source) + 2)
    note = "the state the trainer carried in"
    first = replace(listing.lines[0], text=f"{text}# {note}", comment=note)
    return Listing((first, *listing.lines[1:]))


def _frozen_index(value: int) -> np.ndarray:
    """The target stays an integer: it indexes p and one_hot in the listings."""
    out = np.array(int(value), dtype=np.int64)
    out.setflags(write=False)
    return out


def _all_frozen(values: Mapping[str, np.ndarray]) -> bool:
    return all(not v.flags.writeable for v in values.values())


def _summarise(
    state: tuple[str, ...], gates: tuple[str, ...], fwd: Mapping[str, np.ndarray], dh: np.ndarray
) -> Mapping[str, np.ndarray]:
    """Per-timestep arrays (T, ...) that the timeline and the panels read."""
    out = {"h": fwd["h"], "y": fwd["y"], "p": fwd["p"], "loss": fwd["loss_t"]}
    out |= {name: fwd[name] for name in (*state, *gates)}
    return frozen_mapping(out | {"dh": dh, "dh_norm": np.linalg.norm(dh, axis=1)})
