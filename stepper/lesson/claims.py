"""Claims: tiny expressions over one checkpoint's recorded numbers, such as `min(prob) >= 0.99`.

A lesson's words promise things ("trained, every prediction is sure"); a
claim makes the promise checkable, so a lesson whose numbers drift away
from its narration fails `--check` instead of teaching something false.

The language is Python expression syntax read with `ast` and a whitelist:
names of per-timestep arrays, numbers, integer indices and slices, + - * /,
comparisons, and/or/not, and a handful of functions. Nothing is ever passed
to `eval`, and since no value depends on data in a way that changes shapes,
a dry run on zeros at load time finds every error evaluation could hit.
"""

from __future__ import annotations

import ast
import difflib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from stepper.cells import CELLS
from stepper.trace import Trace

MAX_LENGTH = 300
MAX_NODES = 120


class ClaimError(ValueError):
    """A claim that cannot be read or evaluated; the message is for the teacher."""


def _norm(a: np.ndarray) -> np.ndarray:
    return np.abs(a) if a.ndim == 0 else np.linalg.norm(a, axis=-1)


def _alternates(a: np.ndarray) -> np.bool_:
    """Rows flip between two different values: a[t] == a[t+2] and a[t] != a[t+1]."""
    if a.ndim == 0 or len(a) < 2:
        raise ClaimError("alternates(...) needs at least two timesteps")
    rows = a.reshape(len(a), -1)
    same_two_back = bool(np.all(rows[2:] == rows[:-2]))
    differs_next = bool(np.all(np.any(rows[1:] != rows[:-1], axis=1)))
    return np.bool_(same_two_back and differs_next)


#: name -> (function, number of arguments). Reductions run over every element.
FUNCTIONS: Mapping[str, tuple[Callable[..., object], int]] = {
    "min": (np.min, 1),
    "max": (np.max, 1),
    "mean": (np.mean, 1),
    "all": (np.all, 1),
    "any": (np.any, 1),
    "abs": (np.abs, 1),
    "sign": (np.sign, 1),
    "log10": (np.log10, 1),
    "norm": (_norm, 1),  # L2 norm over the last axis: one number per timestep for h
    "dist": (lambda a, b: _norm(a - b), 2),  # L2 distance, e.g. dist(h[0], h[1])
    "alternates": (_alternates, 1),
}

_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_OPERATOR_TEXT = {
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Invert: "~",
}


