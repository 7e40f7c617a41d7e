"""A straightforward min-char-rnn-style loop, written here as the speed baseline.

Column vectors, dicts per timestep, one-hot built each step, clipping per
parameter, Adagrad per parameter: the way the classic script does it.
"""

from __future__ import annotations

import numpy as np


class BaselineRNN:
    def __init__(self, vocab_size: int, hidden_size: int, learning_rate: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.vocab_size = vocab_size
        self.lr = learning_rate
        self.Wxh = rng.standard_normal((hidden_size, vocab_size)) * 0.01
        self.Whh = rng.standard_normal((hidden_size, hidden_size)) * 0.01
        self.Why = rng.standard_normal((vocab_size, hidden_size)) * 0.01
        self.bh = np.zeros((hidden_size, 1))
        self.by = np.zeros((vocab_size, 1))
        self.mem = [np.zeros_like(p) for p in self.parameters()]
        self.hprev = np.zeros((hidden_size, 1))

    def parameters(self) -> list[np.ndarray]:
        return [self.Wxh, self.Whh, self.Why, self.bh, self.by]

    def loss_fun(self, inputs, targets, hprev):
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(self.Wxh @ xs[t] + self.Whh @ hs[t - 1] + self.bh)
            ys[t] = self.Why @ hs[t] + self.by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(self.Wxh), np.zeros_like(self.Whh), np.zeros_like(self.Why)
        dbh, dby = np.zeros_like(self.bh), np.zeros_like(self.by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += dy @ hs[t].T
            dby += dy
            dh = self.Why.T @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += dhraw @ xs[t].T
            dWhh += dhraw @ hs[t - 1].T
            dhnext = self.Whh.T @ dhraw
        for d in (dWxh, dWhh, dWhy, dbh, dby):
            np.clip(d, -5, 5, out=d)
        return loss, (dWxh, dWhh, dWhy, dbh, dby), hs[len(inputs) - 1]

    def train(self, data: list[int], seq_length: int, iterations: int) -> float:
        p = 0
        loss = 0.0
        for _ in range(iterations):
            if p + seq_length + 1 >= len(data):
                self.hprev = np.zeros_like(self.hprev)
                p = 0
            inputs = data[p : p + seq_length]
            targets = data[p + 1 : p + seq_length + 1]
            loss, grads, self.hprev = self.loss_fun(inputs, targets, self.hprev)
            for param, dparam, mem in zip(self.parameters(), grads, self.mem, strict=True):
                mem += dparam * dparam
                param += -self.lr * dparam / np.sqrt(mem + 1e-8)
            p += seq_length
        return loss
