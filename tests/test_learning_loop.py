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
from stepper.trace import PHASES, UPDATE
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
    """Chi-square of 10,000 recorded draws at a fixed seed against the p each was drawn from
    (expected count of a symbol: the sum of its p over the draws; 3 degrees of freedom)."""
    from stepper.listing import first_index

    session = _session("hello")
    trace = session.trace("untrained", sample=SampleSettings(10_000, 1.0, 11, None))
    sample = trace.sample
    counts = np.bincount(sample.symbols, minlength=len(trace.vocab))
    expected = sample.p.sum(axis=0)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 16.27, (counts, expected)  # p = 0.001
    # each recorded symbol is the first bar whose running sum passes its u
    for u, p, s in zip(sample.u[:500], sample.p[:500], sample.symbols[:500], strict=True):
        assert s == first_index(np.cumsum(p) > u)
    # and a biased sampler would fail: the same counts against a skewed p do not pass
    skewed = expected * np.array([1.2, 0.9, 0.9, 1.0])
    assert float(((counts - skewed) ** 2 / skewed).sum()) > 16.27


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


def test_one_one_zero_continues_its_pattern_as_its_notes_say() -> None:
    session = _session("one-one-zero")
    trace = session.trace("trained")  # the lesson's own sample settings: greedy, from a 1
    sample = trace.sample
    assert sample.temperature == 0
    text = "".join(trace.vocab[s] for s in (*sample.prime, *sample.symbols))
    assert text == ("110" * 10)[: len(text)]
    hello = _session("hello").trace("trained")
    written = (*hello.sample.prime, *hello.sample.symbols)
    assert "".join(hello.vocab[s] for s in written) == ("hello" * 3)[:15]


def test_vanishing_gradients_sample_pass_says_what_its_notes_say() -> None:
    """Its notes: the trained RNN counts 1 to 8, then p splits evenly between a and b, and the
    lesson's seed draws b."""
    session = _session("vanishing-gradients")
    trace = session.trace("trained")
    sample = trace.sample
    written = [trace.vocab[s] for s in (*sample.prime, *sample.symbols)]
    assert written == ["a", "1", "2", "3", "4", "5", "6", "7", "8", "b", written[-1]]
    p_after_8 = sample.p[8]
    assert 0.4 < p_after_8[0] < 0.6 and 0.4 < p_after_8[1] < 0.6
    draws = [session.trace("trained", sample=SampleSettings(9, 1.0, seed, None)) for seed in range(40)]
    wrote_a = sum(t.vocab[t.sample.symbols[8]] == "a" for t in draws)
    assert 10 <= wrote_a <= 30  # about half of the draws


LONG_TEXT_LESSON = """
title: long text
summary: a text longer than a chunk, so the trainer carries its state across chunks
vocab: [a, b, c]
model: {cell: CELL, hidden_size: 3, seed: 3}
data: {text: abcabbacbcaabcbacbabcabacbbcabcacb}
training: {optimizer: adagrad, learning_rate: 0.1, iterations: 12, seq_length: 5,
           checkpoints: {untrained: 0, trained: 12}}
playback: {sequence: abcab}
"""


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_chunk_that_starts_where_the_last_ended_says_so_and_lands_exactly(cell: str) -> None:
    from stepper.lesson import parse_lesson

    lesson = parse_lesson(LONG_TEXT_LESSON.replace("CELL", cell).encode(), "long.yaml")
    session = Session.open(lesson)
    trace = session.trace("trained", iteration=2)  # the third chunk: the state carried twice
    h0 = trace.chunk.h0
    assert any(np.any(v) for v in h0)
    first = trace.steps[0]
    assert first.phase == "forward"
    assert np.array_equal(trace.env(0)["h_prev"], h0[0])
    header = trace.listing("forward").lines[0]
    assert header.source.startswith("h = h0" if cell == "rnn" else "h, c = h0, c0")
    oracle = train(replace(lesson.train_config(), iterations=3, checkpoints={"next": 3}), lesson.data)
    assert np.array_equal(trace.update.after.flat, oracle.checkpoints[0].params.flat)
