"""Command line: parse arguments, call into stepper, turn every known failure into one clear line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from stepper.edits import Edit, EditError, edited, parse_edit, read_edit, with_edit
from stepper.files import InputError, OutputError, atomic_write_text
from stepper.headless import MAX_FRAMES, ExportError
from stepper.lesson import COURSE, Lesson, LessonError, course_lesson, load_lesson
from stepper.lesson.errors import one_line
from stepper.lesson.load import MAX_SAMPLE, RESERVED_CHECKPOINT
from stepper.passes.sample import sample_listing
from stepper.passes.update import update_listing
from stepper.trace import FORWARD, PHASES, SAMPLE, UPDATE
from stepper.weights import WeightsError, load_weights, save_weights


class UsageError(Exception):
    """A bad argument value: printed as one line, exit status 2."""


#: The formats pygame writes, by the extension that names them.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tga")

#: Where in the learning loop: a training iteration, and how the sample pass writes.
LOOP = ("iteration", "sample", "temperature", "seed", "prime")
#: Each thing a run can do (one a run), its flag, and the options it reads.
ACTIONS = {
    "check": ("--check", ()),
    "save_lesson": ("--save-lesson", ("sequence", "keys")),
    "export_trace": ("--export-trace", ("checkpoint", "weights", "sequence", "edit", "keys", *LOOP)),
    "export_narration": ("--export-narration", ("checkpoint", "weights", "sequence", "edit")),
    "export_weights": ("--export-weights", ("checkpoint", "edit", "keys")),
    "screenshot": (
        "--screenshot",
        ("checkpoint", "sequence", "step", "phase", "size", "panels", "zoom", "edit", "keys", *LOOP),
    ),
    "export_scene": (
        "--export-scene",
        ("checkpoint", "sequence", "step", "phase", "size", "panels", "zoom", "edit", "keys", *LOOP),
    ),
    "export_frames": (
        "--export-frames",
        ("checkpoint", "sequence", "phase", "size", "panels", "zoom", "every", "edit", *LOOP),
    ),
    "export_gif": (
        "--export-gif",
        ("checkpoint", "sequence", "phase", "size", "panels", "zoom", "edit", *LOOP),
    ),
    "new_lesson": ("--new-lesson", ()),
}
WINDOW_READS = ("checkpoint", "sequence", "step", "phase", "size", "panels", "edit", "presenter", *LOOP)
OPTION_FLAGS = {
    "checkpoint": "--checkpoint",
    "weights": "--weights",
    "sequence": "--sequence",
    "step": "--step",
    "phase": "--pass",
    "size": "--size",
    "panels": "--panels",
    "presenter": "--presenter",
    "zoom": "--zoom",
    "every": "--every",
    "edit": "--edit",
    "keys": "--keys",
    "iteration": "--iteration",
    "sample": "--sample",
    "temperature": "--temperature",
    "seed": "--seed",
    "prime": "--prime",
    "overwrite": "--overwrite",
}
#: --text's settings, and their flags: read only with --text.
TEXT_FLAGS = {"cell": "--cell", "hidden": "--hidden", "iterations": "--iterations"}
DEFAULT_SIZE = "1920x1080"
NO_WEIGHTS = (
    "a lesson file holds no weights (its training makes them); save edited or trained weights "
    "with --export-weights (Ctrl+S in the window)"
)
ZOOM_PERCENT = (50, 300)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rnn-stepper",
        description="Step through what a tiny recurrent network computes, one operation at a time. "
        "One action a run (the window, --check, or one export); an option the action does not "
        "use is refused rather than ignored.",
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
        help="make a lesson from this text (or a .txt file's, line breaks as spaces) and open it "
        "trained: its characters are the vocabulary (at most 32)",
    )
    p.add_argument("--cell", metavar="rnn|gru|lstm", help="with --text: the cell (default rnn)")
    p.add_argument("--hidden", type=int, metavar="N", help="with --text: hidden units (default 16)")
    p.add_argument("--iterations", type=int, metavar="N", help="with --text: iterations (default 1000)")
    p.add_argument(
        "--save-lesson",
        metavar="OUT.yaml",
        help="write the lesson shown (a lesson file, or the one --text made) as an ordinary lesson "
        "file, to refine and --check; with --sequence or --keys it plays the sequence given or typed. "
        "A lesson file holds no weights: save edited weights with --export-weights",
    )
    p.add_argument("--export-trace", metavar="OUT.json", help="write one forward+backward pass")
    p.add_argument(
        "--export-narration",
        metavar="OUT.json",
        help="write the caption shown at every place of both passes (every checkpoint, or --checkpoint)",
    )
    p.add_argument("--export-weights", metavar="OUT.npz", help="write the weights (torch names)")
    p.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render one frame, no window; the extension names the format: .png, .jpg, .bmp or .tga",
    )
    p.add_argument(
        "--export-scene",
        metavar="OUT.json",
        help="write the display list of one frame (what the window draws there) as JSON",
    )
    p.add_argument(
        "--export-frames",
        metavar="DIR",
        help=f"render every op of the pass to DIR/frame-NNNN.png (NNNN: the step, from 1); at most "
        f"{MAX_FRAMES:,} frames a run (a longer pass is refused: add --every N); on a terminal it "
        "counts the frames as it goes. DIR must be empty, or, with --overwrite, hold only frames, "
        "which are all replaced",
    )
    p.add_argument(
        "--every",
        type=int,
        metavar="N",
        help="with --export-frames: every Nth op only (steps 1, 1+N, ...), and the last",
    )
    p.add_argument("--export-gif", metavar="OUT.gif", help="render the pass as an animated GIF")
    p.add_argument("--checkpoint", metavar="NAME", help="training checkpoint (default: the last)")
    p.add_argument("--weights", metavar="IN.npz", help="with --export-trace: use these weights")
    p.add_argument(
        "--sequence",
        metavar="SYMBOLS",
        help="symbols to play (default: the lesson's): s1,s2,...; written together (hello) when "
        'every symbol is one character; a JSON list (\'["a b", "c,d"]\') for symbols with commas or spaces',
    )
    p.add_argument(
        "--step",
        type=int,
        metavar="K",
        help="start at step K of the pass, counting from 1 as the status bar does (default: 1)",
    )
    p.add_argument(
        "--keys",
        metavar="'KEY KEY ...'",
        help="with --screenshot, --export-scene, --export-trace or --export-weights: replay input "
        "first, e.g. "
        "'t right*5 e backspace*2 text:lo return click:Whh[0,1] up f5 frames:60 f5' "
        "(keys as the help names them; text: types, point:/click: a weight cell, wheel:N, frames:N)",
    )
    p.add_argument(
        "--pass", dest="phase", choices=PHASES, help="forward (default), backward, update or sample"
    )
    p.add_argument(
        "--iteration",
        type=int,
        metavar="K",
        help="training iteration K exactly as it happened: its chunk, carried state and update "
        "(replayed from the nearest stored snapshot); with --export-trace adds chunk and update",
    )
    p.add_argument("--sample", type=int, metavar="N", help="symbols the sample pass writes")
    p.add_argument("--temperature", type=float, metavar="T", help="sampling temperature; 0 is greedy")
    p.add_argument("--seed", type=int, metavar="S", help="seed of the sample pass's draws")
    p.add_argument(
        "--prime", metavar="SYMBOLS", help="what the sample pass starts from (default: the playback's first)"
    )
    p.add_argument(
        "--edit",
        action="append",
        metavar="NAME[i,j]=VALUE",
        help="change one weight of the checkpoint, e.g. Whh[0,1]=0.5 or by[2]=-1 (repeatable), "
        "for the window and every export",
    )
    p.add_argument(
        "--size",
        metavar="WxH",
        help=f"window or image size (default: {DEFAULT_SIZE}; a window no larger than the screen)",
    )
    p.add_argument("--panels", metavar="NAME,...", help="panels to open")
    p.add_argument(
        "--presenter",
        action="store_true",
        help="open the presenter window too (Ctrl P): notes, next caption, elapsed time and a "
        "thumbnail for the teacher, while the projector window stays clean",
    )
    p.add_argument(
        "--new-lesson",
        metavar="OUT.yaml",
        help="write a commented starting lesson (it passes --check), then exit; open it and edit: "
        "the window reloads it on every save",
    )
    p.add_argument(
        "--zoom",
        type=int,
        metavar="PERCENT",
        help=f"zoom of image and scene exports, {ZOOM_PERCENT[0]} to {ZOOM_PERCENT[1]} (default: 100)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace output files that exist; only regular files are replaced (a symbolic link "
        "to one is written through, the link kept); devices, FIFOs, sockets and folders are refused",
    )
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


def parse_sequence(text: str, lesson: Lesson, least: int = 2) -> tuple[int, ...]:
    """s1,s2,...; or the symbols written together when each is one character; or a JSON list."""
    if not text.strip():
        raise UsageError("--sequence: empty; give the symbols to play, such as " + ",".join(lesson.vocab[:3]))
    symbols = _json_symbols(text) if "[" not in lesson.vocab else None
    if symbols is None and "," not in text and all(len(s) == 1 for s in lesson.vocab):
        symbols = list(text)
    elif symbols is None:
        symbols = [s.strip() for s in text.split(",")]
    unknown = [s for s in symbols if s not in lesson.vocab]
    if unknown:
        vocab = ", ".join(lesson.vocab)
        raise UsageError(f"--sequence: unknown symbol {unknown[0]!r}; the vocabulary is {vocab}")
    if len(symbols) < least:
        raise UsageError("--sequence: needs at least two symbols (input s_t, target s_(t+1))")
    if len(symbols) > 1001:
        raise UsageError("--sequence: at most 1001 symbols (1000 steps)")
    return lesson.encode(symbols)


def _json_symbols(text: str) -> list[str] | None:
    """The JSON-list form of --sequence, if the text starts like one (a vocabulary holding
    "[" itself reads it as a symbol instead)."""
    if not text.lstrip().startswith("["):
        return None
    try:
        symbols = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--sequence: not a JSON list ({exc.msg} at character {exc.pos + 1})") from None
    if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
        raise UsageError('--sequence: a JSON list must hold strings, such as ["a b", "c,d"]')
    return symbols


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size: expected WxH such as 1920x1080, got {text!r}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise UsageError(f"--size: {w}x{h} is outside 320x240 .. 7680x4320")
    return w, h


def parse_edits(texts: Sequence[str] | None, lesson: Lesson) -> tuple[Edit, ...]:
    """Every --edit, checked against the lesson's weights; a later edit of a cell wins."""
    edits: tuple[Edit, ...] = ()
    for text in texts or ():
        try:
            edit = parse_edit(text, lesson.model.cell, len(lesson.vocab), lesson.model.hidden_size)
        except EditError as exc:
            raise UsageError(f"--edit: {exc}") from None
        edits = with_edit(edits, edit)
    return edits


