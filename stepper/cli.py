"""Command line: parse arguments, call into stepper, turn every known failure into one clear line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from stepper.edits import Edit, EditError, edited, parse_edit, with_edit
from stepper.files import OutputError, atomic_write_text
from stepper.headless import ExportError
from stepper.lesson import COURSE, Lesson, LessonError, course_lesson, load_lesson
from stepper.trace import PHASES
from stepper.weights import WeightsError, load_weights, save_weights


class UsageError(Exception):
    """A bad argument value: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rnn-stepper",
        description="Step through what a tiny recurrent network computes, one operation at a time.",
    )
    p.add_argument(
        "lesson",
        nargs="?",
        help=f"a lesson YAML file or a built-in lesson's name ({', '.join(COURSE)}); "
        "default: the start screen",
    )
    p.add_argument(
        "--check",
        nargs="*",
        metavar="LESSON",
        help="validate, train and verify the claims of each lesson (default: the built-in course), then exit",
    )
    p.add_argument(
        "--text",
        metavar="TEXT|FILE.txt",
        help="make a lesson from this text (or a .txt file's): its characters are the vocabulary",
    )
    p.add_argument("--cell", metavar="rnn|gru|lstm", help="with --text: the cell (default rnn)")
    p.add_argument("--hidden", type=int, metavar="N", help="with --text: hidden units (default 16)")
    p.add_argument("--iterations", type=int, metavar="N", help="with --text: iterations (default 1000)")
    p.add_argument("--save-lesson", metavar="OUT.yaml", help="with --text: write its lesson, then exit")
    p.add_argument("--export-trace", metavar="OUT.json", help="write one forward+backward pass")
    p.add_argument(
        "--export-narration",
        metavar="OUT.json",
        help="write the caption shown at every place of both passes (every checkpoint, or --checkpoint)",
    )
    p.add_argument("--export-weights", metavar="OUT.npz", help="write the weights (torch names)")
    p.add_argument("--screenshot", metavar="OUT.png", help="render one frame to PNG, no window")
    p.add_argument("--export-frames", metavar="DIR", help="render every frame of the pass to PNGs")
    p.add_argument("--export-gif", metavar="OUT.gif", help="render the pass as an animated GIF")
    p.add_argument("--checkpoint", metavar="NAME", help="training checkpoint (default: the last)")
    p.add_argument("--weights", metavar="IN.npz", help="use these weights instead of a checkpoint")
    p.add_argument("--sequence", metavar="s1,s2,...", help="symbols to play (default: the lesson's)")
    p.add_argument(
        "--edit",
        action="append",
        default=[],
        metavar="NAME[i,j]=VALUE",
        help="change one weight before every export or in the window, e.g. Whh[0,1]=0.5 (repeatable)",
    )
    p.add_argument("--step", type=int, default=0, metavar="K", help="op index within the pass")
    p.add_argument("--pass", dest="phase", choices=PHASES, default="forward")
    p.add_argument("--size", default="1920x1080", metavar="WxH")
    p.add_argument("--panels", default="", metavar="NAME,...", help="panels to open")
    p.add_argument("--overwrite", action="store_true", help="replace output files that exist")
    return p


def lesson_path(text: str) -> Path:
    """A lesson file, or a built-in lesson named by its course name (`alternating`)."""
    path = Path(text)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    found = course_lesson(text)
    if found is None:
        raise UsageError(f"no lesson file or built-in lesson {text!r}; the course is {', '.join(COURSE)}")
    return found


def parse_sequence(text: str, lesson: Lesson) -> tuple[int, ...]:
    symbols = [s.strip() for s in text.split(",")]
    unknown = [s for s in symbols if s not in lesson.vocab]
    if unknown:
        vocab = ", ".join(lesson.vocab)
        raise UsageError(f"--sequence: unknown symbol {unknown[0]!r}; the vocabulary is {vocab}")
    if len(symbols) < 2:
        raise UsageError("--sequence: needs at least two symbols (input s_t, target s_(t+1))")
    if len(symbols) > 1001:
        raise UsageError("--sequence: at most 1001 symbols (1000 steps)")
    return lesson.encode(symbols)


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size: expected WxH such as 1920x1080, got {text!r}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise UsageError(f"--size: {w}x{h} is outside 320x240 .. 7680x4320")
    return w, h


def parse_edits(texts: Sequence[str], lesson: Lesson) -> tuple[Edit, ...]:
    """Every --edit, checked against the lesson's weights; a later edit of a cell wins."""
    edits: tuple[Edit, ...] = ()
    for text in texts:
        try:
            edit = parse_edit(text, lesson.model.cell, len(lesson.vocab), lesson.model.hidden_size)
        except EditError as exc:
            raise UsageError(f"--edit: {exc}") from None
        edits = with_edit(edits, edit)
    return edits


def _trace_for(args: argparse.Namespace, lesson: Lesson):
    from stepper.session import Session, record_sequence

    session = Session.open(lesson)
    sequence = parse_sequence(args.sequence, lesson) if args.sequence else lesson.playback
    edits = parse_edits(args.edit, lesson)
    if args.weights:
        params = load_weights(args.weights, lesson.model.cell, len(lesson.vocab), lesson.model.hidden_size)
        return session, record_sequence(edited(params, edits), lesson.vocab, sequence)
    checkpoint = _checkpoint_name(args, session)
    return session, session.trace(checkpoint, sequence, edits)


