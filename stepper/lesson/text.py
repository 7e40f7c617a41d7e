"""A lesson made on the spot from any text (`--text`): written as an ordinary lesson file,
so what the window opens is exactly what `--save-lesson` writes and `--check` passes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stepper.cells import CELL_NAMES, CELLS
from stepper.files import InputError, read_regular
from stepper.lesson.errors import LessonError, Problem
from stepper.lesson.load import MAX_DATA, MAX_HIDDEN, MAX_ITERATIONS, VOCAB_SIZES, parse_lesson
from stepper.lesson.model import Lesson

PLAYBACK_SYMBOLS = 40  # the first characters are played: a timeline a class can read
TEXT_BYTES = 200_000  # a text file larger than this is not a lesson's training text


@dataclass(frozen=True)
class TextSettings:
    """What `--cell`, `--hidden` and `--iterations` may change; the rest stays min-char-rnn's."""

    cell: str = "rnn"
    hidden_size: int = 16
    iterations: int = 1000
    learning_rate: float = 0.1
    seq_length: int = 25
    seed: int = 1


def read_text(source: str) -> tuple[str, str]:
    """(text, where it came from): a .txt file's contents, else the words themselves."""
    path = Path(source)
    if path.suffix.lower() == ".txt":
        try:
            data = read_regular(path, TEXT_BYTES)  # a FIFO or a device is refused, never waited on
        except InputError as exc:
            raise LessonError([Problem(source, 0, 0, f"cannot read the file: {exc}")]) from None
        if len(data) > TEXT_BYTES:
            raise LessonError([Problem(source, 0, 0, f"larger than {TEXT_BYTES:,} bytes")])
        try:
            return data.decode("utf-8-sig"), path.name
        except UnicodeDecodeError as exc:
            raise LessonError([Problem(source, 0, 0, f"not UTF-8 text (byte {exc.start})")]) from None
    return source, "the command line"


def cleaned(text: str) -> str:
    """Line breaks and tabs become spaces (a symbol is printable), runs of spaces one space."""
    return " ".join(text.split())


def text_lesson_yaml(text: str, where: str, settings: TextSettings = TextSettings()) -> str:
    """The lesson file for `text`; LessonError (one line) if no lesson can hold it."""
    body = cleaned(text)
    low, high = VOCAB_SIZES
    vocab = sorted(set(body))
    problem = ""
    if len(body) < 2:
        problem = "needs at least two characters"
    elif len(body) > MAX_DATA:
        problem = f"{len(body):,} characters; a lesson trains on at most {MAX_DATA:,}"
    elif not low <= len(vocab) <= high:
        problem = (
            f"{len(vocab)} different characters; a lesson's vocabulary holds {low} to {high} "
            "(lowercase the text or drop rare characters)"
        )
    elif any(not ch.isprintable() for ch in vocab):
        problem = "holds a character that cannot be shown"
    if problem:
        raise LessonError([Problem(where, 0, 0, problem)])
    s = settings
    playback = body[: PLAYBACK_SYMBOLS + 1]
    preview = body if len(body) <= 40 else body[:37] + "..."
    called = CELLS[s.cell].called
    lines = [
        f"# Made by rnn-stepper --text from {where}. The format is described in docs/lessons.md.",
        f"title: {json.dumps('Your text: ' + preview, ensure_ascii=False)}",
        "summary: >",
        f"  {called[0].upper()}{called[1:]} with {s.hidden_size} hidden units learns",
        "  to predict the next character",
        f"  of a text of {len(body):,} characters, {len(vocab)} of them different.",
        f"vocab: [{', '.join(json.dumps(ch, ensure_ascii=False) for ch in vocab)}]",
        "model:",
        f"  cell: {s.cell}",
        f"  hidden_size: {s.hidden_size}",
        "  init_scale: 0.01",
        f"  seed: {s.seed}",
        "data:",
        f"  text: {json.dumps(body, ensure_ascii=False)}",
        "training:",
        "  optimizer: adagrad",
        f"  learning_rate: {s.learning_rate}",
        f"  iterations: {s.iterations}",
        f"  seq_length: {s.seq_length}",
        "  clip: 5",
        "  checkpoints:",
        "    untrained: 0",
        f"    trained: {s.iterations}",
        "playback:",
        f"  sequence: {json.dumps(playback, ensure_ascii=False)}",
        "  panels: []",
        "",
        "# Each forward op's numbers in the caption: with up to 32 symbols the diagram may have",
        "# room only for colours, and the numbers of the op on screen must be readable.",
        "narration:",
        *_captions(s.cell),
        "",
    ]
    return "\n".join(lines)


def _captions(cell: str) -> list[str]:
    out = []
    for line in CELLS[cell].forward.ops:
        op = line.op
        if op == "x":
            text = "The character {input} as a one-hot vector: x = {x:.0f}."
        elif op.startswith("loss"):
            text = "loss = -log p[target] = {loss:.3f}."
        else:
            text = f"{op} = {{{op}:.2f}}"
        out += [f"  - op: {op}", f"    text: {json.dumps(text)}"]
    return out


def text_lesson(source: str, settings: TextSettings = TextSettings()) -> tuple[Lesson, str]:
    """The lesson `--text SOURCE` opens, and its file's text."""
    text, where = read_text(source)
    yaml_text = text_lesson_yaml(text, where, settings)
    name = Path(where).stem if where.endswith(".txt") else "your-text"
    return parse_lesson(yaml_text.encode("utf-8"), f"{name}.yaml"), yaml_text


def settings_problem(cell: str, hidden: int, iterations: int) -> str:
    """Why these `--text` settings cannot make a lesson, or ""."""
    if cell not in CELL_NAMES:
        return f"--cell: expected one of {', '.join(CELL_NAMES)}"
    if not 2 <= hidden <= MAX_HIDDEN:
        return f"--hidden: expected 2 to {MAX_HIDDEN}"
    if not 1 <= iterations <= MAX_ITERATIONS:
        return f"--iterations: expected 1 to {MAX_ITERATIONS:,}"
    return ""
