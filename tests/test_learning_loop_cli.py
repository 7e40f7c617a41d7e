"""The command line's learning-loop options and the trace JSON they add."""

from __future__ import annotations

import json

import numpy as np
from window_support import LESSONS

from stepper.cli import main
from stepper.lesson import load_lesson
from stepper.session import Session
from stepper.weights import torch_arrays


def _export(tmp_path, *args: str) -> dict:
    out = tmp_path / f"t{len(list(tmp_path.iterdir()))}.json"
    assert main([str(LESSONS / "hello.yaml"), "--export-trace", str(out), *args]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_iteration_k_adds_its_chunk_and_the_update_that_made_k_plus_one(tmp_path):
    data = _export(tmp_path, "--iteration", "42")
    it = Session.open(load_lesson(LESSONS / "hello.yaml")).iteration(42)
    assert data["chunk"]["inputs"] == list(it.inputs) and data["inputs"] == list(it.inputs)
    assert data["chunk"]["iteration"] == 42
    for key, value in torch_arrays(it.after).items():
        assert np.array_equal(np.array(data["update"]["after"][key]), value), key
    for key, value in torch_arrays(it.params).items():
        assert np.array_equal(np.array(data["update"]["before"][key]), value), key
    assert "sample" not in data


def test_sample_options_write_the_same_text_every_run(tmp_path):
    args = ("--sample", "30", "--temperature", "1", "--seed", "5", "--prime", "he")
    first, second = _export(tmp_path, *args), _export(tmp_path, *args)
    assert first["sample"] == second["sample"]
    sample = first["sample"]
    assert sample["prime"] == ["h", "e"] and len(sample["symbols"]) == 30 == len(sample["u"])
    for u, p, symbol in zip(sample["u"], sample["p"], sample["symbols"], strict=True):
        drawn = int(np.flatnonzero(np.cumsum(p) > u)[0])  # the draw, checked from the numbers
        assert first["vocab"][drawn] == symbol
    assert "update" not in first


def test_out_of_range_and_conflicting_options_are_refused(tmp_path, capsys):
    out = str(tmp_path / "x.json")
    hello = str(LESSONS / "hello.yaml")
    assert main([hello, "--export-trace", out, "--iteration", "200"]) == 2
    assert "0..199" in capsys.readouterr().err
    assert main([hello, "--export-trace", out, "--temperature", "-1"]) == 2
    assert main([hello, "--export-trace", out, "--sample", "0"]) == 2
    assert main([hello, "--export-trace", out, "--prime", "hz"]) == 2
    assert "'z'" in capsys.readouterr().err
    assert main([hello, "--export-weights", out, "--iteration", "3"]) == 2
    png = str(tmp_path / "x.png")
    assert main([hello, "--screenshot", png, "--iteration", "200"]) == 2  # refused before training
    assert "0..199" in capsys.readouterr().err
