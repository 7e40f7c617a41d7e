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
    from stepper.app import App, save_surface
    from stepper.cli import UsageError, parse_size
    from stepper.files import OutputError, atomic_write, ready_to_write
    from stepper.navigation import at_step

    for out in (args.screenshot, args.export_gif):
        if out:
            ready_to_write(out, args.overwrite)  # before any training or drawing
    start_at = replace(start_at, checkpoint=start_at.checkpoint or lesson.checkpoint_names[-1])
    app = App(lesson.path, size=parse_size(args.size), headless=True, start_at=start_at, lesson=lesson)
    if app.state is None or app.session is None:
        raise OutputError(app.message or "the lesson could not open")
    base = replace(app.state, animate=False).exported()
    trace = app.trace_of(base)
    span = trace.phase_range(args.phase)
    if args.screenshot:
        if not 0 <= args.step < len(span):
            raise UsageError(f"--step: {args.step} is outside 0..{len(span) - 1} for the {args.phase} pass")
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


GIF_MAX_FRAMES = 200
GIF_FRAME_MS = 600
GIF_MAX_WIDTH = 1280


def pass_frames(app, base, trace, phase: str, every_op: bool, size=None, theme=None):
    """Render each op of a pass (or, for a long pass, each timestep's last op) off-screen,
    at `size` (default: the app's) and without the status bar's passing notes."""
    import pygame

    from stepper.navigation import at_step
    from stepper.render import LayerCache

    span = trace.phase_range(phase)
    ops = list(range(len(span)))
    if not every_op and len(ops) > GIF_MAX_FRAMES:
        ends = sorted({trace.block_range(trace.block_of(i)).stop - 1 - span.start for i in span})
        ops = ends if len(ends) <= GIF_MAX_FRAMES else ends[:: -(-len(ends) // GIF_MAX_FRAMES)]
    surface = pygame.Surface(size or app.surface.get_size())
    cache = LayerCache()
    for k in ops:
        state = replace(base.exported(), cursor=at_step(trace, phase, k), hover=None)
        cache.draw(app.build(state, surface.get_size(), theme), surface, app.fonts)
        yield k, surface


def gif_size(size: tuple[int, int]) -> tuple[int, int]:
    """A window wider than GIF_MAX_WIDTH is drawn again at that width, not shrunk: shrinking
    would take its text below the smallest size a room can read."""
    w, h = size
    return size if w <= GIF_MAX_WIDTH else (GIF_MAX_WIDTH, round(h * GIF_MAX_WIDTH / w))


def pass_gif(app, base, trace, phase: str) -> tuple[bytes, int]:
    """Each frame is drawn at the GIF's own size (zoom at least 100%, so no text is under
    16 px) and reduced to a 255-colour palette as soon as it is drawn (a byte a pixel, so a
    long pass fits in memory), then Pillow writes the GIF."""
    import pygame

    image = _pillow()
    frames = []
    size = gif_size(app.surface.get_size())
    from stepper.app import MIN_SIZE

    fits = min(size[0] / MIN_SIZE[0], size[1] / MIN_SIZE[1])  # the largest zoom the GIF's size holds
    theme = app.theme.zoomed(min(max(1.0, app.theme.zoom), max(1.0, fits)))
    for _, surface in pass_frames(app, base, trace, phase, every_op=False, size=size, theme=theme):
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
        raise ExportError(
            "GIF export needs Pillow, which installs with rnn-stepper; reinstall it (pip install pillow)"
        ) from None
    return Image
