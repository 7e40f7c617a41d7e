"""The help card on a projector: every key and its whole description, at 16 px or more,
inside the card, no two texts overlapping, at the classroom sizes."""

from __future__ import annotations

from dataclasses import replace

import pygame
import pytest
from test_window_sizes import headless, ink_box, metric_box, scene_at

from stepper.commands import BINDINGS
from stepper.scene import Text


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)])
def test_every_key_and_its_whole_description_shows(size):
    app = headless("alternating.yaml")
    scene, _ = scene_at(app, replace(app.state, overlay="help"), size, 1.0)
    (layer,) = [la for la in scene.layers if la.name == "overlay"]
    (card,) = [r for r in layer.items if getattr(r, "tag", "") == "card"]
    texts = [t for t in layer.items if isinstance(t, Text) and t.text]
    title = next(t for t in texts if t.tag == "overlay-title")
    assert title.text == "Keys", "nothing hidden"
    labels = [t.text for t in texts if t.tag == "help-key"]
    for b in BINDINGS:
        assert labels.count(b.label) >= 1, b.label
        parts = [t for t in texts if t.tag in (f"help:{b.command.name}", f"help-more:{b.command.name}")]
        assert " ".join(t.text for t in parts) == b.command.value, (size, b.command)
        assert all(t.size >= 16 for t in parts), (size, b.command)
        (key,) = [t for t in texts if t.tag == "help-key" and t.text == b.label and t.y == parts[0].y]
        assert key.size >= 16
    inside = pygame.Rect(card.x, card.y, card.w, card.h)
    for t in texts:
        assert inside.contains(metric_box(t)), (size, t.text)
    inks = [(t, ink_box(t)) for t in texts]
    for i, (a, ra) in enumerate(inks):
        for b, rb in inks[i + 1 :]:
            assert not ra.colliderect(rb), (size, a.text, b.text)