def _trace_for(args: argparse.Namespace, lesson: Lesson):
    from stepper.session import Session, record_sequence

    session = Session.open(lesson)
    sequence = parse_sequence(args.sequence, lesson) if args.sequence is not None else lesson.playback
    edits = parse_edits(args.edit, lesson)
    if args.weights is not None:
        params = load_weights(args.weights, lesson.model.cell, len(lesson.vocab), lesson.model.hidden_size)
        return session, record_sequence(edited(params, edits), lesson.vocab, sequence)
    checkpoint = _checkpoint_name(args, session)
    iteration = checked_iteration(args, session)
    settings = sample_settings(args, lesson)
    return session, session.trace(checkpoint, sequence, iteration, settings, edits)


def checked_iteration(args: argparse.Namespace, session) -> int | None:
    if args.iteration is not None and args.iteration > session.last_iteration:
        raise UsageError(f"--iteration: {args.iteration} is outside 0..{session.last_iteration}")
    return args.iteration


def sample_settings(args: argparse.Namespace, lesson: Lesson):
    """--sample, --temperature, --seed and --prime over the lesson's own sample settings."""
    from dataclasses import replace

    from stepper.passes.sample import SampleSettings

    s = lesson.sample
    settings = SampleSettings(s.length, s.temperature, s.seed, s.prime)
    prime = None
    if args.prime is not None:
        try:
            prime = parse_sequence(args.prime, lesson, 1)
        except UsageError as exc:
            raise UsageError(str(exc).replace("--sequence", "--prime")) from None
    return replace(
        settings,
        length=settings.length if args.sample is None else args.sample,
        temperature=settings.temperature if args.temperature is None else args.temperature,
        seed=settings.seed if args.seed is None else args.seed,
        prime=settings.prime if prime is None else prime,
    )


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
        trace = session.trace(name, sequence, edits=edits)
        places += narration_places(lesson, trace, name, iteration)
    return json.dumps(places, indent=1, ensure_ascii=False) + "\n"


