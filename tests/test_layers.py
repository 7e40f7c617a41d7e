"""The pure core stays pure: importing it must not load pygame (nor, for the engine, yaml).

Each module is imported in a fresh interpreter, so what one test imported cannot
hide what another module pulls in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: numpy-only engine: neither the window layer nor the lesson format.
ENGINE = (
    "stepper.numerics",
    "stepper.params",
    "stepper.listing",
    "stepper.trace",
    "stepper.cells",
    "stepper.cells.rnn",
    "stepper.cells.gru",
    "stepper.cells.lstm",
    "stepper.record",
    "stepper.lazy",
    "stepper.optim",
    "stepper.train",
    "stepper.weights",
    "stepper.export",
    "stepper.files",
    "stepper.analysis",
    "stepper.navigation",
    "stepper.commands",
    "stepper.theme",
)
#: Pure (no pygame), but allowed to know the lesson format (and so yaml): the session,
#: and the view side that builds display lists tests read without a display.
PURE = (
    "stepper.session",
    "stepper.state",
    "stepper.scene",
    "stepper.narration",
    "stepper.views.screen",
    "stepper.views.panels",
    "stepper.update",
    "stepper.frames",
    "stepper.slices",
)

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"pygame", "yaml"})))
"""


def _probe(modules: tuple[str, ...]) -> dict[str, set[str]]:
    """Which of pygame / yaml a fresh interpreter holds after importing each module.

    The interpreters run side by side: one per module, without paying for them in turn.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    procs = {
        m: subprocess.Popen(
            [sys.executable, "-c", PROBE, m],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for m in modules
    }
    out = {}
    for module, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{module}: {stderr}"
        out[module] = set(json.loads(stdout.strip().splitlines()[-1]))
    return out


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    return _probe((*ENGINE, *PURE, "pygame", "yaml"))


@pytest.mark.parametrize("module", ENGINE)
def test_engine_module_loads_neither_pygame_nor_yaml(module: str, loaded: dict[str, set[str]]) -> None:
    assert loaded[module] == set()


@pytest.mark.parametrize("module", PURE)
def test_pure_module_does_not_load_pygame(module: str, loaded: dict[str, set[str]]) -> None:
    assert "pygame" not in loaded[module]


def test_the_probe_sees_what_it_looks_for(loaded: dict[str, set[str]]) -> None:
    """Without this, a probe that never finds anything would pass every test above."""
    assert loaded["pygame"] == {"pygame"}
    assert loaded["yaml"] == {"yaml"}
