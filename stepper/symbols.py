"""Symbols typed by hand, read against a vocabulary: pure, so views can mark what is wrong
where it was typed and the app can play what is right."""

from __future__ import annotations

from dataclasses import dataclass

MAX_SYMBOLS = 1001  # 1000 steps, as --sequence


@dataclass(frozen=True)
class Typed:
    """A typed sequence read against the vocabulary: the symbols, or where it went wrong."""

    symbols: tuple[int, ...] | None
    problem: str = ""
    marks: tuple[tuple[int, int], ...] = ()  # (start, end) of each unknown symbol in the text


def read_sequence(text: str, vocab: tuple[str, ...]) -> Typed:
    """Symbols written together when every symbol is one character (a comma is then a symbol
    only if the vocabulary has one), comma-separated otherwise."""
    together = all(len(s) == 1 for s in vocab) and ("," in vocab or "," not in text)
    parts: list[tuple[str, int, int]] = []
    if together:
        parts = [(ch, i, i + 1) for i, ch in enumerate(text)]
    else:
        at = 0
        for piece in text.split(","):
            stripped = piece.strip()
            lead = len(piece) - len(piece.lstrip())
            if stripped:
                parts.append((stripped, at + lead, at + lead + len(stripped)))
            at += len(piece) + 1
    index = {s: i for i, s in enumerate(vocab)}
    unknown = [(s, a, b) for s, a, b in parts if s not in index]
    if unknown:
        names = ", ".join(dict.fromkeys(repr(s) for s, _, _ in unknown))
        where = unknown[0][1] + 1
        problem = f"{names} not in the vocabulary ({' '.join(vocab)}); first at character {where}"
        return Typed(None, problem, tuple((a, b) for _, a, b in unknown))
    if len(parts) < 2:
        return Typed(None, "type at least two symbols: each step reads one and predicts the next")
    if len(parts) > MAX_SYMBOLS:
        return Typed(None, f"at most {MAX_SYMBOLS} symbols ({MAX_SYMBOLS - 1} steps)")
    return Typed(tuple(index[s] for s, _, _ in parts))


def written(sequence: tuple[int, ...], vocab: tuple[str, ...]) -> str:
    """A sequence as the entry shows it: together, or comma-separated."""
    together = all(len(s) == 1 for s in vocab)
    return ("" if together else ",").join(vocab[s] for s in sequence)


def visible(symbol: str, vocab: tuple[str, ...]) -> str:
    """A symbol as a row of symbols writes it: a space as ␣ (else its column looks empty),
    unless the vocabulary holds ␣ itself."""
    return "\u2423" if symbol == " " and "\u2423" not in vocab else symbol
