"""The update pass: the optimizer's own lines, one parameter group at a time.

The lines are the lesson's optimizer written out (SGD, Adagrad as min-char-rnn, Adam with
its bias corrections), with the clip line first. They perform the same float operations
in the same order as stepper.optim.Optimizer.step, so the weights after the pass are the
trainer's next weights bit for bit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from stepper.cells import CELLS
from stepper.listing import FUNCTIONS, Listing, parse_listing
from stepper.optim import BETA1, BETA2, STATE_NAMES, TITLES, OptimizerState
from stepper.params import Params
from stepper.record import Recorder
from stepper.trace import UPDATE, Trace, UpdateRecord, frozen_array

_HEAD = "for W in params:                           # one parameter group at a time: W is Wxh, Whh, ..."
_LINES = {
    "sgd": ("    W -= lr * dW                           # a step against the gradient",),
    "adagrad": (
        "    mem += dW * dW                         # Adagrad's memory: squared gradients so far",
        "    W -= lr * dW / sqrt(mem + 1e-8)        # smaller steps where gradients were large",
    ),
    "adam": (
        "    m = b1 * m + (1 - b1) * dW             # first moment: running mean of dW",
        "    v = b2 * v + (1 - b2) * dW * dW        # second moment: running mean of dW squared",
        "    m_hat = m / (1 - b1 ** steps)          # bias correction: m starts at zero",
        "    v_hat = v / (1 - b2 ** steps)          # bias correction: v starts at zero",
        "    W -= lr * m_hat / (sqrt(v_hat) + 1e-8) # the step",
    ),
}


def _number(value: float) -> str:
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


@lru_cache(maxsize=32)
def update_listing(optimizer: str, learning_rate: float, clip: float | None) -> Listing:
    head = [f"lr = {_number(learning_rate)}".ljust(43) + f"# {TITLES[optimizer]}'s learning rate"]
    if optimizer == "adam":
        head.append(f"b1, b2 = {BETA1}, {BETA2}                    # steps: how many, this one included")
    lines = [*head, _HEAD]
    if clip is not None:
        c = _number(clip)
        lines.append(f"    dW = clip(dW, -{c}, {c})".ljust(43) + f"# each element into -{c}..{c}")
    lines += _LINES[optimizer]
    return parse_listing("\n".join(lines))


def with_update(
    trace: Trace,
    optimizer: str,
    learning_rate: float,
    clip: float | None,
    state: OptimizerState,
    grad: Params | None = None,
) -> Trace:
    """`trace` with the update pass appended: from `grad` (default: the trace's own
    gradient) and the optimizer `state` before the step."""
    with np.errstate(all="ignore"):
        return _with_update(trace, optimizer, learning_rate, clip, state, grad)


def _with_update(
    trace: Trace,
    optimizer: str,
    learning_rate: float,
    clip: float | None,
    state: OptimizerState,
    grad: Params | None,
) -> Trace:
    params, grad = trace.params, grad if grad is not None else trace.grads
    shape = (params.cell, params.vocab_size, params.hidden_size)
    names = STATE_NAMES[optimizer]
    arrays = {"mem": state.m, "m": state.m, "v": state.v}
    before = {name: Params(*shape, arrays[name]) for name in names}
    n = state.steps + 1
    context = {**FUNCTIONS, "lr": learning_rate, "b1": BETA1, "b2": BETA2, "steps": n}
    rec = Recorder(trace)
    rec.begin(UPDATE, "update", update_listing(optimizer, learning_rate, clip))
    after = params.zeros_like()
    after_state = {name: params.zeros_like() for name in names}
    for k, group in enumerate(params):
        known = {"W": params[group], "dW": grad[group], **{s: before[s][group] for s in names}}
        env = rec.block(k, {key: frozen_array(v) for key, v in known.items()}, context)
        after[group][...] = env["W"]
        for s in names:
            after_state[s][group][...] = env[s]
    rec.end()
    cell = CELLS[params.cell]
    h0 = trace.chunk.h0 if trace.chunk else tuple(np.zeros(params.hidden_size) for _ in cell.state)
    frozen_after = after.frozen()

    def loss_after() -> float:
        with np.errstate(all="ignore"):
            loss, _ = cell.loss_and_grads(frozen_after, after.zeros_like(), trace.inputs, trace.targets, h0)
        return float(loss)

    record = UpdateRecord(
        optimizer,
        params,
        grad,
        frozen_after,
        before,
        {s: p.frozen() for s, p in after_state.items()},
        n,
        trace.loss,
        loss_after,
    )
    return rec.continued(trace, update=record)
