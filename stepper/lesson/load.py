"""Minimal loader, to be replaced by the strict validating one (lessons issue)."""

from __future__ import annotations

from pathlib import Path

import yaml

from stepper.lesson.errors import LessonError, Problem
from stepper.lesson.model import Lesson, Model, Training


def load_lesson(path: str | Path) -> Lesson:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LessonError([Problem(str(path), 1, 1, str(exc))]) from None
    vocab = tuple(str(s) for s in doc["vocab"])
    index = {s: i for i, s in enumerate(vocab)}
    m, tr = doc["model"], doc["training"]
    data = tuple(index[str(s)] for s in doc["data"]["pattern"])
    playback = tuple(index[str(s)] for s in doc["playback"]["sequence"])
    return Lesson(
        path=path,
        title=doc["title"],
        summary=doc.get("summary", ""),
        teacher_notes=doc.get("teacher_notes", ""),
        vocab=vocab,
        model=Model(m["cell"], m["hidden_size"], m["init_scale"], m["seed"]),
        data=data,
        training=Training(
            tr["optimizer"],
            tr["learning_rate"],
            tr["iterations"],
            tr["seq_length"],
            tr.get("clip"),
            tuple(sorted(tr["checkpoints"].items(), key=lambda kv: kv[1])),
        ),
        playback=playback,
        panels=tuple(doc.get("playback", {}).get("panels", ())),
        captions=(),
        claims=(),
    )
