"""Frames without a window: --screenshot, --export-scene, --export-frames and --export-gif."""

from __future__ import annotations

import argparse
import io
import os
import re
import stat
import sys
import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from stepper.lesson import Lesson
from stepper.lesson.errors import one_line
from stepper.lesson.model import PANEL_NAMES

if TYPE_CHECKING:
    from stepper.places import StartAt


class ExportError(Exception):
    """A headless export that cannot be done as asked; one line for the user."""


def parse_panels(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [n for n in names if n not in PANEL_NAMES]
    if unknown:
        raise ExportError(f"--panels: unknown panel {unknown[0]!r}; choose from {', '.join(PANEL_NAMES)}")
    return names


#: --export-frames writes at most this many frames a run (about 50 ms a frame at 1920x1080
#: here: a minute and a half); a longer pass is refused with the --every that fits.
MAX_FRAMES = 2000
#: On a terminal, --export-frames says how far it is every this many frames.
PROGRESS_EVERY = 50
#: Present while an export writes into a frames folder.
LOCK_NAME = ".rnn-stepper-writing"
FRAME_NAME = re.compile(r"frame-\d{4,5}\.png")


def export_images(args: argparse.Namespace, lesson: Lesson, start_at: StartAt) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import save_surface
    from stepper.cli import pass_length
    from stepper.files import OutputError, atomic_write, ready_to_write
    from stepper.navigation import at_step

    for out in (args.screenshot, args.export_gif):
        if out:
            ready_to_write(out, args.overwrite)  # before any training or drawing
    folder = Path(args.export_frames) if args.export_frames else None
    if folder is not None:  # checked before training; again before writing (write_frames)
        frames_folder(folder, args.overwrite)
        ops = frame_ops(
            pass_length(lesson, start_at.sequence, start_at.phase), args.every or 1, start_at.phase
        )
    app, base, trace = _opened(args, lesson, start_at)
    phase = start_at.phase
    if args.screenshot:
        app.set_state(base)
        app.render()
        out = save_surface(app.surface, Path(args.screenshot), args.overwrite)
        print(f"wrote {one_line(str(out))}")
        return 0
    first = replace(base, cursor=at_step(trace, phase, 0))
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
        with writing_into(folder):
            count = write_frames(app, first, trace, phase, ops, folder, args.overwrite)
        print(f"wrote {count} frames to {one_line(str(folder))}")
    if args.export_gif:
        data, count = pass_gif(app, first, trace, phase)
        out = atomic_write(args.export_gif, lambda tmp: tmp.write_bytes(data), args.overwrite)
        print(f"wrote {one_line(str(out))} ({count} frames)")
    return 0


def replay_keys(app, text: str) -> None:
    """--keys into the app, as the events a keyboard and mouse send."""
    from stepper.keys import KeysError, parse_keys, replay

    try:
        replay(app, parse_keys(text))
    except KeysError as exc:
        raise ExportError(f"--keys: {exc}") from None
    if app.state is not None and app.state.mode == "entry":  # what was typed was never accepted
        why = f" ({app.state.message})" if app.state.message else ""
        kind = app.state.entry_kind
        raise ExportError(f"--keys: ends with the {kind} entry still open{why}; end it with return")


def keyed_app(args: argparse.Namespace, lesson: Lesson, start_at: StartAt):
    """A headless app at --checkpoint etc. with --keys replayed: what --export-trace and
    --export-weights read when keys changed the sequence, the weights or trained live."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.app import App
    from stepper.files import OutputError

    wanted = start_at.checkpoint or lesson.checkpoint_names[-1]
    app = App(lesson.path, headless=True, start_at=replace(start_at, checkpoint=wanted), lesson=lesson)
    if app.state is None or app.session is None:
        raise OutputError(app.message or "the lesson could not open")
    refuse_unreached(app.session, wanted)
    replay_keys(app, args.keys)
    return app


def write_frames(app, first, trace, phase: str, ops: list[int], folder: Path, overwrite: bool) -> int:
    """Draw and save the frames, then remove the old frames this export did not replace. The
    folder is checked again here, under the lock: another export may have filled it while
    this one trained."""
    from stepper.app import save_surface

    stale = frames_folder(folder, overwrite, ours=True)
    written = set()
    progress = sys.stderr.isatty() and len(ops) > PROGRESS_EVERY  # a terminal watching
    for k, surface in pass_frames(app, first, trace, phase, ops=ops):
        name = f"frame-{k + 1:04d}.png"
        save_surface(surface, folder / name, overwrite=True)
        written.add(name)
        if progress and len(written) % PROGRESS_EVERY == 0:
            print(f"\r{len(written):,} of {len(ops):,} frames", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    for old in stale:
        if old.name not in written:
            old.unlink(missing_ok=True)  # a frame of an earlier, longer export
    return len(written)


@contextmanager
def writing_into(folder: Path):
    """One export at a time into a frames folder: a lock file made with O_EXCL (which fails
    if it exists), removed when the export ends, however it ends."""
    from stepper.files import OutputError

    lock = folder / LOCK_NAME
    try:
        os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        raise OutputError(_locked(folder)) from None
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write in it ({exc.strerror or exc})") from None
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _locked(folder: Path) -> str:
    return (
        f"{folder}: another export is writing frames into it (if none is running, "
        f"delete {folder / LOCK_NAME})"
    )


def refuse_unreached(session, wanted: str) -> None:
    """A checkpoint that training never reached (it diverged first) is refused, never drawn
    as another one."""
    if wanted in session.checkpoint_names:
        return
    result = session.result
    if result.divergence is None:  # only 'last good' can be missing: it marks a divergence
        raise ExportError(f"{session.lesson.path}: no checkpoint {wanted!r}: training did not diverge")
    iteration = dict(session.lesson.training.checkpoints).get(wanted, "?")
    raise ExportError(
        f"{session.lesson.path}: checkpoint {wanted!r} (iteration {iteration}) was never reached: "
        f"{result.divergence.reason}; the checkpoints reached are {', '.join(session.checkpoint_names)} "
        "(pass --checkpoint NAME; 'last good' holds the weights just before the fault)"
    )


def frames_folder(folder: Path, overwrite: bool, ours: bool = False) -> list[Path]:
    """Check the frames folder before any work; with --overwrite, the old frames in it (all
    to be replaced or removed, so the folder holds exactly one export). `ours`: this export
    holds the folder's lock."""
    from stepper.files import NAME_MAX, OutputError

    if any(len(os.fsencode(part)) > NAME_MAX for part in folder.parts):
        raise OutputError(f"{folder}: a folder name longer than {NAME_MAX} bytes; use a shorter name")
    try:
        if not folder.exists():
            return []
        if not folder.is_dir():
            raise OutputError(
                f"{folder}: exists and is not a folder; --export-frames needs a folder for its frames"
            )
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise OutputError(f"{folder}: cannot be used ({exc.strerror or exc})") from None
    if any(p.name == LOCK_NAME for p in entries) and not ours:
        raise OutputError(_locked(folder))
    entries = [p for p in entries if p.name != LOCK_NAME]
    if not entries:
        return []
    if not overwrite:
        raise OutputError(f"{folder}: not empty; pass --overwrite to replace the frames in it")
    others = [p.name for p in entries if not FRAME_NAME.fullmatch(p.name)]
    if others:
        raise OutputError(
            f"{folder}: holds {others[0]!r}, not a frame; --overwrite replaces only frame-NNNN.png "
            "files, so give an empty folder or one with frames only"
        )
    for p in entries:
        if not stat.S_ISREG(p.lstat().st_mode):
            raise OutputError(f"{p}: not a regular file; --overwrite replaces only regular files")
    return entries


def frame_ops(count: int, every: int, phase: str) -> list[int]:
    """The ops --export-frames draws: every `every`th, and the last; refused past MAX_FRAMES."""
    ops = list(range(0, count, every))
    if ops[-1] != count - 1:
        ops.append(count - 1)
    if len(ops) > MAX_FRAMES:
        fits = -(-count // (MAX_FRAMES - 1))
        raise ExportError(
            f"--export-frames: the {phase} pass has {count:,} steps; at most {MAX_FRAMES:,} frames a "
            f"run: add --every {fits} (one step in {fits}, and the last) or play a shorter --sequence"
        )
    return ops


def _opened(args: argparse.Namespace, lesson: Lesson, start_at: StartAt):
    """The lesson open off-screen at the command line's place and zoom: (app, state, trace).
    A checkpoint that training never reached is refused, never drawn as another one."""
    from stepper.app import App
    from stepper.cli import DEFAULT_SIZE, parse_size
    from stepper.files import OutputError

    wanted = start_at.checkpoint or lesson.checkpoint_names[-1]
    start_at = replace(start_at, checkpoint=wanted)
    size = parse_size(args.size or DEFAULT_SIZE)
    app = App(lesson.path, size=size, headless=True, start_at=start_at, lesson=lesson)
    if app.state is None or app.session is None:
        raise OutputError(app.message or "the lesson could not open")
    refuse_unreached(app.session, wanted)
    app.theme = app.theme.zoomed((args.zoom or 100) / 100)
    if getattr(args, "keys", None):
        replay_keys(app, args.keys)
    base = replace(app.state, animate=False, zoom=app.theme.zoom).exported()
    return app, base, app.trace_of(base)


def export_scene(args: argparse.Namespace, lesson: Lesson, start_at: StartAt) -> int:
    """--export-scene: the display list the window would draw at this place, as JSON."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from stepper.files import atomic_write_text, ready_to_write
    from stepper.navigation import position
    from stepper.scene_export import scene_json_text

    ready_to_write(args.export_scene, args.overwrite)
    app, base, trace = _opened(args, lesson, start_at)
    app.set_state(base)
    scene = app.build()
    place = {
        "lesson": str(args.lesson or lesson.path),
        "checkpoint": base.checkpoint,
        "pass": base.cursor.phase,
        "step": position(base.cursor, trace)[0],
        "size": list(app.surface.get_size()),
        "zoom": round(app.theme.zoom * 100),
        "panels": list(base.panels),
        "sequence": [trace.vocab[i] for i in (*trace.inputs, *trace.targets[-1:])],
    }
    text = scene_json_text(scene, app.frame(base), app.fonts, place)
    print(f"wrote {one_line(str(atomic_write_text(args.export_scene, text, args.overwrite)))}")
    return 0


GIF_MAX_FRAMES = 200
#: Frames drawn between clearing the views' memos, so a long export's memory stays flat.
FORGET_EVERY = 100
GIF_FRAME_MS = 600
GIF_MAX_WIDTH = 1280
COMPRESS_WAIT = 0.01  # seconds a GIF being compressed is waited for before the window goes on


def pass_frames(app, base, trace, phase: str, ops: list[int] | None = None, size=None, theme=None):
    """Render the given ops of a pass off-screen (by default: all of a short pass, or, for a
    long pass, each timestep's last op, at most GIF_MAX_FRAMES), at `size` (default: the
    app's) and without the status bar's passing notes."""
    import pygame

    from stepper.navigation import at_step
    from stepper.render import LayerCache
    from stepper.views.screen import forget as forget_views

    surface = pygame.Surface(size or app.surface.get_size())
    cache = LayerCache()
    for n, k in enumerate(pass_ops(trace, phase) if ops is None else ops, 1):
        state = replace(base.exported(), cursor=at_step(trace, phase, k), hover=None)
        cache.draw(app.build(state, surface.get_size(), theme), surface, app.fonts)
        yield k, surface
        if n % FORGET_EVERY == 0:  # a pass is drawn once, in order: the views' memos only grow
            forget_views()


def pass_ops(trace, phase: str) -> list[int]:
    """The ops a pass's GIF shows: all of a short pass; of a long one each timestep's last
    op, at most GIF_MAX_FRAMES."""
    span = trace.phase_range(phase)
    ops = list(range(len(span)))
    if len(ops) > GIF_MAX_FRAMES:
        ends = sorted({trace.block_range(trace.block_of(i)).stop - 1 - span.start for i in span})
        ops = ends if len(ends) <= GIF_MAX_FRAMES else ends[:: -(-len(ends) // GIF_MAX_FRAMES)]
    return ops


def gif_size(size: tuple[int, int]) -> tuple[int, int]:
    """A window wider than GIF_MAX_WIDTH is drawn again at that width, not shrunk: shrinking
    would take its text below the smallest size a room can read."""
    w, h = size
    return size if w <= GIF_MAX_WIDTH else (GIF_MAX_WIDTH, round(h * GIF_MAX_WIDTH / w))


def pass_gif(app, base, trace, phase: str) -> tuple[bytes, int]:
    """The pass's GIF at once (the command line's --export-gif)."""
    drawing = gif_drawing(app, base, trace, phase)
    while True:
        try:
            next(drawing)
        except StopIteration as done:
            return done.value


def gif_drawing(app, base, trace, phase: str) -> Generator[int, None, tuple[bytes, int]]:
    """The pass's GIF a frame at a time (the window draws it between its own frames): yields
    the frames drawn so far, returns the GIF's bytes and its frame count. Its size and zoom
    are the window's when asked (a resize while it is drawn changes neither). Each frame is
    drawn at the GIF's own size (zoom at least 100%, so no text is under 16 px)."""
    image = _pillow()
    size = gif_size(app.surface.get_size())
    from stepper.app import MIN_SIZE

    fits = min(size[0] / MIN_SIZE[0], size[1] / MIN_SIZE[1])  # the largest zoom the GIF's size holds
    theme = app.theme.zoomed(min(max(1.0, app.theme.zoom), max(1.0, fits)))
    return _gif_frames(image, pass_frames(app, base, trace, phase, size=size, theme=theme))


def _gif_frames(image, drawn) -> Generator[int, None, tuple[bytes, int]]:
    """Each frame reduced to a 255-colour palette as soon as it is drawn (a byte a pixel, so
    a long pass fits in memory), then Pillow compresses them all in one call (seconds for a
    long pass): on a thread of its own, waited for in slices, so a window goes on answering
    (and dropping the result writes nothing)."""
    import pygame

    frames = []
    for _, surface in drawn:
        rgb = image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
        frames.append(rgb.quantize(colors=255, method=image.Quantize.FASTOCTREE))
        yield len(frames)
    buffer, failed = io.BytesIO(), []

    def compress() -> None:
        try:
            frames[0].save(
                buffer, format="GIF", save_all=True, append_images=frames[1:], duration=GIF_FRAME_MS, loop=0
            )
        except Exception as exc:  # raised again below, on the thread that asked
            failed.append(exc)

    worker = threading.Thread(target=compress, name="gif", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(COMPRESS_WAIT)
        yield len(frames)
    if failed:
        raise failed[0]
    return buffer.getvalue(), len(frames)


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ExportError(
            "GIF export needs Pillow, which installs with rnn-stepper; reinstall it (pip install pillow)"
        ) from None
    return Image
