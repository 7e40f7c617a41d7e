"""Captions with live values: `{p[1]:.2f}` is filled from the step under the cursor.

A caption names values instead of quoting numbers, so it never goes stale
when training changes. The placeholder language is deliberately tiny (a name,
integer indices, a format spec): no attribute access, no expressions, so a
lesson file can never make the app run code. Nor can it build a gigantic
string: a placeholder names at most MAX_ELEMENTS numbers, each number is
printed in at most ELEMENT_CHARS characters (or its width), and the loader
refuses a caption whose worst case (`worst_length`) exceeds MAX_CAPTION_CHARS.
The same grammar serves the loader (which rejects bad placeholders with their
file position) and `fill` (which never raises).
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from stepper.cells import CELLS
from stepper.lesson.guards import check_guard, timesteps
from stepper.params import layout
from stepper.trace import BACKWARD, FORWARD, SAMPLE, UPDATE, Trace

if TYPE_CHECKING:
    from stepper.lesson.model import Caption, Lesson

#: Shown for a value the code has not computed yet at the cursor.
MISSING = "…"
DEFAULT_FLOAT = ".2f"
MAX_WIDTH = 40
MAX_PRECISION = 12
#: Numbers one placeholder may name: a whole vector of the largest model, or one row.
MAX_ELEMENTS = 64
#: A number longer than this (and than its width) is printed in e-notation instead.
ELEMENT_CHARS = 26
#: The longest a caption may become once every placeholder is filled, in the worst case.
MAX_CAPTION_CHARS = 4000
#: Characters of narration one place fills at most (the caption bar shows far fewer).
MAX_SHOWN_CHARS = 6000
#: A vocabulary larger than this can leave the diagram room only for colours on a projector
#: (32 symbols do at 1280x720): the caption then also gives the current forward op's numbers,
#: unless a caption shown there already names that value whole.
MANY_SYMBOLS = 16

#: Names every caption may use besides the code's own variables, with their kind.
EXTRAS: Mapping[str, type] = {
    "t": int,  # the timestep (update pass: the parameter group; sample pass: the symbol written)
    "group": str,  # update pass: the parameter being updated
    "loss_before": float,  # update pass: this sequence's loss with the weights before the step
    "loss_after": float,  # ... and after it
    "written": str,  # sample pass: the prime and the symbols written so far
    "temperature": float,  # sample pass
    "input": str,  # the input symbol s_t
    "target": str,  # the symbol to predict, s_(t+1)
    "guess": str,  # the most likely next symbol (once p is computed)
    "prob": float,  # p[target] (once p is computed)
    "loss": float,  # this timestep's loss (once loss_t is computed)
    "dh_norm": float,  # ||dL/dh_t|| (once dh is computed, backward pass)
    "checkpoint": str,  # checkpoint name
    "iteration": int,  # training iterations done at that checkpoint
}
#: Extras that exist only once a code variable does.
_NEEDS = {"guess": "p", "prob": "p", "loss": "loss_t", "dh_norm": "dh"}

_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d{1,4}\])*)")
_INDEX = re.compile(r"\[(\d+)\]")
_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d+)?[_,]?(?:\.(?P<precision>\d+))?(?P<kind>[eEfFgG%sd])?"
)
_FORMATTER = string.Formatter()
_SAMPLES: Mapping[type, object] = {float: 0.5, int: 3, str: "a"}


class PlaceholderError(ValueError):
    """A caption's placeholder that cannot be filled; the message is for the teacher."""


@dataclass(frozen=True, slots=True)
class Placeholder:
    source: str  # as written, braces included
    name: str
    indices: tuple[int, ...]
    spec: str


