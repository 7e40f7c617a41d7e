"""Code listings that are both shown and run.

Each cell writes its forward and backward pass as a short listing of Python
lines. The recorder executes the loop-body lines one by one, so the line lit
in the code panel is, character for character, the line that produced the
value on screen. Everything else in a listing (loop headers, comments) is
context for the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from types import CodeType

import numpy as np

from stepper.numerics import log_softmax, one_hot, sigmoid, softmax


def first_index(mask: np.ndarray) -> int:
    """The first index where `mask` holds (the last one if none does: cumsum(p) may end a
    hair under 1 and u above it)."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else int(np.size(mask) - 1)


#: The functions a listing may call; the names are what students read.
FUNCTIONS: Mapping[str, object] = {
    "one_hot": one_hot,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "outer": np.outer,
    "zeros": np.zeros,
    "clip": np.clip,
    "sqrt": np.sqrt,
    "cumsum": np.cumsum,
    "argmax": lambda values: int(np.argmax(values)),
    "first_index": first_index,
}
#: Names a line may read that are bookkeeping, not operands worth outlining: the loop's
#: own, the optimizer's settings, the sampler's temperature and its draw.
CONTEXT_NAMES = frozenset(
    {"inputs", "targets", "t", "T", "V", "H", "lr", "b1", "b2", "steps", "temperature", "uniform"}
)
LOOP_INDENT = "    "


@dataclass(frozen=True, slots=True)
class CodeLine:
    """One line of a listing; `op` is set when the recorder runs it per timestep."""

    number: int
    text: str
    op: str | None
    reads: tuple[str, ...]
    comment: str
    code: CodeType | None

    @property
    def source(self) -> str:
        """The statement without its trailing comment."""
        return self.text.split("#", 1)[0].rstrip() if self.comment else self.text.rstrip()


@dataclass(frozen=True, slots=True)
class Listing:
    lines: tuple[CodeLine, ...]

    @property
    def ops(self) -> tuple[CodeLine, ...]:
        return tuple(line for line in self.lines if line.op is not None)


def _statement(source: str) -> tuple[str, tuple[str, ...], CodeType]:
    """Target, operands and compiled code of one assignment line.

    `a += b` runs as `a = a + b`: recorded arrays are read-only, and a new
    array per step is what lets the user step back to the old value.
    """
    tree = ast.parse(source.strip())
    (stmt,) = tree.body
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name = stmt.target.id
        read = ast.copy_location(ast.Name(name, ast.Load()), stmt.target)
        stmt = ast.copy_location(
            ast.Assign(
                targets=[ast.Name(name, ast.Store())],
                value=ast.copy_location(ast.BinOp(read, stmt.op, stmt.value), stmt),
            ),
            stmt,
        )
        ast.fix_missing_locations(stmt)
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        raise ValueError(f"listing line is not a single assignment: {source!r}")
    (target,) = stmt.targets
    if not isinstance(target, ast.Name):
        raise ValueError(f"listing line must assign one name: {source!r}")
    names = sorted(
        (node for node in ast.walk(stmt.value) if isinstance(node, ast.Name)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    reads = [n.id for n in names if n.id not in FUNCTIONS and n.id not in CONTEXT_NAMES]
    reads = list(dict.fromkeys(reads))
    module = ast.fix_missing_locations(ast.Module(body=[stmt], type_ignores=[]))
    return target.id, tuple(reads), compile(module, f"<listing: {source.strip()}>", "exec")


def parse_listing(text: str) -> Listing:
    """Lines indented once inside the loop and holding an assignment become ops."""
    lines = []
    for number, raw in enumerate(text.strip("\n").splitlines()):
        code, _, comment = raw.partition("#")
        op = reads = compiled = None
        body = raw.startswith(LOOP_INDENT) and not raw.startswith(LOOP_INDENT * 2)
        if body and "=" in code:
            op, reads, compiled = _statement(code)
        lines.append(CodeLine(number, raw.rstrip(), op, reads or (), comment.strip(), compiled))
    return Listing(tuple(lines))


def run_line(line: CodeLine, env: dict[str, object]) -> np.ndarray:
    """Execute one op line in `env` (which it updates) and return its result, read-only."""
    assert line.code is not None and line.op is not None
    exec(line.code, env)
    result = env[line.op]
    if type(result) is np.ndarray and result.dtype == np.float64:
        value = result  # a new array the line made (or a read-only one it read): kept, not copied
    else:
        # An index (a drawn symbol) stays an integer so it can index; everything else is float.
        integer = isinstance(result, (int, np.integer)) and not isinstance(result, bool)
        value = np.array(result, dtype=np.int64 if integer else np.float64)
    value.setflags(write=False)
    env[line.op] = value
    return value