def _checkpoint_name(args: argparse.Namespace, session) -> str:
    """--checkpoint, or the lesson's last; one that training never reached is refused."""
    from stepper.headless import refuse_unreached

    wanted = session.lesson.checkpoint_names[-1] if args.checkpoint is None else args.checkpoint
    if wanted not in session.checkpoint_names and wanted not in session.lesson.checkpoint_names:
        names = ", ".join(session.checkpoint_names)
        raise UsageError(f"--checkpoint: no checkpoint {wanted!r}; this lesson has {names}")
    refuse_unreached(session, wanted)
    return wanted


STARTER = Path(__file__).parent / "assets" / "new-lesson.yaml"


def new_lesson(out: str, overwrite: bool) -> Path:
    """--new-lesson: the starting lesson, its comments naming the file it was written to."""
    text = STARTER.read_text(encoding="utf-8").replace("THIS_FILE.yaml", one_line(Path(out).name))
    return atomic_write_text(out, text, overwrite)


def _action(args: argparse.Namespace) -> str:
    """The one thing this run does; two asked for at once is refused."""
    chosen = [name for name in ACTIONS if getattr(args, name) is not None]
    if len(chosen) > 1:
        flags = " and ".join(ACTIONS[name][0] for name in chosen)
        raise UsageError(f"{flags}: one action a run; run the command once for each")
    return chosen[0] if chosen else "window"


