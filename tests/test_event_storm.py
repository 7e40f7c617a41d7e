"""Event storm: 100,000 random events posted into the running app (SDL's dummy driver,
a real display surface), across every built-in lesson, with panels, overlays, zoom,
fullscreen and resizes coming and going.

Checked: no event raises; after every event the cursor is inside its pass and the
checkpoint exists; every ~100 events a frame is built and drawn, and neither step
raises (the app's own safety net in render() is watched, not trusted); memory stops
growing; and, at random places, n ops forward then n back gives the identical pixels.

`RNN_STEPPER_STORM=1000000` runs a longer storm by hand; `RNN_STEPPER_STORM_SEED`
picks another seed.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
import traceback
from collections import Counter, deque
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pygame
import pytest
from window_support import LESSONS

from stepper import app as app_module
from stepper.app import App, key_name
from stepper.commands import BINDINGS, KEYMAP
from stepper.lesson import builtin_lessons
from stepper.scene import Cell, Hotspot
from stepper.session import Session
from stepper.train import TrainResult

EVENTS = int(os.environ.get("RNN_STEPPER_STORM", "100000"))
SEED = int(os.environ.get("RNN_STEPPER_STORM_SEED", "20240606"))
RENDER_EVERY = 100
IDENTITY_EVERY = 1000  # about this often, n forward then n back must give the same pixels
RSS_EVERY = 500
BATCH = 50  # events posted before the queue is pumped, as a busy frame would see them
START_SIZE = (1280, 720)
AWAY = 400  # events on another lesson (after a number key) before the storm goes back

# Keys that are slow on purpose (a lesson opens and trains, a PNG is compressed, a GIF
# renders and quantizes the whole pass: up to 20 s at 1280 px wide): a few of each keep the
# storm honest without making it minutes long. G is left to the long run by hand (and to
# tests/test_files_safety.py).
BUDGET = {
    "open": 8 + EVENTS // 20_000,
    "s": 10 + EVENTS // 10_000,
    "ctrl+s": 5 + EVENTS // 20_000,
    "g": EVENTS // 500_000,
}
# Relative weights of the bound keys; everything not named here weighs 1.
WEIGHTS = {
    "right": 12,
    "left": 10,
    "down": 4,
    "up": 4,
    "shift+right": 2,
    "shift+left": 2,
    "home": 1,
    "end": 1,
    "b": 3,
    "escape": 2,
    "l": 0.3,
    "return": 1,
    "g": 0.01,
    "s": 0.05,
    "ctrl+s": 0.05,
    # Change it and see: typing, editing, undoing, training live (a slice every tick).
    "e": 0.5,
    "=": 0.5,
    "ctrl+z": 0.5,
    "ctrl+r": 0.3,
    "f5": 0.3,
    "f6": 0.1,
    "ctrl+k": 0.1,
    **{str(n): 0.03 for n in range(1, 10)},
}
# Keys the binding table does not name (the keypad's digits and Enter are bound: they map
# to 1-9 and return).
UNBOUND = (
    pygame.K_F2,
    pygame.K_x,
    pygame.K_F4,
    pygame.K_F10,
    pygame.K_j,
    pygame.K_k,
    pygame.K_TAB,
    pygame.K_DELETE,
    pygame.K_INSERT,
    pygame.K_F1,
    pygame.K_F3,
    pygame.K_F12,
    pygame.K_LSHIFT,
    pygame.K_RCTRL,
    pygame.K_LALT,
    pygame.K_CAPSLOCK,
    pygame.K_NUMLOCKCLEAR,
    pygame.K_PRINTSCREEN,
    pygame.K_KP_MULTIPLY,
    pygame.K_0,
    pygame.K_BACKQUOTE,
    pygame.K_SEMICOLON,
    pygame.K_COMMA,
    pygame.K_PERIOD,
    pygame.K_UNKNOWN,
    0x40000123,  # a key code no keyboard sends
)
MODS = (
    pygame.KMOD_LSHIFT,
    pygame.KMOD_RSHIFT,
    pygame.KMOD_LCTRL,
    pygame.KMOD_LALT,
    pygame.KMOD_LMETA,
    pygame.KMOD_CAPS,
    pygame.KMOD_NUM,
    pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT,
    pygame.KMOD_LCTRL | pygame.KMOD_LALT,
)
SIZES = (
    (640, 360),
    (800, 600),
    (1024, 768),
    (1280, 720),
    (1366, 768),
    (1600, 900),
    (1920, 1080),
    (2560, 1440),
    (3840, 2160),
    (1080, 1920),  # a portrait projector
    (500, 300),  # smaller than the app's minimum: a window manager may allow it
    (200, 150),
)


def key_event(name: str, mod: int = 0) -> pygame.event.Event:
    """The KEYDOWN a keyboard sends for a key name of the binding table."""
    special = {
        "ctrl++": (pygame.K_EQUALS, pygame.KMOD_LCTRL, "="),
        "ctrl+-": (pygame.K_MINUS, pygame.KMOD_LCTRL, "-"),
        "ctrl+0": (pygame.K_0, pygame.KMOD_LCTRL, "0"),
        "shift+right": (pygame.K_RIGHT, pygame.KMOD_LSHIFT, ""),
        "shift+left": (pygame.K_LEFT, pygame.KMOD_LSHIFT, ""),
        "+": (pygame.K_EQUALS, pygame.KMOD_LSHIFT, "+"),
        "-": (pygame.K_MINUS, 0, "-"),
        "?": (pygame.K_SLASH, pygame.KMOD_LSHIFT, "?"),
        "[": (pygame.K_LEFTBRACKET, 0, "["),
        "]": (pygame.K_RIGHTBRACKET, 0, "]"),
        "return": (pygame.K_RETURN, 0, "\r"),
        "escape": (pygame.K_ESCAPE, 0, "\x1b"),
        "space": (pygame.K_SPACE, 0, " "),
        "ctrl+p": (pygame.K_p, pygame.KMOD_LCTRL, ""),
    }
    if name in special:
        key, base, text = special[name]
    elif name.startswith("ctrl+"):
        key, base, text = pygame.key.key_code(name[5:]), pygame.KMOD_LCTRL, ""
    else:
        key, base, text = pygame.key.key_code(name), 0, name if len(name) == 1 else ""
    return pygame.event.Event(pygame.KEYDOWN, key=key, mod=base | mod, unicode=text, scancode=0)


BOUND = tuple(k for b in BINDINGS for k in b.keys)


def test_every_bound_key_has_an_event_that_maps_back():
    pygame.display.init()
    for b in BINDINGS:
        for name in b.keys:
            assert KEYMAP.get(key_name(key_event(name))) is b.command, name


class Storm:
    def __init__(self, app: App, rng: random.Random) -> None:
        self.app = app
        self.rng = rng
        self.kinds: Counter[str] = Counter()
        self.keys: Counter[str] = Counter()
        self.spent: Counter[str] = Counter()
        self.quits = 0
        self.sizes: set[tuple[int, int]] = set()
        self.key_names = list(BOUND)
        self.key_weights = [WEIGHTS.get(k, 1.0) for k in self.key_names]
        self._targets: tuple = (None, [])

    # ----- what to post ----------------------------------------------------------------
    def point(self) -> tuple[int, int]:
        """Half the time on something the scene says is there (a cell, a code token, a
        timeline column, a lesson), else anywhere, a little outside the window too."""
        w, h = self.app.surface.get_size()
        scene = self.app.scene
        if scene is not None and self.rng.random() < 0.5:
            if self._targets[0] is not scene:
                self._targets = (scene, [i for i in scene.items if isinstance(i, (Cell, Hotspot))])
            targets = self._targets[1]
            if targets:
                t = self.rng.choice(targets)
                return t.x + self.rng.randrange(max(1, t.w)), t.y + self.rng.randrange(max(1, t.h))
        return self.rng.randint(-5, w + 5), self.rng.randint(-5, h + 5)

    def bound_key(self) -> pygame.event.Event:
        name = self.rng.choices(self.key_names, self.key_weights)[0]
        state = self.app.state
        typing = state is not None and state.mode == "entry"  # Enter accepts there
        if typing and state.entry_kind == "sequence" and state.entry and self.rng.random() < 0.25:
            name = "return"  # a typed sequence is played often, whatever the seed, not by luck
        budget = "open" if name.isdigit() or (name == "return" and not typing) else name
        if budget in BUDGET:
            if self.spent[budget] >= BUDGET[budget]:
                name = "right"
            else:
                self.spent[budget] += 1
        self.keys[name] += 1
        return key_event(name)

    def unbound_key(self) -> pygame.event.Event:
        rng = self.rng
        if rng.random() < 0.5:  # a bound key with a modifier that makes it another key
            name = rng.choice([k for k in BOUND if len(k) == 1 or k in ("right", "left", "home", "end")])
            if name.isdigit() or name in ("g", "s"):
                name = "right"
            event = key_event(name, rng.choice(MODS))
        else:
            text = rng.choice(("", "q", "é", "\t", "€", "\x00"))
            event = pygame.event.Event(
                pygame.KEYDOWN, key=rng.choice(UNBOUND), mod=rng.choice((0, *MODS)), unicode=text, scancode=0
            )
        name = key_name(event)
        self.keys[name if name in KEYMAP else "(unbound)"] += 1
        return event

    def resize(self) -> list[pygame.event.Event]:
        """What a window manager does: the window (and SDL's surface) gets the new size,
        then the app hears about it."""
        w, h = self.rng.choice(SIZES)
        if self.rng.random() < 0.85:
            pygame.display.set_mode((w, h), pygame.RESIZABLE)
            self.sizes.add((w, h))
        return [
            pygame.event.Event(pygame.VIDEORESIZE, w=w, h=h, size=(w, h)),
            pygame.event.Event(pygame.WINDOWSIZECHANGED, x=w, y=h, window=None),
        ]

    def events(self) -> list[pygame.event.Event]:
        rng = self.rng
        r = rng.random()
        if r < 0.50:
            kind, out = "key", [self.bound_key()]
        elif r < 0.58:
            out = [self.unbound_key()]
            kind = "key" if key_name(out[0]) in KEYMAP else "unbound key"
        elif r < 0.62:
            kind = "text"  # typed text: into an open entry (K, E, =), kept or refused by its kind
            texts = ("7", "42", "0", "1", "x", "é", "", "h", "l", "lo", " ", ",", "-0.5", "1e3", "nan")
            state, session = self.app.state, self.app.session
            typing = state is not None and session is not None and state.entry_kind == "sequence"
            if typing and rng.random() < 0.7:
                texts = session.lesson.vocab  # symbols the sequence entry keeps, mostly
            out = [pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(texts))]
        elif r < 0.63:
            kind = "key up"
            out = [pygame.event.Event(pygame.KEYUP, key=rng.choice((pygame.K_RIGHT, pygame.K_a)), mod=0)]
        elif r < 0.79:
            x, y = self.point()
            kind = "mouse motion"
            out = [pygame.event.Event(pygame.MOUSEMOTION, pos=(x, y), rel=(1, 0), buttons=(0, 0, 0))]
        elif r < 0.87:
            x, y = self.point()
            button = rng.choice((1, 1, 1, 1, 2, 3, 4, 5))
            hit = self.app.scene.hit(x, y) if self.app.scene is not None and button == 1 else None
            if getattr(hit, "kind", "") == "lesson":  # a click that opens (and trains) a lesson
                if self.spent["open"] >= BUDGET["open"]:
                    button = 3
                else:
                    self.spent["open"] += 1
            kind = "click"
            out = [
                pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=button),
                pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=button),
            ]
        elif r < 0.93:
            dy = rng.choice((-3, -1, 1, 3))
            kind = "wheel"
            out = [
                pygame.event.Event(
                    pygame.MOUSEWHEEL, x=0, y=dy, flipped=False, precise_x=0.0, precise_y=float(dy), which=0
                )
            ]
        elif r < 0.95:
            kind, out = "resize", self.resize()
        elif r < 0.98:
            kind, out = "quit", [pygame.event.Event(pygame.QUIT)]
        elif r < 0.985:
            kind = "drop"  # a file dropped on the window: a text or lesson opens, others are refused
            name = rng.choice(("notes.txt", "missing.yaml", "picture.png", "empty.txt"))
            if name == "notes.txt" and self.spent["open"] >= BUDGET["open"]:
                name = "picture.png"
            elif name == "notes.txt":
                self.spent["open"] += 1
            out = [pygame.event.Event(pygame.DROPFILE, file=str(Path.cwd() / name))]
        else:
            kind = "window"
            out = [
                pygame.event.Event(
                    rng.choice((pygame.WINDOWEXPOSED, pygame.WINDOWFOCUSLOST, pygame.WINDOWENTER)),
                    window=None,
                )
            ]
        self.kinds[kind] += 1
        return out


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc; 0 where there is no /proc."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def describe(event: pygame.event.Event) -> str:
    if event.type == pygame.KEYDOWN:
        return f"key {key_name(event)!r}"
    return pygame.event.event_name(event.type) + str(getattr(event, "pos", getattr(event, "size", "")))


def recent(history) -> str:
    """The last events and where each left the app, for a failure message."""
    return "\n".join(f"{what:30} -> {place}" for what, place in history)


def check_cursor(app: App, history) -> None:
    state, session = app.state, app.session
    if state is None or session is None:
        return
    assert state.checkpoint in session.checkpoint_names, recent(history)
    span = app.trace_of(state).phase_range(state.cursor.phase)  # a checkpoint's, or iteration K's
    assert state.cursor.index in span, f"{state.cursor} outside {span}; last events:\n" + recent(history)


class Place:
    """Where an event left the app, formatted only if a failure needs it."""

    __slots__ = ("lesson", "message", "state")

    def __init__(self, app: App) -> None:
        self.state = app.state
        self.lesson = app.session.lesson.path.name if app.session else None
        self.message = app.message

    def __format__(self, spec: str) -> str:
        if self.state is None:
            return f"start screen {self.message[:60]!r}"
        s = self.state
        return (
            f"{self.lesson} {s.checkpoint} {s.cursor.phase}#{s.cursor.index} "
            f"overlay={s.overlay!r} playing={s.playing} panels={s.panels}"
        )


class Described:
    __slots__ = ("event",)

    def __init__(self, event: pygame.event.Event) -> None:
        self.event = event

    def __format__(self, spec: str) -> str:
        return format(describe(self.event), spec)


def frame_pixels(app: App) -> bytes:
    app.dirty = True
    app.render()
    return pygame.image.tobytes(app.surface, "RGB")


def forward_back_identity(app: App, rng: random.Random) -> int | None:
    """n ops forward then n back, as real key presses, must give the same state and the
    same pixels. Settled frames only (no animation, not playing, no status message that a
    move would clear); n is only as large as the pass allows, since the ends clamp.
    Returns n, or None where no move is possible."""
    for event in pygame.event.get():  # what SDL queued since (a resize brings a few)
        app.handle(event)
    app.running = True
    if app.state is None or app.session is None:
        return None
    trace = app.trace_of(app.state)
    span = trace.phase_range(app.state.cursor.phase)
    n = min(rng.randint(1, 24), span.stop - 1 - app.state.cursor.index)
    if n <= 0:
        return None
    # Open notes turn the arrows into scrolling, which stops at either end: closed here.
    overlay = "" if app.state.overlay == "notes" else app.state.overlay
    settled = dict(animate=False, playing=False, progress=1.0, message="", quit_asked=False, overlay=overlay)
    # A question (or Y's value to type) stops a step forward on purpose: stepping alone here.
    asking = dict(questions=app.state.questions, compute=app.state.compute)
    asked = app.state.quiz is not None  # its mode is "question", or the "answer" entry
    settled.update(questions=False, compute=False, quiz=None, mode="step" if asked else app.state.mode)
    app.set_state(replace(app.state, **settled))
    before_state = app.state
    before = frame_pixels(app)
    for name in ["right"] * n + ["left"] * n:
        pygame.event.post(key_event(name))
    seen = []
    for event in pygame.event.get():
        app.handle(event)
        seen.append(describe(event))
    assert app.state == before_state, f"n = {n}: not the same state after {seen}"
    if frame_pixels(app) != before:
        raise AssertionError(
            f"n = {n}: the frame differs after {n} forward and {n} back: " + explain(app, before)
        )
    app.set_state(replace(app.state, **asking))
    return n


def explain(app: App, before: bytes) -> str:
    """Where the pixels differ, which layers cover that place, and which of the two frames a
    clean redraw agrees with; both frames are saved for a look."""
    import numpy as np

    from stepper.render import LayerCache

    w, h = app.surface.get_size()
    after = np.frombuffer(pygame.image.tobytes(app.surface, "RGB"), np.uint8).reshape(h, w, 3)
    old = np.frombuffer(before, np.uint8).reshape(h, w, 3)
    clean = pygame.Surface((w, h))
    LayerCache().draw(app.build(), clean, app.fonts)
    fresh = np.frombuffer(pygame.image.tobytes(clean, "RGB"), np.uint8).reshape(h, w, 3)
    ys, xs = np.nonzero((after != old).any(axis=2))
    box = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
    layers = [
        layer.name
        for layer in app.scene.layers
        if layer.x <= box[2]
        and box[0] < layer.x + layer.w
        and layer.y <= box[3]
        and box[1] < layer.y + layer.h
    ]
    out = Path(os.environ.get("RNN_STEPPER_STORM_OUT", "/tmp")) / "storm-identity"
    out.mkdir(parents=True, exist_ok=True)
    for name, image in (("before", old), ("after", after), ("clean", fresh)):
        pygame.image.save(pygame.image.frombuffer(image.tobytes(), (w, h), "RGB"), str(out / f"{name}.png"))
    agrees = (
        "before" if np.array_equal(fresh, old) else "after" if np.array_equal(fresh, after) else "neither"
    )
    return (
        f"{len(xs)} pixels in {box}, layers there {layers}; a clean redraw equals {agrees}; "
        f"state {Place(app)}; images in {out}"
    )


class TrainedOnce(Session):
    """Side by side with the lesson's second cell (V) trains that model with Session.open
    each time the lesson is reopened. Training is deterministic (tests/test_engine_recording.py
    checks it bit for bit), so the storm trains each such model once and reuses the result;
    lessons themselves open the ordinary way, a budgeted number of times."""

    _trained: ClassVar[dict[tuple, TrainResult]] = {}

    @classmethod
    def open(cls, lesson):
        key = (str(lesson.path), repr(lesson.train_config()), tuple(lesson.data))
        result = cls._trained.get(key)
        if result is None:
            result = cls._trained[key] = Session.open(lesson).result
        return cls(lesson, result)


@pytest.fixture
def storm_app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # S and G save here; dropped files come from here
    (tmp_path / "notes.txt").write_text("the storm drops a text: it opens as a lesson.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    monkeypatch.setattr(app_module, "Session", TrainedOnce)
    app = App(None, size=START_SIZE)
    errors: list[str] = []

    def watched(method):
        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:
                errors.append(traceback.format_exc())
                raise

        return call

    # render() catches everything so the window stays up; the storm wants to know.
    app.build = watched(app.build)
    app.layers.draw = watched(app.layers.draw)
    yield app, errors
    pygame.display.quit()


def test_event_storm(storm_app, tmp_path, capsys):
    app, errors = storm_app
    rng = random.Random(SEED)
    storm = Storm(app, rng)
    lessons = builtin_lessons()
    assert len(lessons) >= 6
    per_lesson: Counter[str] = Counter()
    history: deque[tuple] = deque(maxlen=12)
    handled = 0
    opened_at = 0.0
    rss: list[tuple[int, float]] = []
    renders = identity_checks = identity_ops = 0
    started = time.perf_counter()
    posted = 0
    changed: Counter[str] = Counter()  # ticks spent in each changed state
    # Two rounds over the lessons: the second half of the storm sees what the first saw,
    # so memory that is still growing there is a leak, not a cache filling up.
    segment = -(-EVENTS // (2 * len(lessons)))
    next_identity = rng.randint(1, 2 * IDENTITY_EVERY)
    away = 0
    while posted < EVENTS:
        home = lessons[(posted // segment) % len(lessons)]
        # Each lesson gets its share, opened the ordinary way; a number key may take the
        # storm elsewhere for a while, then it comes back.
        if posted % segment == 0 or away > AWAY:
            t0 = time.perf_counter()
            app.open_lesson(home)
            while getattr(app, "opening", None) is not None:  # a long training runs in slices
                app.tick(0.016)
            opened_at = max(opened_at, time.perf_counter() - t0)
            assert app.session is not None, app.message
            away = 0
        batch = []
        while len(batch) < BATCH and posted < EVENTS:
            events = storm.events()
            batch.extend(events)
            posted += 1
            if posted % segment == 0:
                break
        for event in batch:
            pygame.event.post(event)
        for event in pygame.event.get():
            app.handle(event)
            handled += 1
            if not app.running:  # Esc without an overlay, or a quit event: the storm goes on
                storm.quits += 1
                app.running = True
            history.append((Described(event), Place(app)))
            check_cursor(app, history)
        if app.session is not None:
            per_lesson[app.session.lesson.path.name] += len(batch)
        away = 0 if app.session is not None and app.session.lesson.path == home else away + len(batch)
        dt = rng.choice((0.0, 0.016, 0.05, 0.3))
        app.tick(dt)
        if app.state is not None:  # what the storm changed: live training, weights, sequences
            changed["training live"] += app.state.training
            changed["weights edited"] += bool(app.state.edits)
            changed["sequence typed"] += app.state.sequence is not None
            changed["entry open"] += app.state.mode == "entry"
        history.append((f"tick {dt}", Place(app)))
        check_cursor(app, history)
        if posted // RENDER_EVERY != (posted - len(batch)) // RENDER_EVERY:
            app.dirty = True
            app.render()
            renders += 1
            assert not errors, errors[0]
        if posted >= next_identity:
            n = forward_back_identity(app, rng)
            if n is not None:
                identity_checks += 1
                identity_ops += n
            next_identity = posted + rng.randint(1, 2 * IDENTITY_EVERY)
        if posted // RSS_EVERY != (posted - len(batch)) // RSS_EVERY:
            rss.append((posted, rss_mb()))
    seconds = time.perf_counter() - started
    assert not errors, errors[0]

    half = [m for k, m in rss if k > EVENTS // 2]
    first = [m for k, m in rss if k <= EVENTS // 2]
    growth = max(half) - max(first)
    end_growth = rss[-1][1] - rss[len(rss) // 2][1]
    peak = peak_rss_mb()
    with capsys.disabled():
        print(
            f"\nevent storm: {posted} random inputs (seed {SEED}), {handled} events handled, in "
            f"{seconds:.1f} s ({posted / seconds:,.0f} inputs/s); {renders} frames drawn, 0 exceptions; "
            f"{identity_checks} forward-n/back-n checks ({identity_ops} ops each way), all pixel-identical; "
            f"{storm.quits} quit/Esc ignored; resized to {len(storm.sizes)} sizes; "
            f"slowest lesson open {opened_at:.2f} s\n"
            f"  memory: peak RSS {peak:.0f} MB; RSS max first half {max(first):.0f} MB, "
            f"second half {max(half):.0f} MB (growth {growth:+.0f} MB; mid to end {end_growth:+.0f} MB)\n"
            f"  events: {dict(storm.kinds.most_common())}\n"
            f"  lessons: {dict(per_lesson.most_common())}\n"
            f"  slow keys spent: {dict(storm.spent)}\n"
            f"  ticks while changed: {dict(changed)}"
        )
    assert len(per_lesson) >= len(lessons), f"every built-in lesson got events: {per_lesson}"
    for what in ("training live", "weights edited", "sequence typed", "entry open"):
        assert changed[what] > 0, f"the storm never reached {what}: {changed}"
    assert identity_checks >= EVENTS // (4 * IDENTITY_EVERY)
    assert renders >= EVENTS // RENDER_EVERY // 2
    assert growth < 64, f"memory still growing in the second half: +{growth:.0f} MB"
    assert end_growth < 64, f"memory grew {end_growth:+.0f} MB from the middle to the end"


def test_storm_sizes_are_real(storm_app):
    """The resize path the storm uses really changes what is drawn (not a no-op)."""
    app, errors = storm_app
    app.open_lesson(LESSONS / "alternating.yaml")
    for w, h in ((640, 360), (2560, 1440)):
        pygame.display.set_mode((w, h), pygame.RESIZABLE)
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=w, h=h, size=(w, h)))
        for event in pygame.event.get():
            app.handle(event)
        app.render()
        assert app.surface.get_size() == (w, h) and app.scene.width == w and app.scene.height == h
    assert not errors
