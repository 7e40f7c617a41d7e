"""Mutated lessons must end as a Lesson or a LessonError: never another exception, and in
bounded work (calls counted, tests/work_budget.py; the times are printed, not asserted).

Two fuzzers start from the built-in course: one edits the YAML structure
(drops keys, retypes values, misspells keys, plants bad placeholders and
claims), the other edits the bytes (flips, cuts, splices, inserts YAML
tokens). STEPPER_FUZZ_EXAMPLES sets the cases per fuzzer (default 300, a few
seconds); for a long run: STEPPER_FUZZ_EXAMPLES=20000 pytest tests/test_lesson_fuzz.py -s
"""

from __future__ import annotations

import copy
import gc
import os
import time
from collections import Counter
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from work_budget import FuzzBudget

from stepper.lesson import Lesson, LessonError, builtin_lessons, parse_lesson
from stepper.narration import fill

EXAMPLES = int(os.environ.get("STEPPER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the work is counted instead (BOUNDED), the same on any machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SOURCES = [path.read_bytes() for path in builtin_lessons()]
DOCUMENTS = [yaml.safe_load(source) for source in SOURCES]
KEYS = sorted(
    {
        "title", "summary", "teacher_notes", "vocab", "model", "cell", "hidden_size", "init_scale", "seed",
        "data", "pattern", "text", "training", "optimizer", "learning_rate", "iterations", "seq_length",
        "clip", "checkpoints", "playback", "sequence", "panels", "compare", "narration", "claims",
        "checkpoint", "phase", "t", "op", "check", "untrained", "trained",
    }
)  # fmt: skip
TRICKY_TEXT = [
    "{p[1]:.2f}", "{h}", "{p[99]}", "{h.__class__}", "{", "}", "{{}}", "{p:999999}", "{loss:.2q}", "{dh}",
    "{target:.2f}", "{0}", "{}", "{p!r}", "{p[0][0]}", "{x[1]:>8.3e}", "min(prob) >= 0.9", "h[0]",
    "__import__('os')", "1e999", ".nan", "-1", "0", "1_000", "lstm", "gru", "off", "~", "", " ", "\t",
    "dist(h[0], h[1]) >= 1", "alternates(sign(h))", "log10(dh_norm[-1] / dh_norm[0]) >= 2", "p[0, 0] > 1",
    "(" * 40, "not not not True", "prob[::0] > 0", "min(prob[5:1]) > 0", "h[:, :, :] > 0", "9" * 400,
]  # fmt: skip
TRICKY_BYTES = [
    b"*a", b"&a ", b"!!python/object/apply:os.system ['x'] ", b"\t", b"\xff", b"\xc3", b"{", b"}", b"[",
    b"]", b": ", b"- ", b"\n", b"---\n", b"'", b'"', b"#", b"9" * 30, b"1e999", b"-", b".nan", b"~",
    b"{p[", b"? ", b"|\n", b">\n", b"%YAML 1.1\n", b"\x00", b"\xef\xbb\xbf", b"<<: *a\n", b"\\", b"!",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(TRICKY_TEXT),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=6,
)

COUNTS: Counter[str] = Counter()
SLOWEST: dict[str, float] = {"structured": 0.0, "bytes": 0.0}
BOUNDED = FuzzBudget()


def load(data: bytes) -> tuple[str, float]:
    """Load `data` and time it; anything but a Lesson or a LessonError propagates and fails the test.

    The collector is paused while timing: a full collection of Hypothesis's own
    bookkeeping can take a second late in a long run, and is not the loader's time.
    """
    gc.disable()
    started = time.perf_counter()
    try:
        lesson = parse_lesson(data, "fuzzed.yaml")
    except LessonError as exc:
        elapsed = time.perf_counter() - started
        assert exc.problems, "a LessonError must carry its problems"
        assert all(str(p).startswith("fuzzed.yaml:") for p in exc.problems)
        return "refused", elapsed
    finally:
        gc.enable()
    elapsed = time.perf_counter() - started
    assert isinstance(lesson, Lesson)
    for caption in lesson.captions:
        fill(caption.text, {})  # every placeholder shows as "…", none raises
    return "loaded", elapsed


def outcome(data: bytes, fuzzer: str) -> None:
    result, elapsed = load(data)
    SLOWEST[fuzzer] = max(SLOWEST[fuzzer], elapsed)
    COUNTS[f"{fuzzer} {result}"] += 1
    BOUNDED.check(COUNTS.total(), data, "fuzzed.yaml", elapsed)


def report(fuzzer: str) -> None:
    """Visible with -s: how many cases ran, how they ended, and the slowest."""
    ended = {k.split()[1]: n for k, n in COUNTS.items() if k.startswith(fuzzer)}
    print(
        f"\n{fuzzer} fuzz: {sum(ended.values())} cases, {ended}, slowest {SLOWEST[fuzzer] * 1000:.1f} ms; "
        f"so far {BOUNDED.report()}"
    )


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a YAML document, as a tuple of keys and indices."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*prefix, i))
    return found


def mutate(doc: Any, draw: st.DrawFn) -> Any:
    """One structural edit at a random place: delete, replace, misspell a key, add a key, or edit text."""
    where = draw(st.sampled_from(paths(doc)))
    if not where:
        return draw(values) if draw(st.booleans()) and draw(st.booleans()) else doc
    parent = doc
    for step in where[:-1]:
        parent = parent[step]
    last = where[-1]
    kind = draw(st.sampled_from(["delete", "replace", "rename", "add", "text"]))
    if kind == "delete":
        del parent[last]
    elif kind == "replace":
        parent[last] = draw(values)
    elif kind == "rename" and isinstance(parent, dict):
        name = str(last)
        cut = draw(st.integers(0, len(name)))
        parent[name[:cut] + draw(st.text(max_size=2)) + name[cut + 1 :]] = parent.pop(last)
    elif kind == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(KEYS) | st.text(max_size=10))] = draw(values)
    elif isinstance(parent[last], str):
        text = parent[last]
        cut = draw(st.integers(0, len(text)))
        parent[last] = text[:cut] + draw(st.sampled_from(TRICKY_TEXT)) + text[cut:]
    return doc


@st.composite
def structured(draw: st.DrawFn) -> bytes:
    doc = copy.deepcopy(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 4))):
        doc = mutate(doc, draw)
    return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


@st.composite
def byte_level(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "token", "copy", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TRICKY_BYTES))
        elif kind == "copy":
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start : start + draw(st.integers(1, 200))]
        else:
            del data[at:]
    return bytes(data)


def test_built_in_sources_load() -> None:
    for source in SOURCES:
        assert isinstance(parse_lesson(source, "built-in.yaml"), Lesson)


def test_structured_mutations_load_or_fail_cleanly() -> None:
    @FUZZ
    @given(structured())
    def case(data: bytes) -> None:
        outcome(data, "structured")

    case()
    report("structured")
    assert COUNTS["structured loaded"] + COUNTS["structured refused"] >= EXAMPLES


def test_byte_mutations_load_or_fail_cleanly() -> None:
    @FUZZ
    @given(byte_level())
    def case(data: bytes) -> None:
        outcome(data, "bytes")

    case()
    report("bytes")
    assert COUNTS["bytes loaded"] + COUNTS["bytes refused"] >= EXAMPLES
