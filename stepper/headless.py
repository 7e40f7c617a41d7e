"""Frames without a window: --screenshot, --export-frames and --export-gif."""

from __future__ import annotations

import argparse
import io
import os
from dataclasses import replace
from pathlib import Path

from stepper.lesson import Lesson
from stepper.lesson.model import PANEL_NAMES


class ExportError(Exception):
    """A headless export that cannot be done as asked; one line for the user."""


def parse_panels(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [n for n in names if n not in PANEL_NAMES]
    if unknown:
        raise ExportError(f"--panels: unknown panel {unknown[0]!r}; choose from {', '.join(PANEL_NAMES)}")
    return names


def export_images(args: argparse.Namespace, lesson: Lesson) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import App, save_surface
    from stepper.cli import UsageError, parse_size
    from stepper.files import OutputError, atomic_write
    from stepper.navigation import at_step

    size = parse_size(args.size)
    try:
        panels = parse_panels(args.panels)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    app = App(Path(args.lesson), size=size, headless=True)
    if app.state is None or app.session is None:
        raise OutputError(app.message or "the lesson could not open")
    names = app.session.checkpoint_names
    checkpoint = args.checkpoint or names[-1]
    if checkpoint not in names:
        raise UsageError(f"--checkpoint: no checkpoint {checkpoint!r}; this lesson has {', '.join(names)}")
    trace = app.session.trace(checkpoint)
    base = replace(app.state, checkpoint=checkpoint, panels=panels or app.state.panels, animate=False)
    span = trace.phase_range(args.phase)
    if args.screenshot:
        if not 0 <= args.step < len(span):
            raise UsageError(f"--step: {args.step} is outside 0..{len(span) - 1} for the {args.phase} pass")
        app.set_state(replace(base, cursor=at_step(trace, args.phase, args.step)))
        app.render()
        print(f"wrote {save_surface(app.surface, Path(args.screenshot), args.overwrite)}")
        return 0
    frames = []
    folder = Path(args.export_frames) if args.export_frames else None
    if folder is not None:
        if folder.exists() and any(folder.iterdir()) and not args.overwrite:
            raise OutputError(f"{folder}: not empty; pass --overwrite to write frames into it")
        folder.mkdir(parents=True, exist_ok=True)
    for k in range(len(span)):
        app.set_state(replace(base, cursor=at_step(trace, args.phase, k)))
        app.dirty = True
        app.render()
        if folder is not None:
            save_surface(app.surface, folder / f"frame-{k:04d}.png", overwrite=True)
        if args.export_gif:
            frames.append(_rgb(app.surface))
    if folder is not None:
        print(f"wrote {len(span)} frames to {folder}")
    if args.export_gif:
        data = gif_bytes(frames, seconds_per_frame=0.6)
        out = atomic_write(args.export_gif, lambda tmp: tmp.write_bytes(data), args.overwrite)
        print(f"wrote {out} ({len(frames)} frames)")
    return 0


def _rgb(surface):
    import pygame

    return pygame.surfarray.array3d(surface).swapaxes(0, 1).copy()


def gif_bytes(frames: list, seconds_per_frame: float) -> bytes:
    """Encoded by imageio (the `gif` extra), not by hand."""
    try:
        import imageio.v3 as iio
    except ImportError:
        raise ExportError("GIF export needs imageio: pip install 'rnn-stepper[gif]'") from None
    buffer = io.BytesIO()
    iio.imwrite(buffer, frames, extension=".gif", duration=int(seconds_per_frame * 1000), loop=0)
    return buffer.getvalue()