def placeholders(text: str) -> list[Placeholder]:
    """Every placeholder in `text`, or PlaceholderError for the first malformed one."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        raise PlaceholderError("unbalanced braces; write {{ or }} for a literal brace") from None
    found = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        source = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion:
            raise PlaceholderError(f"{source}: conversions such as !r are not supported")
        if not field:
            raise PlaceholderError("{}: a placeholder needs a name, such as {h} or {p[1]:.2f}")
        match = _FIELD.fullmatch(field)
        if match is None:
            raise PlaceholderError(f"{source}: write a name with optional [index]es, such as {{p[1]}}")
        spec = spec or ""
        _check_spec(source, spec)
        indices = tuple(int(i) for i in _INDEX.findall(match.group(2)))
        found.append(Placeholder(source, match.group(1), indices, spec))
    return found


def _check_spec(source: str, spec: str) -> None:
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise PlaceholderError(f'{source}: bad format "{spec}"; use a format such as .2f, .3e or >6')
    width, precision = match.group("width"), match.group("precision")
    if (width and int(width) > MAX_WIDTH) or (precision and int(precision) > MAX_PRECISION):
        raise PlaceholderError(
            f"{source}: widths above {MAX_WIDTH} and precisions above {MAX_PRECISION} are not allowed"
        )


def _element_chars(spec: str, kind: type) -> int:
    """The most characters one value can take under `spec` (see `_format`)."""
    match = _SPEC.fullmatch(spec)
    width = int(match.group("width") or 0) if match else 0
    precision = int(match.group("precision") or 6) if match else 6
    if kind is float and match and match.group("kind") in ("e", "E", "g", "G"):
        return max(width, precision + 8)
    return max(width, ELEMENT_CHARS)


def worst_length(text: str, shapes: Mapping[str, tuple[int, ...]]) -> int:
    """The longest `text` can become when filled: literal text plus every placeholder at its widest."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        return len(text)
    total = 0
    for literal, field, spec, _ in parts:
        total += len(literal)
        if field is None:
            continue
        match = _FIELD.fullmatch(field)
        name = match.group(1) if match else field
        shape = shapes.get(name, ())[len(_INDEX.findall(match.group(2))) if match else 0 :]
        count = int(np.prod(shape)) if shape else 1
        total += count * (_element_chars(spec or "", EXTRAS.get(name, float)) + 4) + 2
    return total


def _shape_of(comment: str, vocab_size: int, hidden_size: int) -> tuple[int, ...]:
    """A listing line's shape comment, e.g. "(V, H)", in numbers."""
    inside = comment[1 : comment.index(")")]
    sizes = {"V": vocab_size, "H": hidden_size}
    return tuple(sizes[d.strip()] for d in inside.split(",") if d.strip())


@lru_cache(maxsize=64)
def value_shapes(cell: str, vocab_size: int, hidden_size: int) -> Mapping[str, tuple[int, ...]]:
    """Shape of every array a caption may name: the code's variables, weights and gradients.

    Read from the listings' own shape comments, so it cannot drift from the code.
    """
    spec = CELLS[cell]
    shapes: dict[str, tuple[int, ...]] = {}
    for name, shape in layout(cell, vocab_size, hidden_size):
        shapes[name] = shapes[f"d{name}"] = shape
    for state in spec.state:
        shapes[f"{state}_prev"] = (hidden_size,)
    for line in (*spec.forward.ops, *spec.backward.ops):
        shapes[line.op] = _shape_of(line.comment, vocab_size, hidden_size)
    for name, kind in EXTRAS.items():
        if kind is float:
            shapes[name] = ()
    return shapes


@lru_cache(maxsize=256)
def names_at(cell: str, phase: str | None, op: str | None) -> frozenset[str] | None:
    """Names that hold a value at every cursor matching (phase, op); None if that varies."""
    if phase not in (FORWARD, BACKWARD):  # update and sample: their own names, checked when shown
        return None
    spec = CELLS[cell]
    forward = [line.op for line in spec.forward.ops]
    backward = [line.op for line in spec.backward.ops]
    names = {name for name, _ in layout(cell, 2, 2)} | {f"{s}_prev" for s in spec.state}
    names |= {"t", "input", "target", "checkpoint", "iteration"}
    if phase == FORWARD:
        names.update(forward[: forward.index(op) + 1] if op else forward)
    else:
        names.update(forward)
        names.update(f"d{name}" for name, _ in layout(cell, 2, 2))
        names.update(spec.carried_grads)
        names.update(backward[: backward.index(op) + 1] if op else backward)
    names.update(extra for extra, need in _NEEDS.items() if need in names)
    return frozenset(names)


