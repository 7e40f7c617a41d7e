"""The strict lesson loader: YAML file -> frozen Lesson, or LessonError listing every problem.

A teacher's typo must never become a traceback or a silent default, so each
key is read with its expected type and range, cross-references (symbols,
checkpoints, ops, placeholder names, claim names) are resolved here, and
every problem carries the file, line and column it stands at.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from stepper.cells import CELL_NAMES, CELLS
from stepper.files import InputError, read_regular
from stepper.lesson.asks import reads_numbers
from stepper.lesson.claims import ClaimError, parse_claim
from stepper.lesson.claims import value_shapes as claim_shapes
from stepper.lesson.cost import MAX_TRAINING_SECONDS, max_iterations, training_seconds
from stepper.lesson.errors import LessonError, Problem, one_line, quote
from stepper.lesson.fields import Reader, suggestion
from stepper.lesson.guards import parse_guard, parse_slice, parse_value, timesteps
from stepper.lesson.model import PANEL_NAMES, Ask, Caption, Choice, Claim, Lesson, Model, Sample, Training
from stepper.lesson.nodes import MAX_BYTES, Mapping, Mark, Node, Scalar, Sequence, compose, decode
from stepper.lesson.notes import MAX_PLACEHOLDERS as MAX_NOTE_PLACEHOLDERS
from stepper.lesson.notes import note_placeholders, placeholder_problems
from stepper.narration import caption_problems
from stepper.optim import OPTIMIZERS
from stepper.trace import BACKWARD, FORWARD, PHASES, SAMPLE, UPDATE

MAX_HIDDEN = 64
VOCAB_SIZES = (2, 32)  # 32: a lowercase sentence with spaces and punctuation
MAX_SYMBOL_LENGTH = 8
MAX_STEPS = 1000  # playback steps; the sequence holds one symbol more
MAX_SAMPLE = 200  # symbols the sample pass writes
OWN_PASSES = (UPDATE, SAMPLE)  # passes whose captions name only the pass
MAX_ITERATIONS = 200_000
MAX_SEQ_LENGTH = 1000
MAX_DATA = 10_000
MAX_CHECKPOINTS = 20
MAX_CAPTIONS = 500
#: Guard evaluations one --check makes (about 50 us each): a few seconds at most.
MAX_GUARD_EVALUATIONS = 100_000
MAX_CLAIMS = 50
MAX_ASKS = 40
MAX_CHOICES = 4
MAX_DECIMALS = 6
ASK_PLACE = ("checkpoint", "phase", "t", "when", "if")
ASK_OPTIONAL = (*ASK_PLACE, "choices", "answer", "distractors", "decimals", "explain")
MAX_PROBLEMS = 50
#: train() adds this checkpoint itself when training diverges.
RESERVED_CHECKPOINT = "last good"

T = TypeVar("T")

TOP_REQUIRED = ("title", "summary", "vocab", "model", "data", "training", "playback")
TOP_OPTIONAL = ("teacher_notes", "compare", "sample", "narration", "claims", "ask")


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file; LessonError lists all its problems."""
    shown = str(path)
    try:
        data = read_regular(path, MAX_BYTES)
    except InputError as exc:
        raise LessonError([Problem(shown, 0, 0, f"cannot read the file: {exc}")]) from None
    return parse_lesson(data, path)


def parse_lesson(data: bytes, path: str | Path) -> Lesson:
    """Validate the bytes of a lesson file; `path` names it in messages."""
    reader = Reader(str(path))
    text, found = decode(data)
    root = None
    if text is not None:
        root, found = compose(text)
        if (root is None and not found) or (isinstance(root, Scalar) and root.is_null):
            root, found = None, [(Mark(1, 1), "the file is empty; a lesson needs " + ", ".join(TOP_REQUIRED))]
    for mark, message in found:
        reader.report(mark, "", message)
    lesson = None if root is None else _LessonReader(reader).lesson(root, Path(path))
    if reader.problems or lesson is None:
        problems = sorted(reader.problems, key=lambda p: (p.line, p.column))
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], Problem(str(path), 0, 0, f"... and {more} more problems")]
        raise LessonError(problems)
    return lesson


@cache
def _op_names(cell: str, phase: str) -> tuple[str, ...]:
    listing = CELLS[cell].forward if phase == FORWARD else CELLS[cell].backward
    return tuple(line.op for line in listing.ops)


