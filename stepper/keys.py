"""`--keys`: input replayed into a headless app before an export, as the events a keyboard
and mouse would send, so it goes through the app's own event handling.

Tokens, separated by spaces (quote a token holding a space, as a shell does):
  right  b  ctrl+z  f5  'page down'   a key, named as the help table's keys are (`key_name`)
  right*5                             a token repeated
  text:hellllo  'text:a b'            typed text (TEXTINPUT, any characters)
  point:Whh[0,1]  click:Whh[0,1]      the pointer on a weight cell; a click on it
  wheel:2  wheel:-1                   the mouse wheel
  frames:30                           30 frames pass (1/60 s each: live training, playback)
"""

from __future__ import annotations

import os
import re
import shlex
import warnings
from dataclasses import dataclass

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from stepper.commands import KEYMAPS, Command
from stepper.scene import Cell, Raster

MAX_TOKENS = 10_000
MAX_REPEAT = 1000
MAX_FRAMES = 100_000
#: Keys that save a file of their own in the window: a run with --keys writes only its export.
WRITING = {
    Command.SAVE_PNG: "--screenshot",
    Command.SAVE_GIF: "--export-gif",
    Command.SAVE_WEIGHTS: "--export-weights",
}
FRAME_SECONDS = 1 / 60
_CELL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+(?:,\d+)?)\]$")
#: Keys a binding names with a character rather than pygame's name for the key.
_SPECIAL = {
    "+": (pygame.K_EQUALS, pygame.KMOD_LSHIFT, "+"),
    "?": (pygame.K_SLASH, pygame.KMOD_LSHIFT, "?"),
    "ctrl++": (pygame.K_EQUALS, pygame.KMOD_LCTRL, ""),
}


def key_name(event: pygame.event.Event) -> str:
    """The binding table's name for a key press: "right", "shift+left", "ctrl++", "?", "3"."""
    mod = getattr(event, "mod", 0)
    ctrl = bool(mod & pygame.KMOD_CTRL)
    shift = bool(mod & pygame.KMOD_SHIFT)
    key = event.key
    plus = key in (pygame.K_PLUS, pygame.K_KP_PLUS) or (key == pygame.K_EQUALS and (shift or ctrl))
    minus = key in (pygame.K_MINUS, pygame.K_KP_MINUS)
    if ctrl:
        if plus:
            return "ctrl++"
        if minus:
            return "ctrl+-"
        if key in (pygame.K_0, pygame.K_KP0):
            return "ctrl+0"
        return "ctrl+" + pygame.key.name(key)
    if plus:
        return "+"
    if minus:
        return "-"
    if key == pygame.K_SLASH and shift:
        return "?"
    if key == pygame.K_KP_ENTER:
        return "return"
    if pygame.K_KP1 <= key <= pygame.K_KP9:
        return str(key - pygame.K_KP1 + 1)
    text = getattr(event, "unicode", "")
    if text in ("?", "[", "]", "+", "-"):
        return text
    name = pygame.key.name(key)
    if shift and name in ("left", "right"):
        return f"shift+{name}"
    return name


class KeysError(ValueError):
    """A --keys token that names nothing: one line saying which and why."""


@dataclass(frozen=True)
class Token:
    kind: str  # "key" | "text" | "point" | "click" | "wheel" | "frames"
    value: str
    cell: tuple[str, tuple[int, ...]] | None = None
    number: int = 0


def key_event(name: str) -> tuple[int, int, str]:
    """(key code, modifiers, the character it types) for a binding table's key name."""
    if name in _SPECIAL:
        return _SPECIAL[name]
    mod = 0
    base = name
    for prefix, flag in (("ctrl+", pygame.KMOD_LCTRL), ("shift+", pygame.KMOD_LSHIFT)):
        if base.startswith(prefix) and len(base) > len(prefix):
            mod, base = mod | flag, base[len(prefix) :]
    try:
        with warnings.catch_warnings():  # names are looked up before any window opens
            warnings.simplefilter("ignore")
            code = pygame.key.key_code(base)
    except ValueError:
        raise KeysError(f"no key named {name!r}") from None
    typed = "" if mod & pygame.KMOD_CTRL else {"space": " "}.get(base, base if len(base) == 1 else "")
    if mod & pygame.KMOD_SHIFT and typed:
        typed = typed.upper()
    return code, mod, typed


