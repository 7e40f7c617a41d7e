"""Run a cell's listings line by line over one sequence and keep every value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stepper.cells import CELLS
from stepper.listing import FUNCTIONS, Listing, run_line
from stepper.params import Params
from stepper.trace import BACKWARD, FORWARD, Step, Trace, frozen_array, frozen_mapping


def _run_block(
    listing: Listing,
    phase: str,
    t: int,
    env: dict[str, object],
    steps: list[Step],
) -> None:
    for line in listing.ops:
        # What the line reads, taken before it runs: `dW += ...` reads the old dW.
        inputs = tuple(
            (name, value if isinstance(value, np.ndarray) else frozen_array(value))
            for name in line.reads
            for value in (env[name],)
        )
        output = run_line(line, env)
        steps.append(Step(len(steps), phase, t, line.op, line.number, inputs, output, line.comment))


def record(
    params: Params,
    vocab: Sequence[str],
    inputs: Sequence[int],
    targets: Sequence[int],
) -> Trace:
    """Forward over every timestep, then BPTT from the last back to the first.

    The start state is zeros, as the exported trace promises. NaN and inf are recorded as
    they come (the screen marks them), without numpy's warnings on the console.
    """
    with np.errstate(all="ignore"):
        return _record(params, vocab, inputs, targets)


def _record(params: Params, vocab: Sequence[str], inputs: Sequence[int], targets: Sequence[int]) -> Trace:
    cell = CELLS[params.cell]
    size_v, size_h = params.vocab_size, params.hidden_size
    if len(vocab) != size_v:
        raise ValueError(f"vocabulary has {len(vocab)} symbols, weights expect {size_v}")
    if len(inputs) != len(targets):
        raise ValueError("inputs and targets differ in length")
    weights = params if not params.flat.flags.writeable else params.frozen()
    named = {name: weights[name] for name in weights}
    context = {**FUNCTIONS, "inputs": tuple(inputs), "V": size_v, "H": size_h}
    steps: list[Step] = []
    bases: list[Mapping[str, np.ndarray]] = []
    starts: list[int] = []

    state = {f"{s}_prev": frozen_array(np.zeros(size_h)) for s in cell.state}
    forward_values: list[dict[str, np.ndarray]] = []
    for t, target in enumerate(targets):
        known = {**named, **state, "target": _frozen_index(target)}
        bases.append(known)
        starts.append(len(steps))
        env: dict[str, object] = {**context, **known, "t": t}
        _run_block(cell.forward, FORWARD, t, env, steps)
        forward_values.append({k: env[k] for k in known} | {op.op: env[op.op] for op in cell.forward.ops})
        state = {f"{s}_prev": env[s] for s in cell.state}

    grads = {f"d{name}": frozen_array(np.zeros(value.shape)) for name, value in named.items()}
    carried = {name: frozen_array(np.zeros(size_h)) for name in cell.carried_grads}
    for t in reversed(range(len(targets))):
        known = {**forward_values[t], **grads, **carried}
        bases.append(known)
        starts.append(len(steps))
        env = {**context, **known, "t": t}
        _run_block(cell.backward, BACKWARD, t, env, steps)
        grads = {k: env[k] for k in grads}
        carried = {k: env[k] for k in carried}

    grad_params = Params(
        params.cell, size_v, size_h, np.concatenate([grads[f"d{n}"].ravel() for n in named])
    ).frozen()
    trace_steps = tuple(steps)
    summary = _summarise(cell.state, cell.gates, forward_values, trace_steps, size_h)
    return Trace(
        cell=params.cell,
        vocab=tuple(vocab),
        params=weights,
        inputs=tuple(int(i) for i in inputs),
        targets=tuple(int(i) for i in targets),
        steps=trace_steps,
        forward_code=cell.forward,
        backward_code=cell.backward,
        bases=tuple(frozen_mapping(b) if not _all_frozen(b) else b for b in bases),
        block_starts=tuple(starts),
        summary=summary,
        grads=grad_params,
        loss=float(summary["loss"].sum()) if len(targets) else 0.0,
    )


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
