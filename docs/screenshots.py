"""Regenerate every image in docs/img with the exact options each one uses.

    python docs/screenshots.py            (from a checkout; replaces the images)

Each image is `main.py LESSON --screenshot ...`, except big-numbers.png, which is the
window's frame with Z pressed (the big-numbers view has no command-line option): it is
drawn headless the way tests/test_big_numbers.py drives the app; the question and presenter
images press the window's own keys. live-training.png is `--keys` training live: fresh
weights (F6), F5, three frames, F5 again; off-screen a frame trains a fixed number of
iterations (20), not a time slice, so it is 60 iterations in on every machine.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

IMG = ROOT / "docs" / "img"
FHD, HD = "1920x1080", "1280x720"

#: image -> (lesson, options after --screenshot OUT)
SHOTS = {
    "forward.png": ("alternating", ["--size", FHD, "--checkpoint", "trained", "--step", "5"]),
    "backward.png": (
        "alternating",
        ["--size", FHD, "--checkpoint", "untrained", "--pass", "backward", "--step", "13"],
    ),
    "panels-gradients.png": (
        "vanishing-gradients",
        ["--size", FHD, "--pass", "backward", "--step", "73", "--panels", "heatmap,gradients,contributions"],
    ),
    "panels-gates.png": (
        "lstm-gates",
        ["--size", FHD, "--step", "121", "--panels", "gates,trajectory,history"],
    ),
    "panels-responses.png": (
        "one-one-zero",
        ["--size", FHD, "--step", "31", "--panels", "responses,trajectory,heatmap"],
    ),
    "side-by-side.png": ("one-one-zero", ["--size", FHD, "--step", "23", "--panels", "compare"]),
    "gru-forward-720p.png": ("gru-gates", ["--size", HD, "--step", "17", "--panels", "gates"]),
    "gru-backward-720p.png": (
        "gru-gates",
        ["--size", HD, "--pass", "backward", "--step", "4", "--panels", "gates"],
    ),
    "lstm-forward-720p.png": ("lstm-gates", ["--size", HD, "--step", "23", "--panels", "gates"]),
    "lstm-backward-720p.png": (
        "lstm-gates",
        ["--size", HD, "--pass", "backward", "--step", "4", "--panels", "gates"],
    ),
    "update-pass.png": ("hello", ["--size", HD, "--pass", "update", "--iteration", "37", "--step", "15"]),
    "sample-pass.png": (
        "hello",
        ["--size", HD, "--pass", "sample", "--step", "69", "--temperature", "1", "--seed", "3"],
    ),
    "edit-weight.png": ("hello", ["--size", HD, "--edit", "Whh[0,1]=-3", "--step", "30"]),
    "live-training.png": (
        "one-one-zero",
        ["--size", HD, "--sequence", "1101101", "--keys", "f6 f5 frames:3 f5 end"],
    ),
}
#: big-numbers.png: the GRU's h = (1 - z) * n + z * h_prev, trained, forward op 41, 1280x720
BIG = ("gru-gates", (1280, 720), "forward", 41)


def big_numbers(out: Path) -> None:
    from stepper.app import App, save_surface
    from stepper.navigation import at_step

    lesson, size, phase, step = BIG
    app = App(ROOT / "lessons" / f"{lesson}.yaml", size=size, headless=True)
    state = replace(app.state, checkpoint=app.session.checkpoint_names[-1], animate=False, progress=1.0)
    state = replace(state, cursor=at_step(app.trace_of(state), phase, step - 1), overlay="big")
    app.set_state(state)
    app.render()
    save_surface(app.surface, out, True)
    print(f"wrote {out}")


#: question.png and question-revealed.png: one-one-zero, trained, the question asked on the way
#: to a at t = 1 (the second 1), seven hands for "positive", then Enter (the window's own keys)
QUESTION = ("one-one-zero", (1280, 720), 12, ["1"] * 7)


def questions(asked: Path, revealed: Path) -> None:
    import pygame

    from stepper.app import App, save_surface

    lesson, size, step, hands = QUESTION
    app = App(ROOT / "lessons" / f"{lesson}.yaml", size=size, headless=True)
    app.set_state(replace(app.state, checkpoint="trained", animate=False, progress=1.0))
    keys = {"right": pygame.K_RIGHT, "return": pygame.K_RETURN, "1": pygame.K_1}
    for name in ["right"] * step + hands:
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=keys[name], mod=0, unicode=name[:1]))
    app.render()
    save_surface(app.surface, asked, True)
    app.handle(pygame.event.Event(pygame.KEYDOWN, key=keys["return"], mod=0, unicode="\r"))
    app.render()
    save_surface(app.surface, revealed, True)
    print(f"wrote {asked} and {revealed}")


def presenter(out: Path) -> None:
    """The projector (left) and the presenter window (right) at the same question, side by side;
    the keys go to the presenter window, as a teacher's laptop would send them."""
    import pygame

    from stepper.app import App, save_surface

    lesson, size, step, hands = QUESTION
    app = App(ROOT / "lessons" / f"{lesson}.yaml", size=size, presenter=True)
    app.set_state(replace(app.state, checkpoint="trained", animate=False, progress=1.0))
    window = app.presenter.window
    for key, text in [(pygame.K_RIGHT, "")] * step + [(pygame.K_1, "1")] * len(hands):
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=text, window=window))
    app.render()
    left, right = app.surface, app.presenter.surface
    width = left.get_width() + 20 + right.get_width()
    both = pygame.Surface((width, max(left.get_height(), right.get_height())))
    both.fill((255, 255, 255))
    both.blit(left, (0, 0))
    both.blit(right, (left.get_width() + 20, 0))
    save_surface(both, out, True)
    app.presenter.close()
    print(f"wrote {out}")


def main() -> int:
    from stepper.cli import main as cli

    for name, (lesson, options) in SHOTS.items():
        out = IMG / name
        if cli([str(ROOT / "lessons" / f"{lesson}.yaml"), "--screenshot", str(out), *options, "--overwrite"]):
            return 1
    big_numbers(IMG / "big-numbers.png")
    questions(IMG / "question.png", IMG / "question-revealed.png")
    presenter(IMG / "presenter.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
