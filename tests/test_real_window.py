"""End to end in a REAL window: Xvfb, `python main.py lessons/alternating.yaml` as its own
process, real key presses from xdotool, screenshots from xwd, and the pixels checked
against what the keys say (the lit code line, the timeline marker, the exit status).

Outside CI the test skips, saying why, when Xvfb, xdotool or xwd are missing; in CI
(CI=true, where .ci/run installs them) a missing tool is a failure.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_window_golden import CHANNEL_TOLERANCE, MAX_DIFFERENT
from xwd import read_xwd

from stepper.commands import Command
from stepper.navigation import move
from stepper.scene import Rect
from stepper.theme import Theme

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "lessons" / "alternating.yaml"
SIZE = (1920, 1080)  # the app's default window; the screen is made exactly that big
THEME = Theme()
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "xwd": "x11-apps"}
START_TIMEOUT = 15.0  # Xvfb up, app trained and its window mapped, first frame drawn
KEY_TIMEOUT = 5.0  # a key press to the settled frame it asks for
EXIT_TIMEOUT = 5.0


def require_tools() -> dict[str, str]:
    found = {tool: shutil.which(tool) for tool in TOOLS}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        packages = " ".join(sorted({TOOLS[t] for t in missing}))
        reason = f"real-window test needs {', '.join(missing)} (apt-get install {packages})"
        if IN_CI:
            pytest.fail(f"{reason}; .ci/run installs them, so CI must have them", pytrace=False)
        pytest.skip(reason)
    return {tool: str(path) for tool, path in found.items()}


def start_xvfb(xvfb: str) -> tuple[subprocess.Popen, str]:
    """Xvfb on a free display: -displayfd makes the server choose one and write its
    number once it accepts connections, so there is no guessing and no race."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    text = b""
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while not text.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_end], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError(f"Xvfb gave no display number within {START_TIMEOUT:.0f} s")
            chunk = os.read(read_end, 64)
            if not chunk:
                err = server.stderr.read().decode(errors="replace") if server.poll() is not None else ""
                raise RuntimeError(f"Xvfb exited before it was ready: {err.strip()[-400:]}")
            text += chunk
    except BaseException:
        stop(server)
        raise
    finally:
        os.close(read_end)
    return server, f":{int(text)}"


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=3)


class Display:
    """The tools, pointed at one X display."""

    def __init__(self, tools: dict[str, str], display: str) -> None:
        self.tools = tools
        self.env = {**os.environ, "DISPLAY": display}

    def run(self, tool: str, *args: str, timeout: float = 5.0, check: bool = True) -> str:
        done = subprocess.run(
            [self.tools[tool], *args],
            env=self.env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)}: exit {done.returncode}: {done.stderr.decode()}")
        return done.stdout.decode()

    def screenshot(self) -> np.ndarray:
        done = subprocess.run(
            [self.tools["xwd"], "-root", "-silent"], env=self.env, capture_output=True, timeout=10, check=True
        )
        return read_xwd(done.stdout)


def find_window(x: Display, app: subprocess.Popen) -> str:
    """The app's window. `xdotool search --name` cannot see it with xdotool 3.20160805
    (SDL writes WM_NAME as UTF8_STRING, which that version does not decode), so the
    search is by the window's _NET_WM_PID and the title is checked after."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise AssertionError(f"the app exited with {app.returncode} before its window appeared")
        ids = x.run("xdotool", "search", "--pid", str(app.pid), check=False).split()
        for window in ids:
            if x.run("xdotool", "getwindowname", window, check=False).strip() == "RNN Stepper":
                return window
        time.sleep(0.05)
    raise AssertionError(f"no window titled 'RNN Stepper' within {START_TIMEOUT:.0f} s")


def geometry(x: Display, window: str) -> tuple[int, int, int, int]:
    values = dict(
        line.split("=", 1) for line in x.run("xdotool", "getwindowgeometry", "--shell", window).split()
    )
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def box_of(image: np.ndarray, color: tuple[int, int, int], area: tuple[int, int, int, int]):
    """(x, y, w, h) of the pixels of exactly `color` inside `area`, or None."""
    ax, ay, aw, ah = area
    crop = image[ay : ay + ah, ax : ax + aw]
    ys, xs = np.nonzero(np.all(crop == np.array(color, dtype=np.uint8), axis=2))
    if not len(xs):
        return None
    return (
        ax + int(xs.min()),
        ay + int(ys.min()),
        int(xs.max() - xs.min()) + 1,
        int(ys.max() - ys.min()) + 1,
    )


def expected_scenes():
    """What the frames must show, built in this process (dummy driver) from the same
    lesson at the same size: the start, one op on, and the last op of the pass."""
    from stepper.app import App

    app = App(LESSON, size=SIZE, headless=True)
    assert app.session is not None and app.state is not None
    trace = app.session.trace(app.state.checkpoint)
    state = replace(app.state, animate=False)
    after_right = replace(state, cursor=move(state.cursor, trace, Command.NEXT_OP))
    after_end = replace(state, cursor=move(state.cursor, trace, Command.LAST))
    return [app.build(s, SIZE) for s in (state, after_right, after_end)], trace


def only(scene, tag: str) -> Rect:
    (item,) = scene.tagged(tag)
    return item


def rect_box(r: Rect) -> tuple[int, int, int, int]:
    return (r.x, r.y, r.w, r.h)


def wait_for(x: Display, predicate, timeout: float, what: str):
    """Screenshots until `predicate(image)` holds on two in a row (the frame settled)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        image = x.screenshot()
        if predicate(image):
            if last is not None and np.array_equal(last, image):
                return image
            last = image
        else:
            last = None
        time.sleep(0.03)
    raise AssertionError(f"within {timeout:.0f} s the screen never showed {what}")