def parse_keys(text: str) -> tuple[Token, ...]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise KeysError(f"cannot split into tokens ({exc})") from None
    known = {k for table in KEYMAPS.values() for k in table}
    tokens: list[Token] = []
    for word in words:
        repeat = 1
        if re.fullmatch(r".+\*\d+", word) and not word.startswith("text:"):
            word, count = word.rsplit("*", 1)
            repeat = int(count)
            if not 1 <= repeat <= MAX_REPEAT:
                raise KeysError(f"{word}*{count}: repeat 1 to {MAX_REPEAT} times")
        kind, _, rest = word.partition(":")
        if word.startswith("text:"):
            token = Token("text", word[5:])
        elif kind in ("point", "click") and rest:
            match = _CELL.match(rest)
            if match is None:
                raise KeysError(f"{word!r}: expected {kind}:NAME[i,j], such as {kind}:Whh[0,1]")
            index = tuple(int(i) for i in match.group(2).split(","))
            token = Token(kind, rest, (match.group(1), index))
        elif kind in ("wheel", "frames") and rest:
            try:
                number = int(rest)
            except ValueError:
                raise KeysError(f"{word!r}: expected a whole number after {kind}:") from None
            if kind == "frames" and not 0 <= number <= MAX_FRAMES:
                raise KeysError(f"{word!r}: 0 to {MAX_FRAMES:,} frames")
            token = Token(kind, rest, number=number)
        elif word in known:
            key_event(word)
            token = Token("key", word)
        else:
            what = "a key of the help table, nor text:, point:, click:, wheel:, frames:"
            raise KeysError(f"{word!r} is not {what}")
        tokens += [token] * repeat
        if len(tokens) > MAX_TOKENS:
            raise KeysError(f"more than {MAX_TOKENS:,} tokens")
    return tuple(tokens)


def replay(app, tokens: tuple[Token, ...]) -> None:
    """Post each token's events and let the app handle them, one token at a time."""
    for token in tokens:
        events: list[pygame.event.Event] = []
        if token.kind == "key":
            mode = app.state.mode if app.state is not None else "step"
            command = KEYMAPS[mode].get(token.value)
            if command in WRITING:  # in an entry the same key types a letter
                raise KeysError(f"{token.value!r} ({command.value}) writes a file: use {WRITING[command]}")
            code, mod, typed = key_event(token.value)
            events.append(pygame.event.Event(pygame.KEYDOWN, key=code, mod=mod, unicode=typed, scancode=0))
            if typed and typed.isprintable():
                events.append(pygame.event.Event(pygame.TEXTINPUT, text=typed))
        elif token.kind == "text":
            events += [pygame.event.Event(pygame.TEXTINPUT, text=ch) for ch in token.value]
        elif token.kind in ("point", "click"):
            app.render()
            pos = _cell_position(app.scene, token.cell)
            if pos is None:
                raise KeysError(f"{token.kind}:{token.value}: no such cell on the screen here")
            events.append(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
            if token.kind == "click":
                events.append(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
        elif token.kind == "wheel":
            events.append(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=token.number))
        for event in events:
            app.handle(event)
        if token.kind == "frames":
            for _ in range(token.number):
                app.tick(FRAME_SECONDS)
        app.render()


def _cell_position(scene, cell: tuple[str, tuple[int, ...]]) -> tuple[int, int] | None:
    """The middle of a weight cell on screen: a numbered cell, or its block in a raster."""
    name, index = cell
    for item in scene.items:
        if isinstance(item, Cell) and item.name == name and item.index == index:
            return item.x + item.w // 2, item.y + item.h // 2
        if isinstance(item, Raster) and item.name == name:
            rows, cols = item.colors.shape[:2]
            i, j = (index[0], index[1]) if len(index) == 2 else (index[0], 0)
            if i < rows and j < cols:
                return item.x + int((j + 0.5) * item.w / cols), item.y + int((i + 0.5) * item.h / rows)
    return None
