"""Byte-level mutation of the built-in lessons, 10,000 cases in CI: every case must end as a
loaded lesson or a clean error list (file:line:col), never another exception, and in
bounded work (calls counted, tests/work_budget.py; the times are printed, not asserted).

Seeded, so a failure names a case that can be replayed. A longer run by hand:
RNN_STEPPER_FUZZ_BYTES=200000 python -m pytest tests/test_fuzz_bytes.py -s
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

from work_budget import FuzzBudget

from stepper.lesson import LessonError
from stepper.lesson.load import parse_lesson

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("*.yaml"))
CASES = int(os.environ.get("RNN_STEPPER_FUZZ_BYTES", "10000"))
PROBLEM = re.compile(r"^fuzz-\d+\.yaml(:\d+:\d+: .+|: \.\.\. and \d+ more problems)$")
NASTY = [
    b"\x00",
    b"\xff\xfe",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"{",
    b"[",
    b"- ",
    b": ",
    b"\t",
    b"1e999",
    b"-0",
    b"nan",
    b".inf",
    b"~",
    b"'",
    b'"',
    b"\n",
    b"\r\n",
    b"%YAML 1.1\n",
    b"---\n",
    b"? ",
]


def mutate(rng: random.Random, sources: list[bytes]) -> bytes:
    data = bytearray(rng.choice(sources))
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(data) + 1)
        roll = rng.random()
        if roll < 0.25 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif roll < 0.45:
            del data[pos : pos + rng.randint(1, 40)]
        elif roll < 0.65:
            donor = rng.choice(sources)
            start = rng.randrange(len(donor))
            data[pos:pos] = donor[start : start + rng.randint(1, 80)]
        elif roll < 0.8:
            data[pos:pos] = rng.choice(NASTY)
        elif roll < 0.9:  # a number somewhere becomes another number
            text = data.decode("utf-8", "replace")
            numbers = list(re.finditer(r"\d+(\.\d+)?", text))
            if numbers:
                m = rng.choice(numbers)
                new = rng.choice(["0", "-1", "3.5", "1e9", "65", "200001", "1001", "0.0", "17"])
                data = bytearray((text[: m.start()] + new + text[m.end() :]).encode())
        else:  # a line duplicated or dropped
            lines = data.split(b"\n")
            k = rng.randrange(len(lines))
            if rng.random() < 0.5:
                lines.insert(k, lines[k])
            else:
                del lines[k]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def test_mutated_lessons_load_or_fail_cleanly():
    sources = [p.read_bytes() for p in LESSONS]
    rng = random.Random(20261122)
    loaded = refused = 0
    slowest = 0.0
    bounded = FuzzBudget()
    for case in range(CASES):
        data = mutate(rng, sources)
        name = f"fuzz-{case}.yaml"
        started = time.perf_counter()
        try:
            parse_lesson(data, name)
            loaded += 1
        except LessonError as exc:
            refused += 1
            assert exc.problems, f"case {case}: an error with no problem listed"
            for line in str(exc).splitlines():
                assert PROBLEM.match(line), f"case {case}: not file:line:col: message: {line!r}"
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        bounded.check(case, data, name, elapsed)
    print(
        f"\n{CASES} byte-mutated lessons: {loaded} loaded, {refused} refused, "
        f"slowest {1000 * slowest:.1f} ms; {bounded.report()}"
    )
    assert loaded + refused == CASES
    assert loaded > 0 and refused > 0, "the mutations should produce both outcomes"
