"""`--save-lesson` of a lesson being shown: its own file with the played sequence changed, every
other byte (comments, order, quoting) as the teacher wrote it."""

from __future__ import annotations

import json

import yaml

from stepper.lesson.model import Lesson


def with_sequence(text: str, lesson: Lesson, sequence: tuple[int, ...]) -> str:
    """The lesson file `text` (already validated as `lesson`) playing `sequence`."""
    node = _playback_sequence(yaml.compose(text, Loader=yaml.SafeLoader))
    start, end = node.start_mark.index, node.end_mark.index
    symbols = [lesson.vocab[s] for s in sequence]
    if all(len(s) == 1 for s in lesson.vocab):
        value = json.dumps("".join(symbols), ensure_ascii=False)  # a text: one symbol a character
    else:
        value = "[" + ", ".join(json.dumps(s, ensure_ascii=False) for s in symbols) + "]"
    ending = "\n" if text[start:end].endswith("\n") else ""  # a block scalar ran to its line's end
    return text[:start] + value + ending + text[end:]


def _playback_sequence(root: yaml.Node) -> yaml.Node:
    """The value node of playback.sequence (a valid lesson always has one)."""
    for section in (root.value if isinstance(root, yaml.MappingNode) else ()):
        if section[0].value == "playback" and isinstance(section[1], yaml.MappingNode):
            for key, value in section[1].value:
                if key.value == "sequence":
                    return value
    raise ValueError("the lesson file has no playback.sequence")