def validate(args: argparse.Namespace) -> str:
    """Check every option's value, whatever else is given, then that the action uses it."""
    action = _action(args)
    if args.size is not None:
        parse_size(args.size)
    if args.panels is not None:
        from stepper.headless import ExportError, parse_panels

        try:
            parse_panels(args.panels)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
    if args.step is not None and args.step < 1:
        raise UsageError(f"--step: {args.step}; steps count from 1, as the status bar's 'step k of n' does")
    if args.sample is not None and not 1 <= args.sample <= MAX_SAMPLE:
        raise UsageError(f"--sample: {args.sample}; give from 1 to {MAX_SAMPLE} symbols")
    if args.temperature is not None and not 0 <= args.temperature <= 5:
        raise UsageError(f"--temperature: {args.temperature}; give 0 (greedy) to 5")
    if args.seed is not None and not 0 <= args.seed < 2**32:
        raise UsageError(f"--seed: {args.seed}; give a whole number from 0")
    if args.iteration is not None and args.iteration < 0:
        raise UsageError(f"--iteration: {args.iteration}; iterations count from 0")
    if args.iteration is not None and args.weights is not None:
        raise UsageError("--iteration: replays the lesson's own training; leave out --weights")
    if args.zoom is not None and not ZOOM_PERCENT[0] <= args.zoom <= ZOOM_PERCENT[1]:
        raise UsageError(f"--zoom: {args.zoom} is outside {ZOOM_PERCENT[0]}..{ZOOM_PERCENT[1]} (percent)")
    if args.every is not None and args.every < 1:
        raise UsageError(f"--every: {args.every}; give a whole number from 1 (every op) up")
    if args.sequence is not None and not args.sequence.strip():
        raise UsageError("--sequence: empty; give the symbols to play, or leave it out for the lesson's own")
    if args.screenshot:
        suffix = Path(args.screenshot).suffix.lower()
        if suffix not in IMAGE_SUFFIXES:
            named = f"the extension {suffix!r}" if suffix else "no extension"
            gif = " (an animation: --export-gif)" if suffix == ".gif" else ""
            raise UsageError(
                f"--screenshot: {args.screenshot} has {named}; name the file .png, .jpg, .bmp or .tga{gif}"
            )
    files = (
        "save_lesson",
        "export_trace",
        "export_narration",
        "export_weights",
        "screenshot",
        "export_scene",
        "export_gif",
        "new_lesson",
    )
    out = getattr(args, action) if action in files else None
    if out is not None and (not out.strip() or out.endswith(("/", os.sep))):
        such = {"screenshot": "out.png", "export_gif": "out.gif", "export_weights": "out.npz"}.get(action)
        such = such or ("out.yaml" if action in ("save_lesson", "new_lesson") else "out.json")
        raise UsageError(f"{ACTIONS[action][0]}: {out!r} is not a file name; give one such as {such}")
    if action == "export_frames" and not args.export_frames.strip():
        raise UsageError("--export-frames: an empty folder name; give one such as frames")
    for source in (args.lesson, args.weights):
        if out and source and _same_file(out, source):
            raise UsageError(f"{ACTIONS[action][0]}: {out} is the file being read; write to another name")
    if action == "new_lesson" and Path(args.new_lesson).suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"--new-lesson: {args.new_lesson!r}; a lesson file's name ends in .yaml")
    if action == "new_lesson" and args.lesson:
        raise UsageError(f"--new-lesson: writes a new lesson; leave out the lesson ({args.lesson})")
    if action == "check" and args.lesson:
        raise UsageError(f"--check: give the lesson files after --check ({args.lesson} came before it)")
    _validate_text(args, action)
    if action == "save_lesson" and args.edit:
        raise UsageError(f"--edit: {NO_WEIGHTS}")
    for text in args.edit or ():  # the form now; the weights it names once the lesson is read
        try:
            read_edit(text)
        except EditError as exc:
            raise UsageError(f"--edit: {exc}") from None
    if args.keys is not None:
        from stepper.keys import KeysError, parse_keys

        try:
            parse_keys(args.keys)
        except KeysError as exc:
            raise UsageError(f"--keys: {exc}") from None
    if out and args.text and _same_file(out, args.text):
        raise UsageError(f"{ACTIONS[action][0]}: {out} is the file being read; write to another name")
    reads = WINDOW_READS if action == "window" else ACTIONS[action][1]
    if action == "window" and not args.lesson and args.text is None:
        reads = ("size", "presenter")
    for name, flag in OPTION_FLAGS.items():
        given = getattr(args, name) not in (None, False)
        if not given or name in reads or (name == "overwrite" and action not in ("window", "check")):
            continue
        doing = (
            "the start screen"
            if action == "window" and not args.lesson
            else ("the window" if action == "window" else ACTIONS[action][0])
        )
        if name == "weights":
            raise UsageError(
                "--weights: only --export-trace and --export-narration read a weights file; the window "
                "and the other exports show the lesson's own checkpoints (--checkpoint NAME)"
            )
        if name == "step" and action in ("export_frames", "export_gif"):
            raise UsageError(
                f"--step: {doing} writes the whole pass; --step is for --screenshot and the window"
            )
        raise UsageError(f"{flag}: not used by {doing}; leave it out")
    return action


