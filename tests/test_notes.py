"""Teacher notes (P): `code` spans in the code font, no backticks shown; notes longer than
the card scroll (keys and the mouse wheel) and say that more is above or below; every
word of the notes can be reached."""

from __future__ import annotations

import re

import pygame
import pytest
from window_support import LESSONS, THEME, measure

from stepper.app import App
from stepper.lesson import load_lesson
from stepper.scene import Rect, Text
from stepper.views.frame import Box
from stepper.views.overlays import build_notes

KEYS = {
    "p": (pygame.K_p, "p"),
    "down": (pygame.K_DOWN, ""),
    "up": (pygame.K_UP, ""),
    "page down": (pygame.K_PAGEDOWN, ""),
    "end": (pygame.K_END, ""),
    "home": (pygame.K_HOME, ""),
}


def words(text: str) -> list[str]:
    return text.replace("`", "").split()


def notes_texts(scene_items) -> list[Text]:
    return [i for i in scene_items if getattr(i, "tag", "") == "notes-text"]


def shown_words(items) -> list[str]:
    """The words on the card, in reading order."""
    texts = sorted(notes_texts(items), key=lambda t: (t.y, t.x))
    joined, last_y = [], None
    for t in texts:
        joined.append(("\n" if last_y is not None and t.y != last_y else "") + t.text)
        last_y = t.y
    return "".join(joined).split()


@pytest.mark.parametrize("name", ["alternating.yaml", "hello.yaml", "one-one-zero.yaml"])
def test_code_spans_are_in_the_code_font_and_no_backtick_is_shown(name):
    lesson = load_lesson(LESSONS / name)
    spans = re.findall(r"`([^`]+)`", lesson.teacher_notes)
    assert spans
    items = build_notes(Box(0, 0, 1920, 1080), THEME, measure, lesson.title, lesson.teacher_notes)
    texts = notes_texts(items)
    assert not any("`" in t.text for t in texts)
    mono = " ".join(t.text for t in texts if t.font == "mono")
    for span in spans:
        assert span in mono, span
    assert shown_words(items) == words(lesson.teacher_notes), "every word, in order"


def long_lesson(folder) -> str:
    notes = "\n".join(f"  - Line {k} of the notes, with `code_{k}` in it." for k in range(60))
    path = folder / "long-notes.yaml"
    text = (LESSONS / "alternating.yaml").read_text(encoding="utf-8")
    text = re.sub(r"teacher_notes: \|\n(?:  .*\n|\n)+", "teacher_notes: |\n" + notes + "\n", text, count=1)
    path.write_text(text, encoding="utf-8")
    assert "Line 59" in load_lesson(path).teacher_notes
    return path


def press(app: App, *names: str) -> None:
    for name in names:
        key, text = KEYS[name]
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=text, scancode=0))
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def wheel(app: App, y: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=y, flipped=False))
    for event in pygame.event.get():
        app.handle(event)
    app.render()


def tagged(app: App, tag: str) -> bool:
    return bool(app.scene.tagged(tag))


def first_line(app: App) -> str:
    return min(notes_texts(app.scene.items), key=lambda t: (t.y, t.x)).text


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)])
def test_long_notes_scroll_by_keys_and_wheel_and_say_so(tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    app = App(long_lesson(tmp_path), size=size)
    try:
        lesson_words = words(app.session.lesson.teacher_notes)
        press(app, "p")
        assert app.state.overlay == "notes"
        assert tagged(app, "notes-more-below") and not tagged(app, "notes-more-above")
        assert first_line(app).startswith("- Line 0")
        cursor = app.state.cursor
        press(app, "down")
        assert first_line(app).startswith("- Line 1") and tagged(app, "notes-more-above")
        assert app.state.cursor == cursor, "the keys scroll the notes, not the steps"
        press(app, "up")
        assert first_line(app).startswith("- Line 0")
        seen: list[str] = []
        for _ in range(40):  # page by page to the end: every word is reached
            seen += shown_words(app.scene.items)
            if not tagged(app, "notes-more-below"):
                break
            press(app, "page down")
        assert not tagged(app, "notes-more-below") and tagged(app, "notes-more-above")
        assert set(lesson_words) <= set(seen)
        press(app, "end")
        bottom = first_line(app)
        wheel(app, 1)  # up three lines
        assert first_line(app) != bottom and app.state.notes_scroll >= 0
        wheel(app, -1)
        assert first_line(app) == bottom, "the wheel stops at the end"
        press(app, "home")
        assert first_line(app).startswith("- Line 0")
        (card,) = [i for i in app.scene.items if isinstance(i, Rect) and i.tag == "card"]
        for t in notes_texts(app.scene.items):
            w = measure(t.text, t.size, t.font, t.bold)
            assert card.x <= t.x and t.x + w <= card.x + card.w and card.y <= t.y
            assert t.y + t.size <= card.y + card.h
    finally:
        pygame.display.quit()


def test_short_notes_have_no_scroll_marks():
    lesson = load_lesson(LESSONS / "hello.yaml")
    items = build_notes(Box(0, 0, 1920, 1080), THEME, measure, lesson.title, lesson.teacher_notes)
    assert not [i for i in items if getattr(i, "tag", "").startswith("notes-more")]
