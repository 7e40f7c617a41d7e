"""The speed sheet: `python benchmarks/run.py [--json OUT.json] [--only SECTION ...]`.

Prints one table (figure, measured value, target, pass/fail) and, with --json,
writes the keyed figures as one flat object. Sections are functions returning
rows; add a section (frame times, startup, memory ...) by appending it to
SECTIONS below. Run it by hand on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (str(ROOT), str(HERE)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

import change_bench  # noqa: E402  (needs the paths above)
import engine_bench  # noqa: E402
import limits_bench  # noqa: E402
import loop_bench  # noqa: E402
import panels_bench  # noqa: E402
import window_bench  # noqa: E402


@dataclass(frozen=True)
class Row:
    """A measured figure; `key` puts it in the --json object, `passed` is None without a target."""

    name: str
    value: float | None
    unit: str
    target: str = "-"
    passed: bool | None = None
    key: str | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "skipped"
        return {True: "pass", False: "FAIL", None: "info"}[self.passed]

    def shown(self) -> str:
        if self.value is None:
            return "-"
        digits = 0 if abs(self.value) >= 100 else 2 if abs(self.value) >= 1 else 3
        return f"{self.value:,.{digits}f} {self.unit}"


Section = Callable[[], list[dict[str, Any]]]
#: name -> function returning rows (dicts of Row's fields). Later issues append here.
SECTIONS: dict[str, Section] = (
    dict(engine_bench.SECTIONS)
    | window_bench.SECTIONS
    | panels_bench.SECTIONS
    | limits_bench.SECTIONS
    | loop_bench.SECTIONS
    | change_bench.SECTIONS
)


def collect(names: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        rows.extend(Row(**fields) for fields in SECTIONS[name]())
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return rows


def table(rows: Sequence[Row]) -> str:
    head = ("figure", "measured", "target", "result")
    body = [(r.name, r.shown(), r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in (head, *body)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def flat_figures(rows: Sequence[Row]) -> dict[str, float | None]:
    return {r.key: r.value for r in rows if r.key}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="OUT.json", help="also write the keyed figures as one flat object")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), help="run only these sections")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any figure misses its target")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}", file=sys.stderr)
    rows = collect(args.only or list(SECTIONS))
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(flat_figures(rows), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if args.strict and any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
