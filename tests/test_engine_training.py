"""Training: optimizers, clipping only in the optimizer, checkpoints, divergence without a crash."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import stepper.train as train_module
from stepper.cells import CELLS
from stepper.optim import OPTIMIZERS, Optimizer
from stepper.params import Params, init_params
from stepper.train import TrainConfig, train, training_stream

TASK = [1, 1, 0]  # the 1,1,0 task: predicting needs memory of the previous symbol
LEARNING_RATES = {"sgd": 0.05, "adagrad": 0.1, "adam": 0.05}


def config(cell: str = "rnn", **changes) -> TrainConfig:
    base = dict(
        cell=cell,
        vocab_size=2,
        hidden_size=3,
        init_scale=0.1,
        seed=7,
        optimizer="adagrad",
        learning_rate=0.1,
        iterations=80,
        seq_length=25,
        clip=5.0,
        checkpoints={"untrained": 0, "trained": 80},
    )
    base.update(changes)
    return TrainConfig(**base)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_each_optimizer_reduces_the_loss(cell: str, optimizer: str) -> None:
    result = train(config(cell, optimizer=optimizer, learning_rate=LEARNING_RATES[optimizer]), TASK)
    history = result.loss_history
    assert result.divergence is None
    assert history.shape == (80,) and np.isfinite(history).all()
    assert history[0] == pytest.approx(math.log(2), abs=0.01)  # small init: a coin flip
    assert history[-10:].mean() < 0.5 * history[0]
    assert result.checkpoint("trained").loss < result.checkpoint("untrained").loss
    if cell == "rnn":  # min-char-rnn's own setting solves the task outright
        assert history[-10:].max() < 0.05


def test_gradients_leave_unclipped_and_the_update_is_clipped() -> None:
    """The gradient function's output can exceed the clip value; the optimizer's step cannot."""
    clip, lr = 0.5, 1.0
    cfg = config("gru", init_scale=2.0, optimizer="sgd", learning_rate=lr, iterations=1, clip=clip)
    cfg = dataclasses.replace(cfg, checkpoints={"before": 0, "after": 1})
    result = train(cfg, TASK)
    before, after = result.checkpoint("before").params, result.checkpoint("after").params
    # The gradient of the first chunk, exactly as training computes it.
    stream = training_stream(TASK, 25)
    grads = before.zeros_like()
    CELLS["gru"].loss_and_grads(before, grads, stream[:25], stream[1:26], (np.zeros(3),))
    assert np.abs(grads.flat).max() > 4 * clip  # raw and large: nothing clipped it
    step = after.flat - before.flat
    assert np.abs(step).max() <= lr * clip * (1 + 1e-12)
    np.testing.assert_allclose(step, -lr * np.clip(grads.flat, -clip, clip), rtol=0, atol=1e-13)


def test_clip_none_leaves_the_gradient_alone() -> None:
    grad = np.array([10.0, -20.0, 0.5])
    flat = np.zeros(3)
    Optimizer("sgd", 3, 0.1, None).step(flat, grad.copy())
    np.testing.assert_array_equal(flat, -0.1 * grad)


def test_optimizer_updates_follow_their_formulas() -> None:
    """Two steps of each optimizer against the textbook update, clip 1 applied first."""
    grads = [np.array([0.3, -2.0, 0.0, 1e-3]), np.array([-0.1, 0.5, 4.0, 1e-3])]
    clipped = [np.clip(g, -1.0, 1.0) for g in grads]
    lr = 0.1
    for name in OPTIMIZERS:
        opt = Optimizer(name, 4, lr, 1.0)
        flat = np.ones(4)
        for g in grads:
            opt.step(flat, g.copy())
        expected = np.ones(4)
        if name == "sgd":
            for g in clipped:
                expected -= lr * g
        elif name == "adagrad":
            memory = np.zeros(4)
            for g in clipped:
                memory += g * g
                expected -= lr * g / np.sqrt(memory + 1e-8)
        else:
            m, v = np.zeros(4), np.zeros(4)
            for k, g in enumerate(clipped, start=1):
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                expected -= lr * (m / (1 - 0.9**k)) / (np.sqrt(v / (1 - 0.999**k)) + 1e-8)
        np.testing.assert_allclose(flat, expected, rtol=1e-14, atol=1e-15, err_msg=name)
    with pytest.raises(ValueError, match="unknown optimizer"):
        Optimizer("rmsprop", 4, lr, None)


def test_checkpoints_land_at_their_iterations_with_the_right_weights() -> None:
    marks = {"start": 0, "early": 3, "middle": 17, "end": 40}
    cfg = config("lstm", iterations=40, checkpoints=marks)
    result = train(cfg, TASK)
    assert [(c.name, c.iteration) for c in result.checkpoints] == sorted(marks.items(), key=lambda kv: kv[1])
    start = init_params("lstm", 2, 3, 0.1, 7)
    assert result.checkpoint("start").params.flat.tobytes() == start.flat.tobytes()
    for name, iteration in marks.items():
        checkpoint = result.checkpoint(name)
        assert not checkpoint.params.flat.flags.writeable
        # Training for exactly `iteration` updates ends on the same weights, bit for bit.
        alone = train(dataclasses.replace(cfg, iterations=iteration, checkpoints={"x": iteration}), TASK)
        assert alone.last.params.flat.tobytes() == checkpoint.params.flat.tobytes(), name
        if iteration < cfg.iterations:
            assert checkpoint.loss == result.loss_history[iteration]
    assert len({c.params.flat.tobytes() for c in result.checkpoints}) == len(marks)
    assert result.last.name == "end"
    with pytest.raises(KeyError, match="start, early, middle, end"):
        result.checkpoint("nope")


def test_training_matches_an_independent_min_char_rnn_loop() -> None:
    """Chunks of seq_length over the stream, state carried between chunks, reset at the end,
    Adagrad with elementwise clipping: written out here and compared weight for weight."""
    data = [0, 1, 2, 2, 1, 0, 1, 1, 2, 0, 0, 2, 1, 2, 0, 1, 0, 2, 2, 2, 1, 0, 0, 1]  # 24 symbols
    seq, iterations, lr, clip = 5, 9, 0.1, 1.0
    cfg = TrainConfig("rnn", 3, 4, 0.5, 3, "adagrad", lr, iterations, seq, clip, {"end": iterations})
    result = train(cfg, data)
    params = init_params("rnn", 3, 4, 0.5, 3)
    memory = np.zeros_like(params.flat)
    h = np.zeros(4)
    pointer = 0
    losses = []
    for _ in range(iterations):
        if pointer + seq + 1 >= len(data):  # min-char-rnn resets one symbol early, to the letter
            pointer, h = 0, np.zeros(4)
        xs, ys = data[pointer : pointer + seq], data[pointer + 1 : pointer + seq + 1]
        grads = params.zeros_like()
        loss, (h,) = CELLS["rnn"].loss_and_grads(params, grads, xs, ys, (h,))
        losses.append(loss / seq)
        g = np.clip(grads.flat, -clip, clip)
        memory += g * g
        params.flat[...] -= lr * g / np.sqrt(memory + 1e-8)
        pointer += seq
    np.testing.assert_allclose(result.last.params.flat, params.flat, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(result.loss_history, losses, rtol=1e-13)


def test_training_stream() -> None:
    assert list(training_stream([1, 0], 3)) == [1, 0, 1, 0]  # seq 3 needs 4 symbols
    assert list(training_stream([1, 1, 0], 25)) == [1, 1, 0] * 9
    assert list(training_stream(range(10), 4)) == list(range(10))
    with pytest.raises(ValueError, match="at least two"):
        training_stream([1], 5)


def test_loss_history_is_read_only() -> None:
    result = train(config(iterations=5, checkpoints={"end": 5}), TASK)
    with pytest.raises(ValueError):
        result.loss_history[0] = 0.0


# ---- divergence ------------------------------------------------------------------------------------


def _assert_stopped_cleanly(result, first_bad: int) -> None:
    assert result.divergence is not None
    assert result.divergence.iteration == first_bad
    assert "NaN or inf" in result.divergence.reason
    last = result.last
    assert last.name == "last good"
    assert last.params.is_finite()
    assert not last.params.flat.flags.writeable
    assert np.isnan(result.loss_history[first_bad:]).all()  # nothing was trained after the fault
    assert np.isfinite(result.loss_history[: last.iteration]).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_exploding_weights_stop_training_without_raising(cell: str) -> None:
    cfg = config(cell, optimizer="sgd", learning_rate=math.inf, clip=None, iterations=50)
    result = train(cfg, TASK)
    _assert_stopped_cleanly(result, first_bad=1)
    assert result.last.iteration == 0
    assert result.last.params == result.checkpoint("untrained").params
    assert [c.name for c in result.checkpoints] == ["untrained", "last good"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_overflowing_logits_stop_training_without_raising() -> None:
    """Huge but finite weights: the loss overflows to NaN; the weights that gave it are kept."""
    cfg = config("rnn", init_scale=50.0, optimizer="sgd", learning_rate=1e307, clip=None, iterations=50)
    result = train(cfg, TASK)
    assert result.divergence is not None
    _assert_stopped_cleanly(result, first_bad=result.divergence.iteration)
    assert 0 < result.divergence.iteration < 50
    assert result.checkpoint("untrained").loss == result.loss_history[0]


@pytest.mark.parametrize("poison", ["loss", "gradient"])
def test_injected_nan_stops_at_the_last_good_weights(monkeypatch: pytest.MonkeyPatch, poison: str) -> None:
    """A NaN from the gradient function at iteration 6: weights after 6 updates are kept, finite."""

    real = CELLS["gru"]
    calls = {"n": 0}

    def poisoned(params: Params, grads: Params, inputs, targets, state):
        loss, state = real.loss_and_grads(params, grads, inputs, targets, state)
        calls["n"] += 1
        if calls["n"] == 7:  # iteration 6
            if poison == "loss":
                loss = math.nan
            else:
                grads.flat[3] = math.inf
        return loss, state

    cells = {**CELLS, "gru": dataclasses.replace(real, loss_and_grads=poisoned)}
    monkeypatch.setattr(train_module, "CELLS", cells)
    result = train(config("gru", iterations=20, checkpoints={"untrained": 0, "two": 2, "ten": 10}), TASK)
    _assert_stopped_cleanly(result, first_bad=6)
    assert [c.name for c in result.checkpoints] == ["untrained", "two", "last good"]
    assert result.last.iteration == 6
    monkeypatch.undo()
    clean = train(config("gru", iterations=6, checkpoints={"six": 6}), TASK)
    assert clean.last.params == result.last.params