@contextmanager
def running_app(tools: dict[str, str], folder: Path, log: Path) -> Iterator[tuple[Display, subprocess.Popen]]:
    """Xvfb and `python main.py LESSON` on it, both stopped however the test ends."""
    server = app = None
    try:
        server, display = start_xvfb(tools["Xvfb"])
        x = Display(tools, display)
        env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
        env |= {"DISPLAY": display, "SDL_VIDEODRIVER": "x11", "SDL_AUDIODRIVER": "dummy"}
        with log.open("wb") as out:
            app = subprocess.Popen(
                [sys.executable, str(ROOT / "main.py"), str(LESSON)],
                cwd=folder,  # anything the app might write lands here, not in the repo
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        yield x, app
    finally:
        stop(app)
        stop(server)


def test_real_window_keys_change_the_frame_as_they_say(tmp_path, capsys):
    tools = require_tools()
    (start, after_right, after_end), trace = expected_scenes()
    lit0, lit1 = only(start, "lit-line"), only(after_right, "lit-line")
    line_h = lit0.h
    assert lit1.y - lit0.y == line_h, "the scene itself: Right lights the next line"
    marker_end = only(after_end, "timeline-now")
    last_column = only(after_end, f"pcell:{trace.length - 1}")
    (timeline,) = [layer for layer in after_end.layers if layer.name == "timeline"]

    began = time.monotonic()
    log = tmp_path / "app.log"
    with running_app(tools, tmp_path, log) as (x, app):
        window = find_window(x, app)
        ox, oy, ww, wh = geometry(x, window)
        assert (ww, wh) == SIZE, f"window is {ww}x{wh}"

        def shifted(box):
            bx, by, bw, bh = box
            return (bx + ox, by + oy, bw, bh)

        code_area = shifted(rect_box(only(start, "code-panel")))
        timeline_area = shifted((timeline.x, timeline.y, timeline.w, timeline.h))
        first = wait_for(
            x,
            lambda im: box_of(im, THEME.lit_line, code_area) == shifted(rect_box(lit0)),
            START_TIMEOUT,
            "the first frame with the first code line lit",
        )
        shown = time.monotonic() - began
        assert box_of(first, THEME.result, timeline_area) == shifted(rect_box(only(start, "timeline-now")))
        x.run("xdotool", "windowfocus", "--sync", window)

        pressed = time.monotonic()
        x.run("xdotool", "key", "--clearmodifiers", "Right")
        image = wait_for(
            x,
            lambda im: box_of(im, THEME.lit_line, code_area) == shifted(rect_box(lit1)),
            KEY_TIMEOUT,
            "the lit line one line lower after Right",
        )
        right_s = time.monotonic() - pressed
        moved = box_of(image, THEME.lit_line, code_area)
        assert moved[1] - shifted(rect_box(lit0))[1] == line_h

        pressed = time.monotonic()
        x.run("xdotool", "key", "--clearmodifiers", "End")
        image = wait_for(
            x,
            lambda im: box_of(im, THEME.result, timeline_area) == shifted(rect_box(marker_end)),
            KEY_TIMEOUT,
            "the timeline marker on the last timestep after End",
        )
        end_s = time.monotonic() - pressed
        mx, _, mw, _ = box_of(image, THEME.result, timeline_area)
        assert (mx, mw) == (last_column.x + ox, last_column.w), "the marker spans the last column"
        assert mx + mw >= timeline.x + timeline.w - THEME.px(8) - 2 + ox, "and it is the rightmost one"

        status_area = shifted((0, SIZE[1] - THEME.px(44), SIZE[0], THEME.px(44)))

        def status_pixels(im: np.ndarray) -> np.ndarray:
            sx, sy, sw, sh = status_area
            return im[sy : sy + sh, sx : sx + sw]

        before = status_pixels(image)
        x.run("xdotool", "key", "--clearmodifiers", "Escape")  # asks first, in the status bar
        wait_for(
            x,
            lambda im: not np.array_equal(status_pixels(im), before),
            KEY_TIMEOUT,
            "the status bar asking before quitting",
        )
        assert app.poll() is None, "one Esc does not quit"
        pressed = time.monotonic()
        x.run("xdotool", "key", "--clearmodifiers", "Escape")
        try:
            status = app.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the app was still running {EXIT_TIMEOUT:.0f} s after Escape") from None
        exit_s = time.monotonic() - pressed
        output = log.read_text(errors="replace")
        assert status == 0, f"exit status {status}; output:\n{output}"
        assert "Traceback" not in output, output
    total = time.monotonic() - began
    with capsys.disabled():
        print(
            f"\nreal window: first frame {shown:.2f} s after launch; Right -> lit line moved down "
            f"{line_h} px, seen after {right_s:.2f} s; End -> marker on column {trace.length - 1} "
            f"seen after {end_s:.2f} s; Esc asked, Esc again -> exit 0 after {exit_s:.2f} s; "
            f"whole test {total:.1f} s"
        )
    assert total < 20, f"the real-window test took {total:.1f} s"


def drawn(scene) -> np.ndarray:
    """A scene's pixels as the renderer paints them off-screen, rows first like xwd."""
    import pygame

    from stepper.render import Fonts, LayerCache

    surface = pygame.Surface((scene.width, scene.height))
    LayerCache().draw(scene, surface, Fonts())
    return pygame.surfarray.array3d(surface).swapaxes(0, 1).copy()


def share_different(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > CHANNEL_TOLERANCE).mean())