class _LessonReader:
    """Reads the lesson schema top-down; later parts use what earlier parts established."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.vocab: tuple[str, ...] | None = None
        self.cell: str | None = None
        self.hidden: int | None = None
        self.checkpoints: tuple[tuple[str, int], ...] | None = None
        self.steps: int | None = None  # playback timesteps
        self.budget: tuple[Mark, int, int] | None = None  # where iterations stand, iterations, seq_length

    def lesson(self, root: Node, path: Path) -> Lesson | None:
        r = self.r
        top = r.mapping(root, "", TOP_REQUIRED, TOP_OPTIONAL)
        if top is None:
            return None
        get = top.get
        title = self.optional(get("title"), lambda n: r.text(n, "title", 80))
        summary = self.optional(get("summary"), lambda n: r.text(n, "summary", 1000))
        notes = self.optional(get("teacher_notes"), lambda n: r.text(n, "teacher_notes", 20_000), "")
        self.vocab = self.optional(get("vocab"), self.read_vocab)
        model = self.optional(get("model"), self.read_model)
        data = self.optional(get("data"), self.read_data)
        training = self.optional(get("training"), self.read_training)
        playback = self.optional(get("playback"), self.read_playback)
        compare = self.optional(get("compare"), self.read_compare)
        sample = self.optional(get("sample"), self.read_sample, Sample())
        captions = self.optional(get("narration"), self.read_narration, ())
        claims = self.optional(get("claims"), self.read_claims, ())
        asks = self.optional(get("ask"), self.read_asks, ())
        if notes and self.checkpoints is not None and self.cell is not None:
            self.check_notes(get("teacher_notes"), notes)
        if r.problems:  # every failed read above has reported why
            return None
        return Lesson(
            path=path,
            title=title,
            summary=summary,
            teacher_notes=notes,
            vocab=self.vocab,
            model=model,
            data=data,
            training=training,
            playback=playback[0],
            panels=playback[1],
            captions=captions,
            claims=claims,
            asks=asks,
            compare_cell=compare,
            sample=sample,
        )

    @staticmethod
    def optional(node: Node | None, read: Callable[[Node], T | None], default: T | None = None) -> T | None:
        """Read `node` if the key was given; a missing required key was already reported."""
        return default if node is None else read(node)

    def check_notes(self, node: Node, notes: str) -> None:
        """Every `{expression @ checkpoint}` in the teacher notes must be a number we can fill."""
        assert self.cell is not None and self.checkpoints is not None
        found = note_placeholders(notes)
        if len(found) > MAX_NOTE_PLACEHOLDERS:
            limit = f"at most {MAX_NOTE_PLACEHOLDERS} {{... @ checkpoint}} numbers"
            self.r.report(node.mark, "teacher_notes", limit)
            return
        vocab_size, hidden, steps = self.sizes()
        shapes = claim_shapes(self.cell, steps, vocab_size, hidden)
        names = tuple(name for name, _ in self.checkpoints)
        for ph in found:
            problem = placeholder_problems(ph, names, shapes)
            if problem:
                line = notes.count("\n", 0, ph.start) + 1
                self.r.report(node.mark, "teacher_notes", f"line {line} of the notes: {problem}")

    # -- vocabulary and symbols -------------------------------------------------------------

    def read_vocab(self, node: Node) -> tuple[str, ...] | None:
        r = self.r
        low, high = VOCAB_SIZES
        items = r.sequence(node, "vocab", f"a list of {low} to {high} symbols, such as [h, e, l, o]")
        if items is None:
            return None
        if not low <= len(items) <= high:
            r.report(node.mark, "vocab", f"expected {low} to {high} symbols, got {len(items)}")
            return None
        symbols: list[str] = []
        ok = True
        for i, item in enumerate(items):
            where = f"vocab[{i}]"
            if not isinstance(item, Scalar) or item.is_null or not item.value:
                r.expected(item, where, "a symbol (one to eight characters)")
                ok = False
            elif len(item.value) > MAX_SYMBOL_LENGTH or not item.value.isprintable():
                r.report(
                    item.mark, where, f"{quote(item.value)}: a symbol is one to eight printable characters"
                )
                ok = False
            elif item.value in symbols:
                r.report(item.mark, where, f"{quote(item.value)} appears twice")
                ok = False
            else:
                symbols.append(item.value)
        return tuple(symbols) if ok else None

    def symbols(self, node: Node, where: str, low: int, high: int) -> tuple[int, ...] | None:
        """A list of symbols, or a text whose every character is one symbol."""
        r = self.r
        what = "a list of symbols, or a text of one-character symbols"
        if isinstance(node, Scalar) and not node.is_null:
            # A block scalar (text: |) ends in a line break no vocabulary can hold.
            items: list[tuple[str, Node]] = [(ch, node) for ch in node.value.rstrip("\n")]
        elif isinstance(node, Sequence):
            items = []
            for i, item in enumerate(node.items):
                if isinstance(item, Scalar) and not item.is_null:
                    items.append((item.value, item))
                else:
                    r.expected(item, f"{where}[{i}]", "a symbol")
                    return None
        else:
            r.expected(node, where, what)
            return None
        if not low <= len(items) <= high:
            r.report(node.mark, where, f"expected {low} to {high:,} symbols, got {len(items):,}")
            return None
        if self.vocab is None:
            return None
        index = {s: i for i, s in enumerate(self.vocab)}
        unknown = {}
        for symbol, item in items:
            if symbol not in index and symbol not in unknown:
                unknown[symbol] = item
        for symbol, item in unknown.items():
            r.report(item.mark, where, f"{quote(symbol)} is not in the vocabulary ({', '.join(self.vocab)})")
        return None if unknown else tuple(index[s] for s, _ in items)

    # -- model, data, training --------------------------------------------------------------

    def read_model(self, node: Node) -> Model | None:
        r = self.r
        keys = r.mapping(node, "model", ("cell", "hidden_size", "seed"), ("init_scale",))
        if keys is None:
            return None
        self.cell = self.optional(keys.get("cell"), lambda n: r.choice(n, "model.cell", CELL_NAMES))
        self.hidden = self.optional(
            keys.get("hidden_size"), lambda n: r.integer(n, "model.hidden_size", 2, MAX_HIDDEN)
        )
        seed = self.optional(keys.get("seed"), lambda n: r.integer(n, "model.seed", 0, 2**32 - 1))
        scale = self.optional(
            keys.get("init_scale"),
            lambda n: r.number(n, "model.init_scale", 0, 100, "a positive number up to 100"),
            0.01,
        )
        if None in (self.cell, self.hidden, seed, scale):
            return None
        return Model(self.cell, self.hidden, scale, seed)

    def read_data(self, node: Node) -> tuple[int, ...] | None:
        r = self.r
        keys = r.mapping(node, "data", (), ("pattern", "text"))
        if keys is None:
            return None
        if len(keys) != 1:
            given = "both" if keys else "neither"
            r.report(node.mark, "data", f'give either "pattern" (a list of symbols) or "text", not {given}')
            return None
        [(name, value)] = keys.items()
        if name == "text" and not isinstance(value, Scalar):
            r.expected(value, "data.text", "a text")
            return None
        return self.symbols(value, f"data.{name}", 2, MAX_DATA)

    def read_training(self, node: Node) -> Training | None:
        r = self.r
        keys = r.mapping(
            node,
            "training",
            ("optimizer", "learning_rate", "iterations", "checkpoints"),
            ("seq_length", "clip"),
        )
        if keys is None:
            return None
        optimizer = self.optional(
            keys.get("optimizer"), lambda n: r.choice(n, "training.optimizer", OPTIMIZERS)
        )
        rate = self.optional(
            keys.get("learning_rate"),
            lambda n: r.number(n, "training.learning_rate", 0, 100, "a positive number up to 100"),
        )
        iterations = self.optional(
            keys.get("iterations"), lambda n: r.integer(n, "training.iterations", 0, MAX_ITERATIONS)
        )
        seq_length = self.optional(
            keys.get("seq_length"), lambda n: r.integer(n, "training.seq_length", 1, MAX_SEQ_LENGTH), 25
        )
        clip = self.optional(keys.get("clip"), self.read_clip, 5.0)
        if iterations is not None and seq_length is not None:
            self.budget = (keys["iterations"].mark, iterations, seq_length)
            if self.cell is not None and not self.affordable(self.cell, "training"):
                iterations = None
        self.checkpoints = self.optional(
            keys.get("checkpoints"), lambda n: self.read_checkpoints(n, iterations)
        )
        if None in (optimizer, rate, iterations, seq_length, clip, self.checkpoints):
            return None
        return Training(
            optimizer, rate, iterations, seq_length, None if clip == "off" else clip, self.checkpoints
        )

    def read_clip(self, node: Node) -> float | str | None:
        if isinstance(node, Scalar) and node.plain and node.value in ("off", "null", "~"):
            return "off"
        return self.r.number(node, "training.clip", 0, 1e6, 'a positive number, or "off" for no clipping')

    def read_checkpoints(self, node: Node, iterations: int | None) -> tuple[tuple[str, int], ...] | None:
        r = self.r
        if not isinstance(node, Mapping) or not node.pairs:
            r.expected(
                node, "training.checkpoints", "a mapping of names to iterations, such as {untrained: 0}"
            )
            return None
        if len(node.pairs) > MAX_CHECKPOINTS:
            r.report(node.mark, "training.checkpoints", f"at most {MAX_CHECKPOINTS} checkpoints")
            return None
        found: list[tuple[str, int]] = []
        ok = True
        for key, value in node.pairs:
            where = f"training.checkpoints.{one_line(key.value[:30])}"
            if (
                key.value == RESERVED_CHECKPOINT
                or not 1 <= len(key.value) <= 24
                or not key.value.isprintable()
            ):
                r.report(
                    key.mark,
                    "training.checkpoints",
                    f"{quote(key.value)}: a checkpoint name is 1 to 24 "
                    f'printable characters, and "{RESERVED_CHECKPOINT}" is reserved',
                )
                ok = False
                continue
            iteration = r.integer(value, where, 0, MAX_ITERATIONS)
            if iteration is not None and iterations is not None and iteration > iterations:
                r.report(
                    value.mark,
                    where,
                    f"iteration {iteration} is after the last training iteration ({iterations})",
                )
                iteration = None
            if iteration is None:
                ok = False
            else:
                found.append((key.value, iteration))
        if not ok or iterations is None:
            return None
        return tuple(sorted(found, key=lambda kv: kv[1]))

    # -- playback and compare ---------------------------------------------------------------

    def read_playback(self, node: Node) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        r = self.r
        keys = r.mapping(node, "playback", ("sequence",), ("panels",))
        if keys is None:
            return None
        sequence = self.optional(
            keys.get("sequence"), lambda n: self.symbols(n, "playback.sequence", 2, MAX_STEPS + 1)
        )
        if sequence is not None:
            self.steps = len(sequence) - 1
        panels = self.optional(keys.get("panels"), self.read_panels, ())
        return None if sequence is None or panels is None else (sequence, panels)

    def read_panels(self, node: Node) -> tuple[str, ...] | None:
        r = self.r
        items = r.sequence(node, "playback.panels", f"a list of panel names ({', '.join(PANEL_NAMES)})")
        if items is None:
            return None
        names: list[str] = []
        for i, item in enumerate(items):
            where = f"playback.panels[{i}]"
            name = r.choice(item, where, PANEL_NAMES)
            if name is None:
                return None
            if name in names:
                r.report(item.mark, where, f'"{name}" is listed twice')
                return None
            if name == "gates" and self.cell is not None and not CELLS[self.cell].gates:
                gated = " or ".join(n for n, cell in CELLS.items() if cell.gates)
                r.report(item.mark, where, f"the gates panel needs a {gated} cell; this model is {self.cell}")
                return None
            names.append(name)
        return tuple(names)

    def read_sample(self, node: Node) -> Sample | None:
        """How the sample pass writes: length, temperature (0 is greedy), seed, prime."""
        r = self.r
        keys = r.mapping(node, "sample", (), ("length", "temperature", "seed", "prime"))
        if keys is None:
            return None
        default = Sample()
        length = self.optional(
            keys.get("length"), lambda n: r.integer(n, "sample.length", 1, MAX_SAMPLE), default.length
        )
        temperature = self.optional(
            keys.get("temperature"),
            lambda n: r.number(n, "sample.temperature", -1e-300, 5.0, "a temperature from 0 (greedy) to 5"),
            default.temperature,
        )
        seed = self.optional(keys.get("seed"), lambda n: r.integer(n, "sample.seed", 0, 2**31 - 1), 0)
        prime = self.optional(keys.get("prime"), lambda n: self.symbols(n, "sample.prime", 1, MAX_SAMPLE))
        if None in (length, temperature, seed) or ("prime" in keys and prime is None):
            return None
        return Sample(length, max(0.0, temperature), seed, prime)

    def read_compare(self, node: Node) -> str | None:
        r = self.r
        keys = r.mapping(node, "compare", ("cell",))
        if keys is None or "cell" not in keys:
            return None
        cell = r.choice(keys["cell"], "compare.cell", CELL_NAMES)
        if cell is not None and cell == self.cell:
            r.report(
                keys["cell"].mark, "compare.cell", f"the lesson's model is already {cell}; name another cell"
            )
            return None
        if cell is not None and not self.affordable(cell, "compare.cell", keys["cell"].mark):
            return None
        return cell

    def affordable(self, cell: str, where: str, mark: Mark | None = None) -> bool:
        """Whether training this cell at the lesson's size fits the time limit (see cost.py);
        if not, say how long it would take and how many iterations fit."""
        if self.budget is None or self.hidden is None or self.vocab is None:
            return True
        at, iterations, seq_length = self.budget
        vocab = len(self.vocab)
        seconds = training_seconds(cell, vocab, self.hidden, iterations, seq_length)
        if seconds <= MAX_TRAINING_SECONDS:
            return True
        fits = max_iterations(cell, vocab, self.hidden, seq_length)
        self.r.report(
            mark or at,
            where,
            f"{iterations:,} iterations x seq_length {seq_length} take about {seconds:.0f} s for this "
            f"{cell} (hidden size {self.hidden}) on a 2-core machine; at most "
            f"{MAX_TRAINING_SECONDS:.0f} s: use at most {fits:,} iterations at this seq_length",
        )
        return False

    # -- narration and claims ---------------------------------------------------------------

    def read_list(
        self,
        node: Node,
        where: str,
        expected: str,
        most: int,
        noun: str,
        read_one: Callable[[Node, str], T | None],
    ) -> list[T] | None:
        """At most `most` items, each read by `read_one(item, "where[i]")`; None if the list or
        any item is wrong (each problem reported)."""
        items = self.r.sequence(node, where, expected)
        if items is None:
            return None
        if len(items) > most:
            self.r.report(node.mark, where, f"at most {most} {noun}")
            return None
        read = [read_one(item, f"{where}[{i}]") for i, item in enumerate(items)]
        done = [x for x in read if x is not None]
        return done if len(done) == len(read) else None

    def evaluations_fit(
        self, node: Node, where: str, evaluations: int, what: str, each: str, advice: str
    ) -> bool:
        """--check evaluates a guard or a question at every place its selector picks: bounded."""
        if evaluations <= MAX_GUARD_EVALUATIONS:
            return True
        self.r.report(
            node.mark,
            where,
            f"--check would evaluate {what} {evaluations:,} times ({each} at every checkpoint and "
            f"timestep it picks); at most {MAX_GUARD_EVALUATIONS:,}: {advice}",
        )
        return False

    def read_narration(self, node: Node) -> tuple[Caption, ...] | None:
        expected = "a list of captions, each with a text"
        captions = self.read_list(node, "narration", expected, MAX_CAPTIONS, "captions", self.read_caption)
        if captions is None:
            return None
        evaluations = sum(self.places_picked(c.checkpoint, c.t) for c in captions if c.when or c.condition)
        advice = "guard fewer captions, or give them a checkpoint or t"
        if not self.evaluations_fit(node, "narration", evaluations, "guards", "each guarded caption", advice):
            return None
        return tuple(captions)

    def places_picked(self, checkpoint: str | None, t: int | str | None) -> int:
        """How many (checkpoint, timestep) places a caption's or question's selector picks:
        what --check evaluates its expressions at, bounded at load."""
        checkpoints = 1 if checkpoint else len(self.checkpoints or ()) or MAX_CHECKPOINTS
        return checkpoints * len(timesteps(t, self.sizes()[2]))

    def read_selector(self, keys: dict[str, Node], where: str) -> tuple:
        """Where a caption or a question applies, and its guards: (checkpoint, phase, t, op,
        when, if), each None where not given or wrong (wrong ones reported)."""
        r = self.r
        checkpoint = self.optional(
            keys.get("checkpoint"), lambda n: self.checkpoint_name(n, f"{where}.checkpoint")
        )
        phase = self.optional(keys.get("phase"), lambda n: r.choice(n, f"{where}.phase", PHASES))
        t = self.optional(keys.get("t"), lambda n: self.timestep(n, f"{where}.t"))
        op = self.optional(keys.get("op"), lambda n: self.op_name(n, f"{where}.op", phase))
        when = self.optional(keys.get("when"), lambda n: self.guard(n, f"{where}.when"))
        condition = self.optional(keys.get("if"), lambda n: self.guard(n, f"{where}.if"))
        return checkpoint, phase, t, op, when, condition

    def read_caption(self, node: Node, where: str) -> Caption | None:
        r = self.r
        keys = r.mapping(node, where, ("text",), ("checkpoint", "phase", "t", "op", "when", "if"))
        if keys is None:
            return None
        before = len(r.problems)
        text = self.optional(keys.get("text"), lambda n: r.text(n, f"{where}.text", 2000))
        checkpoint, phase, t, op, when, condition = self.read_selector(keys, where)
        if len(r.problems) > before or text is None:
            return None
        if phase in OWN_PASSES:  # update and sample have no timesteps or sequence ops
            extra = [k for k in ("t", "op", "when", "if") if k in keys]
            if extra:
                r.report(
                    keys[extra[0]].mark,
                    f"{where}.{extra[0]}",
                    f"a {phase} caption takes no {extra[0]}: t, op and guards speak of the played "
                    "sequence; use the pass's placeholders ({written}, {loss_after}...) instead",
                )
                return None
        elif op is not None:  # an op belongs to one pass, so it implies the phase
            phase = FORWARD if op in self.ops(FORWARD) else BACKWARD
        if self.cell is not None:
            vocab_size, hidden, _ = self.sizes()
            for message in caption_problems(text, self.cell, vocab_size, hidden, phase, op):
                r.report(keys["text"].mark, f"{where}.text", message)
        mark = node.mark
        return Caption(text, checkpoint, phase, t, op, when, condition, mark.line, mark.column)

    def timestep(self, node: Node, where: str) -> int | str | None:
        """`t:` is a timestep (negative counts from the end) or a slice of them, such as "1:"."""
        steps = self.sizes()[2]
        if isinstance(node, Scalar) and not node.plain and parse_slice(node.value) is not None:
            if not timesteps(node.value, steps):
                self.r.report(node.mark, where, f'"{node.value}" picks no timestep of the {steps} played')
                return None
            return node.value.strip()
        note = f' (the playback has {steps} steps; -1 is the last), or a slice such as "1:"'
        return self.r.integer(node, where, -steps, steps - 1, "a timestep", note)

    def guard(self, node: Node, where: str) -> str | None:
        """A `when:` or `if:` guard: a claim about the place, checked like a claim at load time."""
        r = self.r
        source = r.text(node, where, 300, "an expression such as min(abs(h[t])) >= 0.9")
        if source is None or self.cell is None:
            return None
        vocab_size, hidden, steps = self.sizes()
        try:
            parse_guard(source, self.cell, steps, vocab_size, hidden)
        except ClaimError as exc:
            r.report(node.mark, where, str(exc))
            return None
        return source

    def sizes(self) -> tuple[int, int, int]:
        """Vocabulary size, hidden size and playback steps.

        Where one of them is broken (and reported), the largest allowed stands in,
        so the checks that use it still run without reporting anything false.
        """
        return (
            VOCAB_SIZES[1] if self.vocab is None else len(self.vocab),
            MAX_HIDDEN if self.hidden is None else self.hidden,
            MAX_STEPS if self.steps is None else self.steps,
        )

    def ops(self, phase: str) -> tuple[str, ...]:
        assert self.cell is not None
        return _op_names(self.cell, phase)

    def op_name(self, node: Node, where: str, phase: str | None) -> str | None:
        r = self.r
        name = r.text(node, where, 40, "an op name such as h or dh")
        if name is None or self.cell is None:
            return None
        forward, backward = self.ops(FORWARD), self.ops(BACKWARD)
        if name not in forward and name not in backward:
            hint = suggestion(name, [*forward, *backward])
            r.report(node.mark, where, f"{quote(name)} is not an op of the {self.cell} cell{hint}")
            return None
        actual = FORWARD if name in forward else BACKWARD
        if phase is not None and phase != actual:
            r.report(node.mark, where, f'"{name}" is a {actual} op, but phase is {phase}')
            return None
        return name

    def checkpoint_name(self, node: Node, where: str) -> str | None:
        if self.checkpoints is None:
            self.r.text(node, where, 24)
            return None
        return self.r.choice(node, where, [name for name, _ in self.checkpoints])

    def read_claims(self, node: Node) -> tuple[Claim, ...] | None:
        expected = "a list of claims, each with checkpoint, text and check"
        claims = self.read_list(node, "claims", expected, MAX_CLAIMS, "claims", self.read_claim)
        return None if claims is None else tuple(claims)

    def read_claim(self, node: Node, where: str) -> Claim | None:
        r = self.r
        keys = r.mapping(node, where, ("checkpoint", "text", "check"))
        if keys is None or len(keys) < 3:
            return None
        checkpoint = self.checkpoint_name(keys["checkpoint"], f"{where}.checkpoint")
        text = r.text(keys["text"], f"{where}.text", 300)
        check = r.text(keys["check"], f"{where}.check", 300, "an expression such as min(prob) >= 0.9")
        if check is None or self.cell is None:
            return None
        vocab_size, hidden, steps = self.sizes()
        shapes = claim_shapes(self.cell, steps, vocab_size, hidden)
        try:
            parse_claim(check, shapes)
        except ClaimError as exc:
            r.report(keys["check"].mark, f"{where}.check", str(exc))
            return None
        if checkpoint is None or text is None:
            return None
        mark = node.mark
        return Claim(text, checkpoint, mark.line, check, mark.column)

    # -- questions --------------------------------------------------------------------------

    def read_asks(self, node: Node) -> tuple[Ask, ...] | None:
        expected = "a list of questions, each with an op and a question"
        asks = self.read_list(node, "ask", expected, MAX_ASKS, "questions", self.read_ask)
        if asks is None:
            return None
        evaluations = sum(
            self.places_picked(a.checkpoint, a.t)
            * (bool(a.when) + bool(a.condition) + len(a.choices) + 1 + len(a.distractors))
            for a in asks
            if not a.symbols
        )
        what = "the questions' expressions"
        if not self.evaluations_fit(node, "ask", evaluations, what, "each", "give them a checkpoint or t"):
            return None
        seen: dict[tuple, Ask] = {}
        for i, ask in enumerate(asks):
            if ask.when or ask.condition:
                continue  # guarded questions may share a selector: their guards tell them apart
            place = (ask.checkpoint, ask.phase, ask.op, ask.t)
            if place in seen:
                self.r.report(
                    Mark(ask.line, ask.column),
                    f"ask[{i}]",
                    f"the question on line {seen[place].line} is asked at the same place; give one "
                    "of them another place, or an if: guard",
                )
            seen.setdefault(place, ask)
        return tuple(asks)

    def read_ask(self, node: Node, where: str) -> Ask | None:
        r = self.r
        keys = r.mapping(
            node,
            where,
            ("question", "op"),
            ASK_OPTIONAL,
        )
        if keys is None:
            return None
        phase_node = keys.get("phase")
        if isinstance(phase_node, Scalar) and phase_node.value == SAMPLE:
            return self.read_sample_ask(node, keys, where)
        before = len(r.problems)
        question = self.optional(keys.get("question"), lambda n: r.text(n, f"{where}.question", 300))
        explain = self.optional(keys.get("explain"), lambda n: r.text(n, f"{where}.explain", 600), "")
        checkpoint, phase, t, op, when, condition = self.read_selector(keys, where)
        decimals = self.optional(
            keys.get("decimals"), lambda n: r.integer(n, f"{where}.decimals", 0, MAX_DECIMALS), 2
        )
        if ("choices" in keys) == ("answer" in keys):
            given = "both" if "choices" in keys else "neither"
            r.report(node.mark, where, f"give either choices (worded) or answer (a number), not {given}")
            return None
        choices = self.optional(keys.get("choices"), lambda n: self.read_choices(n, f"{where}.choices"), ())
        answer = self.optional(keys.get("answer"), lambda n: self.answer(n, f"{where}.answer"))
        distractors = self.optional(
            keys.get("distractors"), lambda n: self.read_distractors(n, f"{where}.distractors", answer), ()
        )
        if "distractors" in keys and "choices" in keys:
            r.report(keys["distractors"].mark, f"{where}.distractors", "worded choices take no distractors")
        if len(r.problems) > before or question is None or op is None:
            return None
        phase = FORWARD if op in self.ops(FORWARD) else BACKWARD
        if self.cell is not None:
            vocab_size, hidden, _ = self.sizes()
            for name, text in (("question", question), ("explain", explain)):
                for message in caption_problems(text, self.cell, vocab_size, hidden, phase, op):
                    r.report(keys[name].mark, f"{where}.{name}", message)
        if len(r.problems) > before:
            return None
        mark = node.mark
        return Ask(
            question, op, explain, checkpoint, phase, t, when, condition, choices, answer,
            distractors, decimals, line=mark.line, column=mark.column,
        )  # fmt: skip

    def read_sample_ask(self, node: Node, keys: dict[str, Node], where: str) -> Ask | None:
        """A question in the sample pass: which symbol the model writes next. Its answer is
        the symbol drawn there, so it takes `choices: symbols` and no conditions."""
        r = self.r
        before = len(r.problems)
        for name in ("when", "if", "answer", "distractors", "decimals"):
            if name in keys:
                why = f"a sample-pass question's answer is the symbol drawn; {name} is not used there"
                r.report(keys[name].mark, f"{where}.{name}", why)
        question = self.optional(keys.get("question"), lambda n: r.text(n, f"{where}.question", 300))
        explain = self.optional(keys.get("explain"), lambda n: r.text(n, f"{where}.explain", 600), "")
        checkpoint = self.optional(
            keys.get("checkpoint"), lambda n: self.checkpoint_name(n, f"{where}.checkpoint")
        )
        t = self.optional(
            keys.get("t"), lambda n: r.integer(n, f"{where}.t", 0, MAX_SAMPLE - 1, "a symbol's place")
        )
        op = self.optional(keys.get("op"), lambda n: r.text(n, f"{where}.op", 40))
        if op is not None and op != "s":
            why = f"{quote(op)}: a sample-pass question stands at op s, the draw"
            r.report(keys["op"].mark, f"{where}.op", why)
        choices = keys.get("choices")
        if not (isinstance(choices, Scalar) and choices.value == "symbols"):
            r.report((choices or node).mark, f"{where}.choices",
                     'write "choices: symbols": one choice per symbol, the answer the one drawn')  # fmt: skip
        if self.vocab is not None and len(self.vocab) > MAX_CHOICES:
            r.report(node.mark, where, f"keys 1-{MAX_CHOICES} choose: a sample-pass question needs at most "
                     f"{MAX_CHOICES} symbols; this vocabulary has {len(self.vocab)}")  # fmt: skip
        if self.cell is not None:
            vocab_size, hidden, _ = self.sizes()
            for name, text in (("question", question), ("explain", explain)):
                if name not in keys:
                    continue
                for message in caption_problems(text or "", self.cell, vocab_size, hidden, SAMPLE, None):
                    r.report(keys[name].mark, f"{where}.{name}", message)
        if len(r.problems) > before or question is None:
            return None
        mark = node.mark
        return Ask(
            question, "s", explain, checkpoint, SAMPLE, t, symbols=True, line=mark.line, column=mark.column
        )

    def read_choices(self, node: Node, where: str) -> tuple[Choice, ...] | None:
        r = self.r
        items = r.sequence(node, where, "a list of 2 to 4 choices, each with a text and a when:")
        if items is None:
            return None
        if not 2 <= len(items) <= MAX_CHOICES:
            r.report(node.mark, where, f"expected 2 to {MAX_CHOICES} choices (keys 1-4), got {len(items)}")
            return None
        choices: list[Choice] = []
        for i, item in enumerate(items):
            keys = r.mapping(item, f"{where}[{i}]", ("text", "when"))
            if keys is None or len(keys) < 2:
                return None
            text = r.text(keys["text"], f"{where}[{i}].text", 80)
            when = self.guard(keys["when"], f"{where}[{i}].when")
            if when is not None and not reads_numbers(when):
                r.report(
                    keys["when"].mark,
                    f"{where}[{i}].when",
                    f"{quote(when)} reads no recorded value, so it is typed in and goes stale when "
                    "the lesson is retrained; decide the choice from the numbers, such as h[t, 0] > 0",
                )
                return None
            if text is None or when is None:
                return None
            if any(c.text == text for c in choices):
                r.report(keys["text"].mark, f"{where}[{i}].text", f"{quote(text)} is a choice twice")
                return None
            choices.append(Choice(text, when))
        return tuple(choices)

    def value_expression(self, node: Node, where: str) -> str | None:
        """An expression giving one number at a question's place."""
        source = self.r.text(node, where, 300, "an expression such as h[t, 0] or dh_norm[T - 1] / dh_norm[0]")
        if source is None or self.cell is None:
            return None
        vocab_size, hidden, steps = self.sizes()
        try:
            parse_value(source, self.cell, steps, vocab_size, hidden)
        except ClaimError as exc:
            self.r.report(node.mark, where, str(exc))
            return None
        return source

    def answer(self, node: Node, where: str) -> str | None:
        source = self.value_expression(node, where)
        if source is not None and not reads_numbers(source):
            self.r.report(
                node.mark,
                where,
                f"{quote(source)} is typed in, so it goes stale when the lesson is retrained; "
                "compute it from the numbers at this place, such as h[t, 0] or prob[t]",
            )
            return None
        return source

    def read_distractors(self, node: Node, where: str, answer: str | None) -> tuple[str, ...] | None:
        r = self.r
        items = r.sequence(node, where, f"a list of 1 to {MAX_CHOICES - 1} expressions")
        if items is None:
            return None
        if not 1 <= len(items) <= MAX_CHOICES - 1:
            many = f"expected 1 to {MAX_CHOICES - 1} distractors (keys 1-4), got {len(items)}"
            r.report(node.mark, where, many)
            return None
        found: list[str] = []
        for i, item in enumerate(items):
            source = self.value_expression(item, f"{where}[{i}]")
            if source is None:
                return None
            if source.replace(" ", "") in [s.replace(" ", "") for s in (answer or "", *found)]:
                r.report(item.mark, f"{where}[{i}]", f"{quote(source)} is the answer or a distractor again")
                return None
            found.append(source)
        return tuple(found)