def caption_problems(
    text: str, cell: str, vocab_size: int, hidden_size: int, phase: str | None, op: str | None
) -> list[str]:
    """Why this caption's placeholders cannot be filled where it is shown (empty if they can)."""
    try:
        found = placeholders(text)
    except PlaceholderError as exc:
        return [str(exc)]
    shapes = value_shapes(cell, vocab_size, hidden_size)
    present = names_at(cell, phase, op)
    problems = []
    for ph in found:
        if ph.name not in shapes and ph.name not in EXTRAS:
            close = difflib.get_close_matches(ph.name, [*shapes, *EXTRAS], n=1)
            hint = f'; did you mean "{close[0]}"?' if close else "; docs/lessons.md lists the names"
            problems.append(f'{ph.source}: unknown name "{ph.name}"{hint}')
            continue
        kind = EXTRAS.get(ph.name, float)
        problem = _index_problem(ph, shapes.get(ph.name)) if ph.indices else None
        if problem is None:
            try:
                format(_SAMPLES[kind], ph.spec)
            except ValueError:
                problem = f'{ph.source}: format "{ph.spec}" does not fit a {kind.__name__} value'
        if problem is None and present is not None and ph.name not in present:
            problem = _absence(ph, cell, phase, op)
        named = shapes.get(ph.name, ())[len(ph.indices) :]
        if problem is None and named and int(np.prod(named)) > MAX_ELEMENTS:
            count = int(np.prod(named))
            problem = (
                f"{ph.source}: names {count:,} numbers; at most {MAX_ELEMENTS} per placeholder, "
                f"so name a row or one number, such as {{{ph.name}{'[0]' * (len(named) - 1)}}}"
            )
        if problem:
            problems.append(problem)
    if not problems and (longest := worst_length(text, shapes)) > MAX_CAPTION_CHARS:
        problems.append(
            f"filled in, it could be {longest:,} characters long; at most {MAX_CAPTION_CHARS:,}: "
            "use fewer or shorter placeholders (a format such as .2f or .3e, or one row of a matrix)"
        )
    return problems


def _index_problem(ph: Placeholder, shape: tuple[int, ...] | None) -> str | None:
    if not shape:
        return f"{ph.source}: {ph.name} is a single value and takes no [index]"
    if len(ph.indices) > len(shape):
        return f"{ph.source}: {ph.name} has {len(shape)} axis(es) but {len(ph.indices)} indices"
    for index, size in zip(ph.indices, shape, strict=False):
        if index >= size:
            dims = "x".join(str(s) for s in shape)
            return f"{ph.source}: index {index} is out of range ({ph.name} has shape {dims})"
    return None


def _absence(ph: Placeholder, cell: str, phase: str | None, op: str | None) -> str:
    spec = CELLS[cell]
    made_at = _NEEDS.get(ph.name, ph.name)
    ops = spec.forward.ops if phase == FORWARD else spec.backward.ops
    if op is not None and made_at in {line.op for line in ops}:
        return f"{ph.source}: not computed yet at op {op}; it is computed at op {made_at}"
    return f"{ph.source}: {ph.name} is only computed in the backward pass"