def value_shapes(cell: str, steps: int, vocab_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """Every name a claim may use, with its shape (T timesteps first)."""
    per_step = {
        "p": (vocab_size,),
        "y": (vocab_size,),
        "h": (hidden_size,),
        "dh": (hidden_size,),
        "loss": (),
        "prob": (),
        "dh_norm": (),
    }
    for name in (*CELLS[cell].state, *CELLS[cell].gates):
        per_step[name] = (hidden_size,)
    shapes = {name: (steps, *shape) for name, shape in per_step.items()}
    shapes.update(T=(), V=(), H=(), train_loss=())
    return shapes


def claim_values(trace: Trace, train_loss: float) -> dict[str, np.ndarray]:
    """The recorded numbers a claim reads, for one checkpoint's trace of the playback."""
    s = trace.summary
    steps = np.arange(trace.length)
    values = {name: np.asarray(s[name]) for name in ("p", "y", "h", "dh", "loss", "dh_norm")}
    for name in (*CELLS[trace.cell].state, *CELLS[trace.cell].gates):
        values[name] = np.asarray(s[name])
    values["prob"] = values["p"][steps, list(trace.targets)]
    values.update(
        T=np.asarray(trace.length),
        V=np.asarray(len(trace.vocab)),
        H=np.asarray(trace.hidden_size),
        train_loss=np.asarray(train_loss),
    )
    return values


def parse_claim(
    source: str, shapes: Mapping[str, tuple[int, ...]], samples: Mapping[str, object] | None = None
) -> ast.Expression:
    """The checked syntax tree of a claim, or ClaimError saying what is wrong.

    `shapes` gives the names in scope; a dry run on zeros of those shapes (or on
    `samples`, where an integer must stand) catches bad indices, mismatched
    shapes and results that are not true/false.
    """
    tree = parse_expression(source, shapes)
    zeros = {name: np.zeros(shape) for name, shape in shapes.items()}
    evaluate(tree, source, {**zeros, **(samples or {})})
    return tree


def parse_expression(source: str, shapes: Mapping[str, tuple[int, ...]]) -> ast.Expression:
    """The whitelisted syntax tree of an expression in the claims language, not yet dry-run."""
    if len(source) > MAX_LENGTH:
        raise ClaimError(f"longer than {MAX_LENGTH} characters; split it into several claims")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for 1_000and: our error says it
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ClaimError(f"cannot read it: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ClaimError("cannot read it as an expression") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ClaimError("too long; split it into several claims")
    context = _Context(
        shapes,
        callees={id(n.func) for n in nodes if isinstance(n, ast.Call)},
        indices={id(i) for n in nodes if isinstance(n, ast.Subscript) for i in _index_parts(n.slice)},
    )
    for node in nodes:
        context.allow(node, source.strip())
    return tree


def _index_parts(node: ast.AST) -> list[ast.AST]:
    return [node, *node.elts] if isinstance(node, ast.Tuple) else [node]


#: Nodes that are always fine (operators are checked through their parent).
_PLAIN = (ast.Load, ast.Expression, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare, ast.Subscript,
          ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Lt, ast.LtE,
          ast.Gt, ast.GtE, ast.Eq, ast.NotEq)  # fmt: skip


def segment(source: str, node: ast.AST) -> str:
    """The claim's own text for `node` (slicing directly when offsets are plain character offsets)."""
    start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
    if start is not None and end is not None and "\n" not in source and source.isascii():
        return source[start:end]
    return ast.get_source_segment(source, node) or type(node).__name__


@dataclass(frozen=True)
class _Context:
    """What the whitelist needs to know about where each node stands."""

    shapes: Mapping[str, tuple[int, ...]]
    callees: set[int]  # ids of the nodes called as functions
    indices: set[int]  # ids of the nodes written inside [...]

    def allow(self, node: ast.AST, source: str) -> None:
        if isinstance(node, _PLAIN):
            return
        text = segment(source, node)
        if isinstance(node, ast.Name):
            self.allow_name(node)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ClaimError(f"{text}: only these functions can be called: {', '.join(FUNCTIONS)}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise ClaimError(f"{text}: functions take plain values, no keywords or *")
            arity = FUNCTIONS[node.func.id][1]
            if len(node.args) != arity:
                raise ClaimError(f"{node.func.id} takes {arity} value(s), got {len(node.args)}")
        elif isinstance(node, ast.Constant) and (
            isinstance(node.value, (str, bytes, complex)) or node.value is None or node.value is Ellipsis
        ):
            raise ClaimError(f"{text}: only numbers, True and False can be written as values")
        elif type(node) in _OPERATOR_TEXT:
            raise ClaimError(
                f'the operator "{_OPERATOR_TEXT[type(node)]}" is not supported; '
                "use + - * /, comparisons, and, or, not"
            )
        elif isinstance(node, ast.Attribute):
            raise ClaimError(f"{text}: attribute access (.) is not allowed")
        elif isinstance(node, (ast.Tuple, ast.Slice)) and id(node) not in self.indices:
            raise ClaimError(f"{text}: commas and colons only go inside [...], as in h[0, 1] or prob[1:]")
        elif not isinstance(node, (ast.Call, ast.Name, ast.Constant, ast.Slice, ast.Tuple)):
            raise ClaimError(f"{text}: not allowed in a claim")

    def allow_name(self, node: ast.Name) -> None:
        if node.id in FUNCTIONS and id(node) not in self.callees:
            raise ClaimError(f"{node.id} is a function; write {node.id}(...)")
        if node.id not in self.shapes and node.id not in FUNCTIONS:
            close = difflib.get_close_matches(node.id, [*self.shapes, *FUNCTIONS], n=1)
            hint = f'; did you mean "{close[0]}"?' if close else f"; the names are {', '.join(self.shapes)}"
            raise ClaimError(f'unknown name "{node.id}"{hint}')


@dataclass(frozen=True)
class Outcome:
    holds: bool
    measured: tuple[tuple[str, str], ...]  # (expression, value) pairs worth showing

    @property
    def measured_text(self) -> str:
        return "; ".join(f"{expr} = {value}" for expr, value in self.measured)


def evaluate(tree: ast.Expression, source: str, values: Mapping[str, np.ndarray]) -> Outcome:
    """True or false for these values, with the measured numbers that decided it."""
    run = _Run(source.strip(), values)
    with np.errstate(all="ignore"):
        result = run.value(tree.body)
    if isinstance(result, np.ndarray) and result.ndim == 0:
        result = result[()]
    if isinstance(result, (np.ndarray,)):
        raise ClaimError(f"gives {result.size} values, not one true/false; wrap it in all(...) or any(...)")
    if not isinstance(result, (bool, np.bool_)):
        raise ClaimError("gives a number, not true/false; compare it, as in min(prob) >= 0.9")
    return Outcome(bool(result), tuple(run.measured.items()))


def number(tree: ast.Expression, source: str, values: Mapping[str, np.ndarray]) -> float:
    """The one number an expression gives for these values (a teacher note states it)."""
    with np.errstate(all="ignore"):
        result = np.asarray(_Run(source.strip(), values).value(tree.body))
    if result.ndim:
        raise ClaimError(f"gives {result.size} values, not one number; use min(...), max(...) or an index")
    if result.dtype == bool:
        raise ClaimError("gives true/false, not a number")
    return float(result)


class _Run:
    """One evaluation: walks the checked tree and keeps the values worth reporting."""

    def __init__(self, source: str, values: Mapping[str, np.ndarray]) -> None:
        self.source = source
        self.values = values
        self.measured: dict[str, str] = {}

    def note(self, node: ast.AST, value: object) -> None:
        if not isinstance(node, ast.Constant):
            self.measured[segment(self.source, node)] = describe(value)

    def value(self, node: ast.AST) -> object:
        try:
            return self._value(node)
        except ClaimError:
            raise
        except (ArithmeticError, IndexError, TypeError, ValueError) as exc:
            text = segment(self.source, node)
            raise ClaimError(f"{text}: {exc}") from None

    def _value(self, node: ast.AST) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.values[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                return np.logical_not(self.truth(node.operand, operand))
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self.value(node.left), self.value(node.right))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            want = isinstance(node.op, ast.Or)
            for part in node.values:  # short-circuits like Python: report what decided it
                if self.truth(part, self.value(part)) == want:
                    return np.bool_(want)
            return np.bool_(not want)
        if isinstance(node, ast.Call):
            function = FUNCTIONS[node.func.id][0]  # type: ignore[union-attr]
            args = [np.asarray(self.value(a)) for a in node.args]
            result = function(*args)
            if np.ndim(result) == 0:
                self.note(node, result)
                if np.asarray(result).dtype == bool:  # a bare test such as alternates(...): show why
                    for arg_node, arg in zip(node.args, args, strict=True):
                        self.note(arg_node, arg)
            return result
        if isinstance(node, ast.Subscript):
            return np.asarray(self.value(node.value))[self.index(node.slice)]
        raise ClaimError(f"{segment(self.source, node)}: not allowed in a claim")

    def compare(self, node: ast.Compare) -> object:
        left = self.value(node.left)
        self.note(node.left, left)
        result: object = np.bool_(True)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.value(right_node)
            self.note(right_node, right)
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result

    def truth(self, node: ast.AST, value: object) -> bool:
        array = np.asarray(value)
        if array.ndim:
            text = segment(self.source, node)
            raise ClaimError(f"{text}: gives {array.size} values; wrap it in all(...) or any(...)")
        return bool(array)

    def index(self, node: ast.AST) -> object:
        if isinstance(node, ast.Tuple):
            return tuple(self.index(n) for n in node.elts)
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if p is None else self.integer(p) for p in parts))
        return self.integer(node)

    def integer(self, node: ast.AST) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            text = segment(self.source, node)
            raise ClaimError(f"{text}: an index must be a whole number")
        return int(value)


def describe(value: object) -> str:
    """A measured value on one short line, numbers to four significant digits."""
    array = np.asarray(value)
    if array.ndim == 0:
        return str(bool(array)) if array.dtype == bool else f"{float(array):.4g}"
    shown = {"float_kind": lambda v: f"{v:.4g}", "int": str, "bool": str}
    text = np.array2string(array, separator=", ", threshold=24, max_line_width=10_000, formatter=shown)
    return " ".join(text.split())
