"""Figures measured in a fresh interpreter, so each counts only itself.

A memory figure is the child's own peak: /proc's VmHWM, the high-water mark of the
address space exec gave it. ru_maxrss will not do in a child: Linux carries the
parent's peak across fork and exec, so a child of a 240 MB benchmark run reports
240 MB whatever it used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def own_peak_mb() -> float:
    """This process's peak resident memory since exec, in MB (called in the child)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # no /proc (macOS): ru_maxrss, in bytes there, is per process

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def python(code: str, *args: str, timeout: float = 600) -> list[str]:
    """Run `code` in a fresh interpreter that imports stepper from this tree and this module
    as `fresh`; its stdout's lines."""
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYTHONPATH": os.pathsep.join((str(ROOT), str(HERE))),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=True,
    )
    return done.stdout.strip().splitlines()