def _validate_text(args: argparse.Namespace, action: str) -> None:
    """--text stands in for a lesson; its settings and --save-lesson need it."""
    from stepper.lesson.text import settings_problem

    if args.text is None:
        given = [flag for name, flag in TEXT_FLAGS.items() if getattr(args, name) is not None]
        if given:
            raise UsageError(f"{given[0]}: only with --text, which makes the lesson")
        if action == "save_lesson" and not args.lesson:
            raise UsageError("--save-lesson: give the lesson to write (a file or a built-in name), or --text")
        return
    if args.lesson:
        raise UsageError(f"--text: makes its own lesson; give either {args.lesson} or --text, not both")
    if action == "check":
        raise UsageError("--text: --check reads lesson files; write one with --save-lesson first")
    if not args.text.strip():
        raise UsageError("--text: empty; give some text, or a .txt file")
    settings = _text_settings(args)
    problem = settings_problem(settings.cell, settings.hidden_size, settings.iterations)
    if problem:
        raise UsageError(problem)


def _text_settings(args: argparse.Namespace):
    from dataclasses import replace

    from stepper.lesson.text import TextSettings

    changed = {"cell": args.cell, "hidden_size": args.hidden, "iterations": args.iterations}
    return replace(TextSettings(), **{k: v for k, v in changed.items() if v is not None})