def _narration_json(args: argparse.Namespace, lesson: Lesson) -> str:
    """--export-narration: the places of --checkpoint (or of every checkpoint), or of --weights."""
    import json

    from stepper.narration import narration_places

    if args.weights:
        _, trace = _trace_for(args, lesson)
        return json.dumps(narration_places(lesson, trace, None, 0), indent=1, ensure_ascii=False) + "\n"
    session, _ = _trace_for(args, lesson)
    sequence = parse_sequence(args.sequence, lesson) if args.sequence else lesson.playback
    names = [_checkpoint_name(args, session)] if args.checkpoint else session.checkpoint_names
    edits = parse_edits(args.edit, lesson)
    places = []
    for name in names:
        iteration = session.result.checkpoint(name).iteration
        places += narration_places(lesson, session.trace(name, sequence, edits), name, iteration)
    return json.dumps(places, indent=1, ensure_ascii=False) + "\n"


def _checkpoint_name(args: argparse.Namespace, session) -> str:
    names = session.checkpoint_names
    if args.checkpoint is None:
        return names[-1]
    if args.checkpoint not in names:
        raise UsageError(
            f"--checkpoint: no checkpoint {args.checkpoint!r}; this lesson has {', '.join(names)}"
        )
    return args.checkpoint


def run(args: argparse.Namespace) -> int:
    if args.lesson:
        args.lesson = str(lesson_path(args.lesson))
    if args.check is not None:
        from stepper.lesson.catalog import builtin_lessons
        from stepper.lesson.check import check_lessons

        return check_lessons([str(lesson_path(p)) for p in args.check] or [str(p) for p in builtin_lessons()])
    if args.text is not None or args.save_lesson or (args.cell, args.hidden, args.iterations) != (None,) * 3:
        lesson = _text_lesson(args)
        if args.save_lesson:
            return 0
    else:
        lesson = load_lesson(args.lesson) if args.lesson else None
    headless = (
        args.export_trace,
        args.export_narration,
        args.export_weights,
        args.screenshot,
        args.export_frames,
        args.export_gif,
    )
    if any(headless) and lesson is None:
        raise UsageError("give a lesson file before the export options")
    if args.weights and not (args.export_trace or args.export_narration):
        raise UsageError(
            "--weights: only --export-trace and --export-narration read a weights file; the window "
            "and the other exports show the lesson's own checkpoints (--checkpoint NAME)"
        )
    if args.export_trace:
        from stepper.export import trace_json_text

        _, trace = _trace_for(args, lesson)
        out = atomic_write_text(args.export_trace, trace_json_text(trace), args.overwrite)
        print(f"wrote {out}")
        return 0
    if args.export_narration:
        out = atomic_write_text(args.export_narration, _narration_json(args, lesson), args.overwrite)
        print(f"wrote {out}")
        return 0
    if args.export_weights:
        from stepper.session import Session

        session = Session.open(lesson)
        params = edited(session.params(_checkpoint_name(args, session)), parse_edits(args.edit, lesson))
        print(f"wrote {save_weights(args.export_weights, params, args.overwrite)}")
        return 0
    if args.screenshot or args.export_frames or args.export_gif:
        from stepper.headless import export_images

        return export_images(args, lesson, _start_at(args, lesson))
    from stepper.app import run_app

    if lesson is None:
        return run_app(size=parse_size(args.size))
    return run_app(lesson.path, parse_size(args.size), _start_at(args, lesson), lesson)


def _text_lesson(args: argparse.Namespace) -> Lesson:
    """--text (with --cell, --hidden, --iterations): the lesson it makes; --save-lesson writes it."""
    from stepper.lesson.text import TextSettings, settings_problem, text_lesson

    if args.text is None:
        given = "--save-lesson" if args.save_lesson else "--cell, --hidden and --iterations"
        raise UsageError(f"{given}: only with --text")
    if args.lesson:
        raise UsageError("--text: give either a lesson or --text, not both")
    defaults = TextSettings()
    cell = defaults.cell if args.cell is None else args.cell
    hidden = defaults.hidden_size if args.hidden is None else args.hidden
    iterations = defaults.iterations if args.iterations is None else args.iterations
    problem = settings_problem(cell, hidden, iterations)
    if problem:
        raise UsageError(problem)
    settings = TextSettings(cell, hidden, iterations)
    lesson, yaml_text = text_lesson(args.text, settings)
    if args.save_lesson:
        print(f"wrote {atomic_write_text(args.save_lesson, yaml_text, args.overwrite)}")
    return lesson


def _start_at(args: argparse.Namespace, lesson: Lesson):
    """Where --checkpoint, --pass, --step, --panels and --sequence put the first frame."""
    from stepper.app import StartAt
    from stepper.headless import ExportError, parse_panels

    if args.checkpoint is not None and args.checkpoint not in lesson.checkpoint_names:
        names = ", ".join(lesson.checkpoint_names)
        raise UsageError(f"--checkpoint: no checkpoint {args.checkpoint!r}; this lesson has {names}")
    try:
        panels = parse_panels(args.panels) if args.panels else None
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    sequence = parse_sequence(args.sequence, lesson) if args.sequence else None
    return StartAt(args.checkpoint, args.phase, args.step, panels, sequence, parse_edits(args.edit, lesson))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except LessonError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (WeightsError, OutputError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"rnn-stepper: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
