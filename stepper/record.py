"""Run a cell's listings line by line over one sequence and keep every value.

Every pass is recorded the same way (`Recorder.block`): a base env, the listing's loop
body run line by line, each line's inputs and output kept. A new pass is a listing and a
function that feeds it blocks; see stepper/passes/.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from stepper.cells import CELLS
from stepper.listing import FUNCTIONS, Listing, run_line
from stepper.params import Params
from stepper.trace import BACKWARD, FORWARD, Pass, Step, Trace, frozen_array, frozen_mapping


class Recorder:
    """Collects the steps, block bases and passes of a trace; can continue an existing one."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.steps: list[Step] = list(trace.steps) if trace else []
        self.bases: list[Mapping[str, np.ndarray]] = list(trace.bases) if trace else []
        self.starts: list[int] = list(trace.block_starts) if trace else []
        self.passes: list[Pass] = list(trace.passes) if trace else []
        self._open: tuple[str, str, Listing, int] | None = None
        self._frozen = len(self.bases)  # a trace's bases are read-only already

    def begin(self, name: str, title: str, listing: Listing) -> None:
        self._open = (name, title, listing, len(self.bases))

    def end(self) -> None:
        assert self._open is not None
        name, title, listing, first = self._open
        self.passes.append(Pass(name, title, listing, range(first, len(self.bases))))
        self._open = None

    def block(
        self, t: int, known: Mapping[str, np.ndarray], context: Mapping[str, object]
    ) -> dict[str, object]:
        """Run the open pass's loop body once from `known`; returns the env it left."""
        assert self._open is not None
        phase, _, listing, _ = self._open
        self.bases.append(known)
        self.starts.append(len(self.steps))
        env: dict[str, object] = {**context, **known, "t": t}
        for line in listing.ops:
            # What the line reads, taken before it runs: `dW += ...` reads the old dW.
            inputs = tuple(
                (name, value if isinstance(value, np.ndarray) else frozen_array(value))
                for name in line.reads
                for value in (env[name],)
            )
            output = run_line(line, env)
            self.steps.append(
                Step(len(self.steps), phase, t, line.op, line.number, inputs, output, line.comment)
            )
        return env

    def frozen_bases(self) -> tuple[Mapping[str, np.ndarray], ...]:
        new = (b if _all_frozen(b) else frozen_mapping(b) for b in self.bases[self._frozen :])
        return (*self.bases[: self._frozen], *new)

    def continued(self, trace: Trace, **records: object) -> Trace:
        """`trace` with the passes recorded here after it, and the passes' own records."""
        return replace(
            trace,
            steps=tuple(self.steps),
            passes=tuple(self.passes),
            bases=self.frozen_bases(),
            block_starts=tuple(self.starts),
            **records,
        )


def record(
    params: Params,
    vocab: Sequence[str],
    inputs: Sequence[int],
    targets: Sequence[int],
    h0: tuple[np.ndarray, ...] | None = None,
) -> Trace:
    """Forward over every timestep, then BPTT from the last back to the first.

    The start state is zeros unless `h0` gives it (a training iteration's carried state).
    NaN and inf are recorded as they come (the screen marks them), without numpy's
    warnings on the console.
    """
    with np.errstate(all="ignore"), _collector_paused():
        return _record(params, vocab, inputs, targets, h0)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A long recording makes tens of thousands of steps that all stay alive and hold no
    cycles: the cyclic collector would rescan them again and again as they are made (a
    quarter of an LSTM's 1000-step recording) and free nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    rec = Recorder()
    start = h0 if h0 is not None else tuple(np.zeros(size_h) for _ in cell.state)
    state = {f"{s}_prev": frozen_array(v) for s, v in zip(cell.state, start, strict=True)}
    forward_values: list[dict[str, np.ndarray]] = []
    carried = h0 is not None and any(np.any(v) for v in h0)
    rec.begin(FORWARD, "forward", _carried_start(cell.forward, cell.state) if carried else cell.forward)
    for t, target in enumerate(targets):
        known = {**named, **state, "target": _frozen_index(target)}
        env = rec.block(t, known, context)
        forward_values.append({k: env[k] for k in known} | {op.op: env[op.op] for op in cell.forward.ops})
        state = {f"{s}_prev": env[s] for s in cell.state}
    rec.end()

    grads = {f"d{name}": frozen_array(np.zeros(value.shape)) for name, value in named.items()}
    carried = {name: frozen_array(np.zeros(size_h)) for name in cell.carried_grads}
    rec.begin(BACKWARD, "backward (BPTT)", cell.backward)
    for t in reversed(range(len(targets))):
        env = rec.block(t, {**forward_values[t], **grads, **carried}, context)
        grads = {k: env[k] for k in grads}
        carried = {k: env[k] for k in carried}
    rec.end()

    grad_params = Params(
        params.cell, size_v, size_h, np.concatenate([grads[f"d{n}"].ravel() for n in named])
    ).frozen()
    trace_steps = tuple(rec.steps)
    summary = _summarise(cell.state, cell.gates, forward_values, trace_steps, size_h)
    return Trace(
        cell=params.cell,
        vocab=tuple(vocab),
        params=weights,
        inputs=tuple(int(i) for i in inputs),
        targets=tuple(int(i) for i in targets),
        steps=trace_steps,
        passes=tuple(rec.passes),
        bases=rec.frozen_bases(),
        block_starts=tuple(rec.starts),
        summary=summary,
        grads=grad_params,
        loss=float(summary["loss"].sum()) if len(targets) else 0.0,
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
    state: tuple[str, ...],
    gates: tuple[str, ...],
    forward_values: list[dict[str, np.ndarray]],
    steps: tuple[Step, ...],
    size_h: int,
) -> Mapping[str, np.ndarray]:
    """Per-timestep arrays (T, ...) that the timeline and the panels read."""
    steps_count = len(forward_values)

    def stack(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if not forward_values:
            return np.zeros((0, *shape))
        return np.stack([fv[name] for fv in forward_values])

    vocab = forward_values[0]["p"].shape if forward_values else (0,)
    out: dict[str, np.ndarray] = {
        "h": stack("h", (size_h,)),
        "y": stack("y", vocab),
        "p": stack("p", vocab),
        "loss": stack("loss_t", ()),
    }
    for s in state:
        out[s] = stack(s, (size_h,))
    for g in gates:
        out[g] = stack(g, (size_h,))
    dh = np.zeros((steps_count, size_h))
    for step in steps:
        if step.phase == BACKWARD and step.op == "dh":
            dh[step.t] = step.output
    out["dh"] = dh
    out["dh_norm"] = np.linalg.norm(dh, axis=1) if steps_count else np.zeros(0)
    return frozen_mapping(out)
