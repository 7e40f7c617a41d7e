"""Frames without a window: --screenshot, --export-frames and --export-gif."""

from __future__ import annotations

import argparse
import io
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from stepper.lesson import Lesson
from stepper.lesson.model import PANEL_NAMES

if TYPE_CHECKING:
    from stepper.app import StartAt


class ExportError(Exception):
    """A headless export that cannot be done as asked; one line for the user."""


def parse_panels(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [n for n in names if n not in PANEL_NAMES]
    if unknown:
        raise ExportError(f"--panels: unknown panel {unknown[0]!r}; choose from {', '.join(PANEL_NAMES)}")
    return names


def export_images(args: argparse.Namespace, lesson: Lesson, start_at: StartAt) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import save_surface
    from stepper.files import OutputError, atomic_write, ready_to_write
    from stepper.navigation import at_step

    for out in (args.screenshot, args.export_gif):
        if out:
            ready_to_write(out, args.overwrite)  # before any training or drawing
    app, base, trace = _opened(args, lesson, start_at)
    if args.screenshot:
        app.set_state(base)
        app.render()
        print(f"wrote {save_surface(app.surface, Path(args.screenshot), args.overwrite)}")
        return 0
    first = replace(base, cursor=at_step(trace, args.phase, 0))
    folder = Path(args.export_frames) if args.export_frames else None
    if folder is not None:
        if folder.exists() and any(folder.iterdir()) and not args.overwrite:
            raise OutputError(f"{folder}: not empty; pass --overwrite to write frames into it")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
        count = 0
        for k, surface in pass_frames(app, first, trace, args.phase, every_op=True):
            save_surface(surface, folder / f"frame-{k:04d}.png", overwrite=True)
            count += 1
        print(f"wrote {count} frames to {folder}")
    if args.export_gif:
        data, count = pass_gif(app, first, trace, args.phase)
        out = atomic_write(args.export_gif, lambda tmp: tmp.write_bytes(data), args.overwrite)
        print(f"wrote {out} ({count} frames)")
    return 0


def _opened(args: argparse.Namespace, lesson: Lesson, start_at: StartAt):
    """The lesson open off-screen at the command line's place and zoom: (app, state, trace)."""
    from stepper.app import App
    from stepper.cli import UsageError, parse_size
    from stepper.files import OutputError

    start_at = replace(start_at, checkpoint=start_at.checkpoint or lesson.checkpoint_names[-1])
    zoom = getattr(args, "zoom", 100)
    if not ZOOM_PERCENT[0] <= zoom <= ZOOM_PERCENT[1]:
        raise UsageError(f"--zoom: {zoom} is outside {ZOOM_PERCENT[0]}..{ZOOM_PERCENT[1]} (percent)")
    app = App(Path(args.lesson), size=parse_size(args.size), headless=True, start_at=start_at)
    if app.state is None or app.session is None:
        raise OutputError(app.message or "the lesson could not open")
    app.theme = app.theme.zoomed(zoom / 100)
    base = replace(app.state, animate=False, zoom=app.theme.zoom)
    trace = app.trace_of(base)
    span = trace.phase_range(args.phase)
    single = args.screenshot or getattr(args, "export_scene", None)
    if single and not 0 <= args.step < len(span):
        raise UsageError(f"--step: {args.step} is outside 0..{len(span) - 1} for the {args.phase} pass")
    return app, base, trace


ZOOM_PERCENT = (50, 300)


def export_scene(args: argparse.Namespace, lesson: Lesson, start_at: StartAt) -> int:
    """--export-scene: the display list the window would draw at this place, as JSON."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.files import atomic_write_text, ready_to_write
    from stepper.scene_export import scene_json_text

    ready_to_write(args.export_scene, args.overwrite)
    app, base, _ = _opened(args, lesson, start_at)
    app.set_state(base)
    scene = app.build()
    trace = app.trace_of(base)
    place = {
        "lesson": str(args.lesson),
        "checkpoint": base.checkpoint,
        "pass": args.phase,
        "step": args.step,
        "size": list(app.surface.get_size()),
        "zoom": round(app.theme.zoom * 100),
        "panels": list(base.panels),
        "sequence": [trace.vocab[i] for i in (*trace.inputs, *trace.targets[-1:])],
    }
    text = scene_json_text(scene, app.frame(base), app.fonts, place)
    print(f"wrote {atomic_write_text(args.export_scene, text, args.overwrite)}")
    return 0


GIF_MAX_FRAMES = 200
GIF_FRAME_MS = 600
GIF_MAX_WIDTH = 1280


def pass_frames(app, base, trace, phase: str, every_op: bool):
    """Render each op of a pass (or, for a long pass, each timestep's last op) off-screen."""
    import pygame

    from stepper.navigation import at_step
    from stepper.render import LayerCache

    span = trace.phase_range(phase)
    ops = list(range(len(span)))
    if not every_op and len(ops) > GIF_MAX_FRAMES:
        ends = sorted({trace.block_range(trace.block_of(i)).stop - 1 - span.start for i in span})
        ops = ends if len(ends) <= GIF_MAX_FRAMES else ends[:: -(-len(ends) // GIF_MAX_FRAMES)]
    surface = pygame.Surface(app.surface.get_size())
    cache = LayerCache()
    for k in ops:
        state = replace(base, cursor=at_step(trace, phase, k), progress=1.0, hover=None)
        cache.draw(app.build(state, surface.get_size()), surface, app.fonts)
        yield k, surface


def pass_gif(app, base, trace, phase: str) -> tuple[bytes, int]:
    """Each frame is reduced to a 255-colour palette as soon as it is drawn (a byte a pixel,
    so a long pass fits in memory), then Pillow, the `gif` extra, writes the GIF."""
    import pygame

    image = _pillow()
    frames = []
    for _, surface in pass_frames(app, base, trace, phase, every_op=False):
        w, h = surface.get_size()
        if w > GIF_MAX_WIDTH:
            surface = pygame.transform.smoothscale(surface, (GIF_MAX_WIDTH, round(h * GIF_MAX_WIDTH / w)))
        rgb = image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
        frames.append(rgb.quantize(colors=255, method=image.Quantize.FASTOCTREE))
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=GIF_FRAME_MS, loop=0
    )
    return buffer.getvalue(), len(frames)


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ExportError("GIF export needs Pillow: pip install 'rnn-stepper[gif]'") from None
    return Image