def test_real_window_fullscreen_on_and_off_always_repaints_the_whole_frame(tmp_path, capsys):
    """F, F, F11, F11 on a window as big as the screen (set_mode keeps the surface and
    its size): after each, the window shows the whole frame drawn headless at its size."""
    tools = require_tools()
    (start, _, _), _ = expected_scenes()
    expected = drawn(start)
    log = tmp_path / "app.log"
    with running_app(tools, tmp_path, log) as (x, app):
        window = find_window(x, app)
        x.run("xdotool", "mousemove", "0", "0")  # the pointer on no cell: no value box
        lit = only(start, "lit-line")
        ox, oy, _, _ = geometry(x, window)
        wait_for(
            x,
            lambda im: box_of(im, THEME.lit_line, (ox, oy, *SIZE)) == (lit.x + ox, lit.y + oy, lit.w, lit.h),
            START_TIMEOUT,
            "the first frame",
        )
        shares = []
        for key in ("f", "f", "F11", "F11"):
            x.run("xdotool", "windowfocus", "--sync", window)
            x.run("xdotool", "key", "--clearmodifiers", key)
            time.sleep(0.5)  # the mode change lands (SDL may make a new X window for it)
            window = find_window(x, app)
            ox, oy, w, h = geometry(x, window)
            assert (w, h) == SIZE, f"after {key} the window is {w}x{h}"
            image = wait_for(x, lambda im: True, KEY_TIMEOUT, f"a settled frame after {key}")
            shown = image[oy : oy + h, ox : ox + w]
            assert len(np.unique(shown.reshape(-1, 3), axis=0)) > 50, f"after {key} the window is blank"
            share = share_different(shown, expected)
            assert share <= MAX_DIFFERENT, f"after {key}, {share:.2%} of pixels differ from the frame"
            shares.append(share)
        assert app.poll() is None, "the app is still running"
    with capsys.disabled():
        print(f"\nreal window F, F, F11, F11: pixels differing from the headless frame {shares}")
