"""Lesson bytes -> a small tree of YAML nodes that remember where they stand.

We build the tree ourselves from the parser's events instead of calling
`yaml.safe_load`, because a lesson must be impossible to get silently wrong:
PyYAML keeps the last of two duplicate keys, expands aliases (billion laughs),
honours tags and throws away line numbers. Here every node keeps its line and
column, duplicates and aliases and tags are refused, and the scalars stay the
text the teacher typed, so the validator decides what `0` or `1e-3` means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from stepper.lesson.errors import quote

#: libyaml when present (25x faster than the pure-Python parser on a lesson).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The pure-Python parser: it looks ahead at most one simple key (a line, 1024 characters), so our
#: own depth check speaks before any limit a parser may have of its own.
_PURE_LOADER = yaml.SafeLoader

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
SYNTAX_ERROR = "YAML syntax error"
_BRACKETS = re.compile(r"[\[\]{}]")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
#: Characters YAML refuses; found here first so the message carries line and column.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True, slots=True)
class Scalar:
    value: str  # the text as typed (plain) or after unescaping (quoted)
    plain: bool  # unquoted and not a block scalar
    mark: Mark

    @property
    def is_null(self) -> bool:
        return self.plain and self.value in _NULLS


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    mark: Mark


@dataclass(frozen=True, slots=True)
class Mapping:
    pairs: tuple[tuple[Scalar, Node], ...]  # keys are unique scalars, in file order
    mark: Mark


@dataclass(frozen=True, slots=True)
class Refused:
    """A node already reported as a problem (an alias or a tag); checks skip it quietly."""

    mark: Mark


Node = Scalar | Sequence | Mapping | Refused


@dataclass
class _Open:
    """A collection whose end event has not arrived yet."""

    kind: type[Sequence] | type[Mapping]
    mark: Mark
    refused: bool
    items: list[Node]
    keys: dict[str, Mark]


def _mark(event: yaml.Event) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)


def _position(text: str, offset: int) -> Mark:
    line = text.count("\n", 0, offset) + 1
    return Mark(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def decode(data: bytes) -> tuple[str | None, list[tuple[Mark, str]]]:
    """UTF-8 text of a lesson file, or the problems that stop us reading it."""
    if len(data) > MAX_BYTES:
        size = f"{len(data) / 1_000_000:.1f} MB"
        return None, [(Mark(1, 1), f"the file is {size}; a lesson may be at most 1 MB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].decode("utf-8", errors="replace")
        byte = data[exc.start]
        return None, [(_position(head, len(head)), f"not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8")]
    bad = [
        (_position(text, m.start()), f"control character U+{ord(m.group()):04X} is not allowed in YAML")
        for m in _UNPRINTABLE.finditer(text)
    ]
    return (None, bad[:5]) if bad else (text, [])


def compose(text: str) -> tuple[Node | None, list[tuple[Mark, str]]]:
    """The document's node tree (None if the file holds no document) and the problems found.

    Never raises: a YAML syntax error becomes one problem at its mark. libyaml scans a run of
    opening brackets ahead of the events it hands us and, from 0.2.5 on, refuses one deeper
    than its own limit in its own words; when it refuses a file that may nest deeper than ours,
    the pure-Python parser reads it again, so the teacher reads our message whichever refused.
    """
    root, problems = _compose(text, _LOADER)
    if _LOADER is not _PURE_LOADER and _failed(problems) and flow_depth(text) > MAX_DEPTH:
        root, problems = _compose(text, _PURE_LOADER)
    return root, problems


def flow_depth(text: str) -> int:
    """How deep brackets nest, counted without regard to quotes or comments: an over-estimate
    wherever a quoted string holds more openings than closings, which only costs a re-read."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(text):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def _failed(problems: list[tuple[Mark, str]]) -> bool:
    return any(message.startswith(SYNTAX_ERROR) for _, message in problems)


def _compose(text: str, loader: type) -> tuple[Node | None, list[tuple[Mark, str]]]:
    problems: list[tuple[Mark, str]] = []
    stack: list[_Open] = []
    root: Node | None = None
    documents = 0
    aliases: set[str] = set()

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        is_key = parent.kind is Mapping and len(parent.items) % 2 == 0
        if is_key and isinstance(node, Scalar):
            first = parent.keys.get(node.value)
            if first is not None:
                problems.append(
                    (node.mark, f"duplicate key {quote(node.value)} (first at line {first.line})")
                )
                node = Refused(node.mark)
            else:
                parent.keys[node.value] = node.mark
        elif is_key and not isinstance(node, Refused):
            problems.append((node.mark, "a key must be a plain name, not a list or a mapping"))
            node = Refused(node.mark)
        parent.items.append(node)

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problems.append((_mark(event), "only one YAML document per lesson file (remove the ---)"))
                    break
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in aliases:  # once per name: a bomb repeats each many times
                    aliases.add(event.anchor)
                    problems.append(
                        (_mark(event), f"aliases (*{event.anchor}) are not allowed; write the value out")
                    )
                attach(Refused(_mark(event)))
            elif isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                mark = _mark(event)
                refused = event.tag is not None
                if refused:
                    tag = event.tag.replace("tag:yaml.org,2002:", "!!")
                    problems.append((mark, f"tags such as {tag} are not allowed"))
                if isinstance(event, yaml.ScalarEvent):
                    node = Refused(mark) if refused else Scalar(event.value, event.style in (None, ""), mark)
                    attach(node)
                    continue
                if len(stack) >= MAX_DEPTH:
                    problems.append((mark, f"nested more than {MAX_DEPTH} levels deep"))
                    return None, problems
                kind = Sequence if isinstance(event, yaml.SequenceStartEvent) else Mapping
                stack.append(_Open(kind, mark, refused, [], {}))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                done = stack.pop()
                if done.refused:
                    attach(Refused(done.mark))
                elif done.kind is Sequence:
                    attach(Sequence(tuple(done.items), done.mark))
                else:
                    attach(Mapping(_pairs(done.items), done.mark))
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        mark = Mark(where.line + 1, where.column + 1) if where else Mark(1, 1)
        return None, [*problems, (mark, f"{SYNTAX_ERROR}: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:  # only a ReaderError, which decode() pre-empts
        return None, [*problems, (Mark(1, 1), f"YAML error: {exc}")]
    return root, problems


def _pairs(items: list[Node]) -> tuple[tuple[Scalar, Node], ...]:
    """Key/value pairs, leaving out keys already reported (duplicates, non-scalars)."""
    pairs = zip(items[0::2], items[1::2], strict=True)
    return tuple((k, v) for k, v in pairs if isinstance(k, Scalar))