def _text_lesson(args: argparse.Namespace) -> tuple[Lesson, str]:
    """The lesson --text makes (with --cell, --hidden, --iterations), and its file's text."""
    from stepper.lesson.text import text_lesson

    return text_lesson(args.text, _text_settings(args))


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet): not the same file
        return False


def run(args: argparse.Namespace) -> int:
    if args.lesson:
        args.lesson = str(lesson_path(args.lesson))
    action = validate(args)
    if action == "new_lesson":
        print(f"wrote {new_lesson(args.new_lesson, args.overwrite)}")
        return 0
    if action == "check":
        from stepper.lesson.catalog import builtin_lessons
        from stepper.lesson.check import check_lessons

        return check_lessons([str(lesson_path(p)) for p in args.check] or [str(p) for p in builtin_lessons()])
    if args.text is not None:
        lesson, yaml_text = _text_lesson(args)
    else:
        lesson = load_lesson(args.lesson) if args.lesson else None
    if action != "window" and lesson is None:
        raise UsageError("give a lesson file before the export options")
    known = () if lesson is None else (*lesson.checkpoint_names, RESERVED_CHECKPOINT)
    if lesson is not None and args.checkpoint is not None and args.checkpoint not in known:
        names = ", ".join(lesson.checkpoint_names)  # said before any training
        raise UsageError(f"--checkpoint: no checkpoint {args.checkpoint!r}; this lesson has {names}")
    if lesson is not None and args.sequence is not None:
        parse_sequence(args.sequence, lesson)  # before any training
    if lesson is not None:
        parse_edits(args.edit, lesson)
    if lesson is not None and args.iteration is not None and args.iteration >= lesson.training.iterations:
        last = lesson.training.iterations - 1  # an iteration K makes the weights of K + 1
        raise UsageError(f"--iteration: {args.iteration} is outside 0..{last}")
    if lesson is not None and args.prime is not None:
        sample_settings(args, lesson)  # a bad --prime, before any training
    if action == "save_lesson":
        return _save_lesson(args, lesson, yaml_text if args.text is not None else None)
    if action == "export_trace":
        from stepper.export import trace_json_text

        if args.keys is not None and args.weights is not None:
            raise UsageError("--keys: drives the lesson's own checkpoints; leave out --weights")
        if args.keys is not None:
            from stepper.headless import keyed_app

            app = keyed_app(args, lesson, _start_at(args, lesson))
            trace = app.trace_of(app.state)
        else:
            _, trace = _trace_for(args, lesson)
        sampled = any(getattr(args, n) is not None for n in LOOP[1:])
        text = trace_json_text(trace, sample=sampled)
        out = atomic_write_text(args.export_trace, text, args.overwrite)
        print(f"wrote {one_line(str(out))}")
        return 0
    if action == "export_narration":
        out = atomic_write_text(args.export_narration, _narration_json(args, lesson), args.overwrite)
        print(f"wrote {one_line(str(out))}")
        return 0
    if action == "export_weights":
        from stepper.session import Session

        if args.keys is not None:
            from stepper.headless import keyed_app

            app = keyed_app(args, lesson, _start_at(args, lesson))
            params = edited(app.session.params(app.state.checkpoint), app.state.edits)
        else:
            session = Session.open(lesson)
            params = edited(session.params(_checkpoint_name(args, session)), parse_edits(args.edit, lesson))
        print(f"wrote {one_line(str(save_weights(args.export_weights, params, args.overwrite)))}")
        return 0
    if action == "export_scene":
        from stepper.headless import export_scene

        return export_scene(args, lesson, _start_at(args, lesson))
    if action != "window":
        from stepper.headless import export_images

        return export_images(args, lesson, _start_at(args, lesson))
    from stepper.app import run_app

    size = parse_size(args.size) if args.size else None  # None: the default, or the screen's if smaller

    if lesson is None:
        return run_app(size=size, presenter=args.presenter)
    return run_app(lesson.path, size, _start_at(args, lesson), lesson, args.presenter, args.text is None)