def caption_values(trace: Trace, index: int, checkpoint: str, iteration: int) -> dict[str, object]:
    """Everything a caption may show with the cursor on step `index` of `trace`."""
    step = trace.steps[index]
    env = trace.env(index)
    values: dict[str, object] = {name: np.asarray(v) for name, v in env.items()}
    t = step.t
    if step.phase in (UPDATE, SAMPLE):
        return values | _own_pass_values(trace, step.phase, t, env, checkpoint, iteration)
    values.update(
        t=t,
        input=trace.vocab[trace.inputs[t]],
        target=trace.vocab[trace.targets[t]],
        checkpoint=checkpoint,
        iteration=iteration,
    )
    if "p" in env:
        p = np.asarray(env["p"])
        values["prob"] = float(p[trace.targets[t]])
        values["guess"] = trace.vocab[int(np.argmax(p))]
    if "loss_t" in env:
        values["loss"] = float(env["loss_t"])
    if "dh" in env:
        values["dh_norm"] = float(np.linalg.norm(env["dh"]))
    return values


def _own_pass_values(
    trace: Trace, phase: str, t: int, env: Mapping[str, object], checkpoint: str, iteration: int
) -> dict[str, object]:
    values: dict[str, object] = {"t": t, "checkpoint": checkpoint, "iteration": iteration}
    if phase == UPDATE and trace.update is not None:
        values["group"] = tuple(trace.params)[t]
        values["loss_before"] = trace.update.loss_before
        values["loss_after"] = trace.update.loss_after
    if phase == SAMPLE and trace.sample is not None:
        sample = trace.sample
        written = (*sample.prime, *sample.symbols[: t + (1 if "s" in env else 0)])
        values["written"] = "".join(trace.vocab[s] for s in written)
        values["temperature"] = sample.temperature
    return values


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with every placeholder replaced; never raises.

    A value the cursor has not reached yet, or any placeholder that cannot be
    filled, shows as "…" so the caption still reads.
    """
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        return text
    out = []
    for literal, field, spec, conversion in parts:
        out.append(literal)
        if field is not None:
            out.append(_render(field, spec or "", conversion, values))
    return "".join(out)


def _render(field: str, spec: str, conversion: str | None, values: Mapping[str, object]) -> str:
    match = _FIELD.fullmatch(field)
    if conversion or match is None or match.group(1) not in values:
        return MISSING
    try:
        _check_spec(field, spec)
    except PlaceholderError:
        return MISSING
    value = values[match.group(1)]
    for index in (int(i) for i in _INDEX.findall(match.group(2))):
        if not (isinstance(value, np.ndarray) and value.ndim and index < value.shape[0]):
            return MISSING
        value = value[index]
    if isinstance(value, np.ndarray) and value.size > MAX_ELEMENTS:  # the loader refuses these
        return MISSING
    try:
        return _format(value, spec)
    except (ValueError, TypeError):
        return MISSING


def _format(value: object, spec: str) -> str:
    if isinstance(value, np.ndarray) and value.ndim:
        return "[" + ", ".join(_format(v, spec) for v in value) + "]"
    if isinstance(value, str):
        return format(value, spec)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return format(int(value), spec)
    if isinstance(value, (float, np.floating, np.ndarray)):
        shown = format(float(value), spec or DEFAULT_FLOAT)
        if len(shown) > _element_chars(spec, float):  # 1e300 with .2f: say it in e-notation
            match = _SPEC.fullmatch(spec)
            precision = int(match.group("precision") or 2) if match else 2
            shown = format(float(value), f".{precision}e")
        # "-0.00" says a sign the number does not have at this precision.
        return shown[1:] if shown.startswith("-") and not any(c in "123456789" for c in shown) else shown
    return MISSING


def captions_at(
    lesson: Lesson,
    checkpoint: str | None,
    phase: str | None,
    t: int | None,
    op: str | None,
    steps: int | None = None,
) -> tuple[Caption, ...]:
    """The captions whose selector picks this place, most specific first (file order among equals).

    `steps` is the length of the sequence played (default: the lesson's own), which
    `t: -1` and slices such as `t: "1:"` are counted in.
    """
    steps = len(lesson.playback) - 1 if steps is None else steps
    here = {"checkpoint": checkpoint, "phase": phase, "op": op}
    own_pass = phase in (UPDATE, SAMPLE)  # captions about a sequence say nothing here
    matching = [
        c
        for c in lesson.captions
        if all(getattr(c, k) in (None, v) for k, v in here.items())
        and (not own_pass or c.phase == phase)
        and (c.t is None or (t is not None and t in timesteps(c.t, steps)))
    ]
    return tuple(sorted(matching, key=lambda c: -sum(getattr(c, k) is not None for k in (*here, "t"))))


def shown_captions(lesson: Lesson, trace: Trace, index: int, checkpoint: str | None) -> tuple[Caption, ...]:
    """The captions shown with the cursor on step `index`: picked by their selector, and true here.

    Its guards (`if:` and `when:`) must hold at this timestep. A caption pinned to
    a later timestep (`t: 1`) describes the lesson's own sequence: on another it
    shows only if it has a guard and the guard holds there.
    """
    step = trace.steps[index]
    own = (*trace.inputs, *trace.targets[-1:]) == lesson.playback
    found = captions_at(lesson, checkpoint, step.phase, step.t, step.op, trace.length)

    def holds(c: Caption) -> bool:
        guards = [g for g in (c.condition, c.when) if g is not None]
        if not guards:  # the first step and steps counted from the end mean the same on any sequence
            return own or not isinstance(c.t, int) or c.t <= 0
        return all(check_guard(g, trace, step.t)[0] for g in guards)

    return tuple(c for c in found if holds(c))


def narration_at(
    lesson: Lesson, trace: Trace, index: int, checkpoint: str | None, iteration: int
) -> list[str]:
    """The filled text of every caption shown at step `index`, bounded to MAX_SHOWN_CHARS in all."""
    found = shown_captions(lesson, trace, index, checkpoint)
    shown = [c.text for c in found]
    numbers = numbers_caption(trace, index, shown)
    if not shown and not numbers:
        return []
    values = caption_values(trace, index, checkpoint or "", iteration)
    texts, total = [], 0
    for text in (*shown, *([numbers] if numbers else [])):
        if total >= MAX_SHOWN_CHARS:
            break
        texts.append(fill(text, values))
        total += len(texts[-1])
    return texts


def numbers_caption(trace: Trace, index: int, shown: list[str]) -> str:
    """With a large vocabulary, the forward op's own numbers as a caption (`p = {p:.2f}`), so
    they are readable whatever room the diagram has; '' otherwise, or if a caption in `shown`
    already names the whole value."""
    step = trace.steps[index]
    if len(trace.vocab) <= MANY_SYMBOLS or step.phase != FORWARD:
        return ""
    name, spec = (step.op, ".0f" if step.op == "x" else ".2f")  # x: one-hot
    if step.op.startswith("loss"):
        name, spec = "loss", ".3f"
    for text in shown:
        try:
            if any(ph.name == name and not ph.indices for ph in placeholders(text)):
                return ""
        except PlaceholderError:  # the loader refuses these; a caption is never trusted blindly
            continue
    return f"{name} = {{{name}:{spec}}}"


def narration_places(
    lesson: Lesson, trace: Trace, checkpoint: str | None, iteration: int
) -> list[dict[str, object]]:
    """Every place of every pass with the narration shown there (None where no caption
    shows and the bar falls back to the line's comment): what --export-narration writes."""
    places: list[dict[str, object]] = []
    for phase in trace.pass_names:
        span = trace.phase_range(phase)
        for index in span:
            step = trace.steps[index]
            texts = narration_at(lesson, trace, index, checkpoint, iteration)
            places.append(
                {
                    "checkpoint": checkpoint,
                    "pass": phase,
                    "step": index - span.start,
                    "t": step.t,
                    "op": step.op,
                    "caption": "  ".join(texts) if texts else None,
                }
            )
    return places
