"""The update and sample passes, and any training iteration, against independent oracles."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from stepper.commands import Command
from stepper.lesson import load_lesson
from stepper.navigation import move, start
from stepper.passes.sample import SampleSettings
from stepper.session import Session
from stepper.trace import PHASES, SAMPLE, UPDATE
from stepper.train import train


def _session(name: str, cell: str | None = None, optimizer: str | None = None) -> Session:
    lesson = load_lesson(f"lessons/{name}.yaml")
    if cell is not None:
        lesson = replace(
            lesson, model=replace(lesson.model, cell=cell), captions=(), claims=(), compare_cell=None
        )
    if optimizer is not None:
        lesson = replace(
            lesson, training=replace(lesson.training, optimizer=optimizer), captions=(), claims=()
        )
    return Session.open(lesson)


def _numpy_step(optimizer, w, g, state, lr, clip, n):
    """An independent optimizer: min-char-rnn's Adagrad, Adam with bias corrections, SGD."""
    g = np.minimum(np.maximum(g, -clip), clip) if clip is not None else g
    if optimizer == "sgd":
        return w - lr * g, {}
    if optimizer == "adagrad":
        mem = state["mem"] + g * g
        return w - lr * g / np.sqrt(mem + 1e-8), {"mem": mem}
    m = 0.9 * state["m"] + 0.1 * g
    v = 0.999 * state["v"] + (1 - 0.999) * g * g
    m_hat, v_hat = m / (1 - 0.9**n), v / (1 - 0.999**n)
    return w - lr * m_hat / (np.sqrt(v_hat) + 1e-8), {"m": m, "v": v}


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adam"])
def test_update_pass_lands_on_the_trainers_next_weights(cell: str, optimizer: str) -> None:
    session = _session("one-one-zero", cell, optimizer)
    config = session.lesson.train_config()
    for k in (0, 7, session.last_iteration):
        trace = session.trace(session.checkpoint_names[-1], iteration=k)
        # The trainer's own weights after k + 1 updates, from a fresh training run.
        oracle = train(replace(config, iterations=k + 1, checkpoints={"next": k + 1}), session.lesson.data)
        span = trace.phase_range(UPDATE)
        after = {}
        for i in span:  # walking the recorded update pass to its end
            step = trace.steps[i]
            if step.op == "W":
                after[tuple(trace.params)[step.t]] = step.output
        expected = oracle.checkpoints[0].params
        for name in trace.params:
            assert np.array_equal(after[name], expected[name]), (cell, optimizer, k, name)
        assert np.array_equal(trace.update.after.flat, session.iteration(k).after.flat)
        if k < session.last_iteration:  # the optimizer state carried into k + 1 is the one left here
            nxt = session.iteration(k + 1).optimizer
            for name, state in trace.update.state_after.items():
                assert np.array_equal(state.flat, nxt.m if name in ("mem", "m") else nxt.v)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adam"])
def test_recorded_update_equals_an_independent_optimizer(optimizer: str) -> None:
    session = _session("hello", optimizer=optimizer)
    config = session.lesson.train_config()
    trace = session.trace(session.checkpoint_names[-1], iteration=11)
    u = trace.update
    for name in trace.params:
        state = {s: p[name] for s, p in u.state_before.items()}
        w, _ = _numpy_step(
            optimizer, u.before[name], u.grad[name], state, config.learning_rate, config.clip, u.step_number
        )
        np.testing.assert_allclose(u.after[name], w, rtol=1e-12, atol=1e-15)


def test_loss_after_the_update_is_computed() -> None:
    session = _session("hello")
    trace = session.trace("untrained")
    again = session.trace("untrained")
    assert trace is again
    from stepper.session import record_sequence

    rerun = record_sequence(trace.update.after, trace.vocab, session.lesson.playback)
    assert trace.update.loss_after == pytest.approx(rerun.loss, rel=1e-12)
    assert trace.update.loss_before == trace.loss


def _argmax_chain(params, prime: int, length: int) -> list[int]:
    """An independent forward pass of the vanilla RNN, feeding back the argmax."""
    h = np.zeros(params.hidden_size)
    x, out = prime, []
    for _ in range(length):
        h = np.tanh(params["Wxh"][:, x] + params["Whh"] @ h + params["bh"])
        y = params["Why"] @ h + params["by"]
        x = int(np.argmax(y))
        out.append(x)
    return out


def test_greedy_sampling_is_the_argmax_chain_and_hello_writes_hello() -> None:
    session = _session("hello")
    for name in session.checkpoint_names:
        trace = session.trace(name, sample=SampleSettings(12, 0.0, 0, None))
        assert list(trace.sample.symbols) == _argmax_chain(trace.params, trace.inputs[0], 12)
    trained = session.trace("trained", sample=SampleSettings(9, 0.0, 0, None))
    text = "".join(trained.vocab[s] for s in (*trained.sample.prime, *trained.sample.symbols))
    assert text == "hellohello"
    untrained = session.trace("untrained", sample=SampleSettings(4, 0.0, 0, None))
    assert (
        "".join(untrained.vocab[s] for s in (*untrained.sample.prime, *untrained.sample.symbols)) != "hello"
    )


def test_draws_match_p_at_temperature_one() -> None:
    """Chi-square over 10,000 seeded draws from one state: the recorded draw rule follows p."""
    from stepper.listing import first_index

    session = _session("hello")
    trace = session.trace("untrained", sample=SampleSettings(1, 1.0, 0, None))
    p = trace.sample.p[0]
    rng = np.random.default_rng(1234)
    counts = np.bincount([first_index(np.cumsum(p) > rng.random()) for _ in range(10_000)], minlength=len(p))
    expected = 10_000 * p
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 16.27  # 3 degrees of freedom, p = 0.001
    # and the recorded pass draws with that rule: its symbol is the first bar past its u
    step_s = next(s for s in trace.steps if s.phase == SAMPLE and s.op == "s")
    assert int(step_s.output) == first_index(np.cumsum(p) > trace.sample.u[0])


def test_sampling_is_bit_identical_across_runs() -> None:
    a = _session("one-one-zero").trace("trained", sample=SampleSettings(40, 1.0, 7, None))
    b = _session("one-one-zero").trace("trained", sample=SampleSettings(40, 1.0, 7, None))
    assert a.sample.symbols == b.sample.symbols and a.sample.u == b.sample.u
    assert np.array_equal(a.sample.p, b.sample.p)


def test_b_cycles_through_every_pass() -> None:
    trace = _session("hello").trace("trained")
    assert trace.pass_names == PHASES
    cursor = start(trace)
    seen = []
    for _ in range(len(PHASES) + 1):
        seen.append(cursor.phase)
        cursor = move(cursor, trace, Command.NEXT_PASS)
    assert seen == [*PHASES, PHASES[0]]