def pass_length(
    lesson: Lesson, sequence: tuple[int, ...] | None, phase: str, length: int = 0, temperature: float = 1.0
) -> int:
    """How many steps a pass has: its shape depends on the cell and the length, not on the
    weights, so the untrained weights tell it without training."""
    from stepper.params import init_params
    from stepper.session import record_sequence

    m = lesson.model
    params = init_params(m.cell, len(lesson.vocab), m.hidden_size, 0.0, 0)
    trace = record_sequence(params, lesson.vocab, lesson.playback if sequence is None else sequence)
    if phase == UPDATE:  # a line per parameter group and optimizer line, whatever the numbers
        t = lesson.training
        return len(update_listing(t.optimizer, t.learning_rate, t.clip).ops) * len(params)
    if phase == SAMPLE:
        return length * len(sample_listing(m.cell, temperature).ops)
    return len(trace.phase_range(phase))


def _save_lesson(args: argparse.Namespace, lesson: Lesson, text: str | None) -> int:
    """The lesson shown, as a file: its own text, playing the sequence given or typed; written
    only if it loads and passes --check, so what is written reopens at the same numbers."""
    from stepper.lesson.save import with_sequence

    sequence = parse_sequence(args.sequence, lesson) if args.sequence is not None else None
    if args.keys is not None:
        from stepper.headless import keyed_app

        app = keyed_app(args, lesson, _start_at(args, lesson))
        if app.state.edits or app.state.checkpoint in app.session.kept:
            raise UsageError(f"--keys: changed the weights; {NO_WEIGHTS}")
        sequence = app.state.sequence
    if text is None:
        from stepper.files import read_regular
        from stepper.lesson.nodes import MAX_BYTES

        text = read_regular(lesson.path, MAX_BYTES).decode("utf-8-sig")
    if sequence is not None and sequence != lesson.playback:
        text = with_sequence(text, lesson, sequence)
        problem = _check_text(text, args.save_lesson)
        if problem:
            raise UsageError(f"--save-lesson: playing this sequence, {problem}; nothing written")
    print(f"wrote {one_line(str(atomic_write_text(args.save_lesson, text, args.overwrite)))}")
    return 0


def _check_text(text: str, name: str) -> str:
    """--check's first problem with a lesson file's text (named `name`), or ''."""
    import tempfile

    from stepper.lesson.check import check_lesson

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lesson.yaml"
        path.write_text(text, encoding="utf-8")
        report = check_lesson(path)
    if report.ok:
        return ""
    p = report.problems[0]
    return f"{one_line(name)}:{p.line}:{p.column}: {p.message}" if p.line > 0 else p.message


def _start_at(args: argparse.Namespace, lesson: Lesson):
    """Where --checkpoint, --pass, --step, --panels and --sequence put the first frame."""
    from stepper.headless import parse_panels
    from stepper.places import StartAt

    panels = parse_panels(args.panels) if args.panels is not None else None
    sequence = parse_sequence(args.sequence, lesson) if args.sequence is not None else None
    phase = args.phase or FORWARD
    step = args.step or 1
    sample = sample_settings(args, lesson)
    if args.step is not None:
        n = pass_length(lesson, sequence, phase, sample.length, sample.temperature)
        if step > n:
            raise UsageError(f"--step: {step} is outside 1..{n} for the {phase} pass")
    edits = parse_edits(args.edit, lesson)
    checkpoint = args.checkpoint
    if checkpoint is None and args.text is not None:  # your own text opens trained
        checkpoint = lesson.checkpoint_names[-1]
    return StartAt(checkpoint, phase, step - 1, panels, sequence, args.iteration, sample, edits)


def _tolerant_output() -> None:
    """A console that cannot encode a lesson's text (PYTHONIOENCODING=ascii, an old Windows
    console) gets escapes instead of a UnicodeEncodeError, on every print path."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # closed or detached: nothing to protect
                reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except LessonError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (WeightsError, OutputError, ExportError, InputError) as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"rnn-stepper: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `--check ... | head`: the reader left; nothing more to say
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 1


if __name__ == "__main__":
    sys.exit(main())
