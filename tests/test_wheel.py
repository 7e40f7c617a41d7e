"""A regular install is the whole app: build the wheel, install it into a fresh virtual
environment outside the checkout, and use it from a folder that is not the checkout.

No editable install here: that would read the checkout and hide a file the wheel forgot.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from stepper.lesson import COURSE

ROOT = Path(__file__).resolve().parent.parent
#: What a copy of the checkout leaves out: what git ignores, and git itself.
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
    ".hypothesis", "out", "*.actual.png", "*.diff.png",
)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv[:3]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@dataclass(frozen=True)
class Installed:
    wheel: Path
    app: str  # the installed rnn-stepper script
    elsewhere: Path  # a folder that is not the checkout
    env: dict[str, str]  # an environment that does not see the checkout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)  # a stale build/ can never leak into the wheel
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["SDL_VIDEODRIVER"] = "dummy"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)], work, env)
    [wheel] = (work / "dist").glob("rnn_stepper-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, env)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    started = time.perf_counter()
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], work, env)
    seconds = time.perf_counter() - started
    size = wheel.stat().st_size / 1e6
    print(f"\nwheel {wheel.name}: {size:.2f} MB; pip install into a fresh venv {seconds:.1f} s")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel, str(bin_dir / "rnn-stepper"), elsewhere, env)


def test_the_wheel_holds_every_package_and_the_whole_course(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "stepper").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing: add it to pyproject's packages"
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "stepper").rglob("*.py")}
    assert modules <= names
    lessons = {p.name for p in (ROOT / "lessons").glob("*.yaml")}
    assert {f"{stem}.yaml" for stem in COURSE} <= lessons
    assert {f"stepper/course/{name}" for name in lessons} <= names
    assert any(n.startswith("stepper/assets/fonts/") and n.endswith(".ttf") for n in names)


def test_installed_app_checks_the_course_and_draws_a_lesson_by_name(installed: Installed) -> None:
    app, elsewhere, env = installed.app, installed.elsewhere, installed.env
    checked = run([app, "--check"], elsewhere, env).stdout.splitlines()
    assert len(checked) == len(COURSE)
    for stem, line in zip(COURSE, checked, strict=True):
        assert f"{stem}.yaml: ok" in line and str(ROOT) not in line, line
    out = elsewhere / "OUT.png"
    run([app, "alternating", "--screenshot", str(out), "--size", "1280x720"], elsewhere, env)
    assert png_size(out) == (1280, 720)
    gif = elsewhere / "pass.gif"  # Pillow comes with the install: G works after README's command
    run([app, "one-one-zero", "--export-gif", str(gif)], elsewhere, env)
    assert gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a")


def test_installed_app_names_the_course_for_an_unknown_lesson(installed: Installed) -> None:
    done = subprocess.run(
        [installed.app, "alternatin", "--screenshot", "x.png"],
        cwd=installed.elsewhere, env=installed.env, capture_output=True, text=True, timeout=120,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert all(stem in lines[0] for stem in COURSE) and "Traceback" not in done.stderr
