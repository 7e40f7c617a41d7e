"""The sample pass: the model writes, feeding each drawn symbol back in as its next input.

The draw is part of the listing (`u = uniform()`, `s = first_index(cumsum(p) > u)`), so
a class can check it by eye on the diagram's bars; at temperature 0 the listing takes
the most likely symbol instead. Draws come from a generator seeded with `seed`, so the
same settings write the same text everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from stepper.cells import CELLS
from stepper.listing import FUNCTIONS, Listing, parse_listing
from stepper.record import Recorder
from stepper.trace import SAMPLE, SampleRecord, Trace, frozen_array

#: Temperatures the keys step through; 0 is greedy (argmax).
TEMPERATURES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


@dataclass(frozen=True, slots=True)
class SampleSettings:
    length: int = 20
    temperature: float = 1.0
    seed: int = 0
    prime: tuple[int, ...] | None = None  # None: the first symbol of the played sequence


_SKIP = ("x", "p", "loss_t")
_TEMPERATURE_NOTE = {
    True: "# greedy: always the likeliest",
    False: "# below 1 sharpens p, above 1 flattens it",
}  # forward lines the sampler replaces with its own


def _line(code: str, comment: str) -> str:
    return f"    {code}".ljust(42) + f"# {comment}"


@lru_cache(maxsize=64)
def sample_listing(cell: str, temperature: float) -> Listing:
    spec = CELLS[cell]
    state = ", ".join(spec.state)
    starts = ", ".join(f"{s}_prime" for s in spec.state)
    lines = [
        f"{state} = {starts}".ljust(42) + "# the state after reading the prime (zeros for one symbol)",
        f"temperature = {temperature:g}".ljust(42) + _TEMPERATURE_NOTE[temperature == 0],
        "x = one_hot(prime[-1], V)".ljust(42) + "# the prime's last symbol",
        "for t in range(N):".ljust(42) + "# write N symbols; h_prev is h from step t-1",
    ]
    lines += [line.text for line in spec.forward.lines if line.op is not None and line.op not in _SKIP]
    if temperature == 0:
        lines += [
            _line("p = softmax(y)", "(V,)   next-symbol probabilities"),
            _line("s = argmax(p)", "()     the likeliest symbol"),
        ]
    else:
        lines += [
            _line("p = softmax(y / temperature)", "(V,)   probabilities at this temperature"),
            _line("u = uniform()", "()     a seeded draw in [0, 1)"),
            _line("s = first_index(cumsum(p) > u)", "()     the first bar whose running sum passes u"),
        ]
    lines.append(_line("x = one_hot(s, V)", "(V,)   the drawn symbol, fed back in"))
    return parse_listing("\n".join(lines))


def with_sample(trace: Trace, settings: SampleSettings, prime_state: tuple[np.ndarray, ...]) -> Trace:
    """`trace` with the sample pass appended: `settings.length` symbols written by the
    trace's weights from `prime_state` (the state after all but the prime's last symbol)."""
    with np.errstate(all="ignore"):
        return _with_sample(trace, settings, prime_state)


def _with_sample(trace: Trace, settings: SampleSettings, prime_state: tuple[np.ndarray, ...]) -> Trace:
    params = trace.params
    cell = CELLS[params.cell]
    prime = settings.prime or (trace.inputs[:1] if trace.inputs else (0,))
    rng = np.random.default_rng(settings.seed)
    temperature = float(settings.temperature)
    context = {
        **FUNCTIONS,
        "V": params.vocab_size,
        "H": params.hidden_size,
        "temperature": temperature,
        "uniform": rng.random,
    }
    named = {name: params[name] for name in params}
    rec = Recorder(trace)
    rec.begin(SAMPLE, "sample", sample_listing(params.cell, temperature))
    state = {f"{s}_prev": frozen_array(v) for s, v in zip(cell.state, prime_state, strict=True)}
    x = frozen_array(np.eye(params.vocab_size)[prime[-1]])
    symbols, draws, probs = [], [], []
    for t in range(settings.length):
        env = rec.block(t, {**named, **state, "x": x}, context)
        symbols.append(int(env["s"]))
        probs.append(np.asarray(env["p"]))
        if "u" in env:
            draws.append(float(env["u"]))
        x = env["x"]
        state = {f"{s}_prev": env[s] for s in cell.state}
    rec.end()
    p = frozen_array(np.array(probs).reshape(len(probs), params.vocab_size))
    record = SampleRecord(tuple(prime), temperature, settings.seed, tuple(symbols), tuple(draws), p)
    return rec.continued(trace, sample=record)
