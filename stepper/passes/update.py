"""The update pass: the optimizer's own lines, one parameter group at a time.

The lines are the lesson's optimizer written out (SGD, Adagrad as min-char-rnn, Adam with
its bias corrections), with the clip line first. They perform the same float operations
in the same order as stepper.optim.Optimizer.step, so the weights after the pass are the
trainer's next weights bit for bit.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from stepper.cells import CELLS
from stepper.listing import FUNCTIONS, Listing, parse_listing
from stepper.optim import BETA1, BETA2, STATE_NAMES, TITLES, OptimizerState
from stepper.params import Params
from stepper.record import Recorder, appended_later
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
    gradient) and the optimizer `state` before the step. The pass, and the weights after
    it, are recorded when first read."""
    params = trace.params
    shape = (params.cell, params.vocab_size, params.hidden_size)
    names = STATE_NAMES[optimizer]
    arrays = {"mem": state.m, "m": state.m, "v": state.v}
    before = {name: Params(*shape, arrays[name]) for name in names}
    n = state.steps + 1
    listing = update_listing(optimizer, learning_rate, clip)

    @cache
    def recorded() -> tuple[Recorder, tuple[Params, Params, dict[str, Params]]]:
        with np.errstate(all="ignore"):
            start = grad if grad is not None else trace.grads
            return _recorded(trace, listing, start, before, learning_rate, n)

    cell = CELLS[params.cell]
    h0 = trace.chunk.h0 if trace.chunk else tuple(np.zeros(params.hidden_size) for _ in cell.state)

    def loss_after() -> float:
        after = recorded()[1][1]
        with np.errstate(all="ignore"):
            loss, _ = cell.loss_and_grads(after, after.zeros_like(), trace.inputs, trace.targets, h0)
        return float(loss)

    record = UpdateRecord(
        optimizer=optimizer,
        before=params,
        state_before=before,
        step_number=n,
        loss_before=trace.loss,
        run=lambda: recorded()[1],
        rerun=loss_after,
    )
    return appended_later(trace, UPDATE, "update", listing, len(params), lambda: recorded()[0], update=record)


def _recorded(
    trace: Trace,
    listing: Listing,
    grad: Params,
    before: dict[str, Params],
    learning_rate: float,
    n: int,
) -> tuple[Recorder, tuple[Params, Params, dict[str, Params]]]:
    """The update pass's blocks, one parameter group each, and the gradient it started
    from, the weights and the optimizer state after it."""
    params = trace.params
    context = {**FUNCTIONS, "lr": learning_rate, "b1": BETA1, "b2": BETA2, "steps": n}
    rec = Recorder(trace)
    rec.begin(UPDATE, "update", listing)
    after = params.zeros_like()
    after_state = {name: params.zeros_like() for name in before}
    for k, group in enumerate(params):
        known = {"W": params[group], "dW": grad[group], **{s: before[s][group] for s in before}}
        env = rec.block(k, {key: frozen_array(v) for key, v in known.items()}, context)
        after[group][...] = env["W"]
        for s in before:
            after_state[s][group][...] = env[s]
    rec.end()
    return rec, (grad, after.frozen(), {s: p.frozen() for s, p in after_state.items()})
