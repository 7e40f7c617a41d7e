"""The display list as JSON (--export-scene): one object per primitive, so what is on
the screen (which numbers, how large, what crosses what) can be measured without pixels.

Text boxes are the renderer's own: the bundled font's size of the string, placed by its
anchor, exactly as `render` blits it. Cells carry their role in the current op of the
diagram they are drawn in, and whether their block is marked condensed.
"""

from __future__ import annotations

import json
from typing import Any

from stepper.scene import Cell, Hotspot, Line, Raster, Rect, Scene, Text
from stepper.views.frame import Frame

#: Rect tags that mark an array's block as condensed (colour only; values on pointing).
CONDENSED = "condensed:"


def text_box(fonts, text: str, size: int, font: str, bold: bool, x: int, y: int, anchor: str) -> list[int]:
    """Where `render` puts a string: its image rectangle, placed by the anchor."""
    import pygame

    w, h = fonts.font(font, size, bold).size(text)
    rect = pygame.Rect(0, 0, w, h)
    setattr(rect, anchor, (x, y))
    return [rect.x, rect.y, rect.w, rect.h]


def _roles(frame: Frame | None) -> dict[str, str]:
    if frame is None:
        return {}
    step = frame.step
    roles = {name: "operand" for name, _ in step.inputs}
    roles[step.op] = "result"
    return roles


def scene_objects(scene: Scene, frame: Frame | None, fonts) -> list[dict[str, Any]]:
    """Every primitive of the scene, in drawing order."""
    out: list[dict[str, Any]] = []
    for layer in scene.layers:
        diagram = layer.name in ("diagram", "diagram-b")
        shown = frame if layer.name == "diagram" else frame.partner if frame and diagram else None
        roles = _roles(shown) if diagram else {}
        condensed = {
            item.tag[len(CONDENSED) :]
            for item in layer.items
            if isinstance(item, Rect) and item.tag.startswith(CONDENSED)
        }
        for item in layer.items:
            obj: dict[str, Any] = {
                "panel": layer.name,
                "text": None,
                "px": None,
                "tag": getattr(item, "tag", ""),
            }
            if isinstance(item, Cell):
                label = item.label or None
                obj |= {
                    "kind": "cell",
                    "rect": [item.x, item.y, item.w, item.h],
                    "text": label,
                    "px": item.label_size if label else None,
                    "value": item.value,
                    "name": item.name,
                    "index": list(item.index),
                    "role": roles.get(item.name) if diagram else None,
                    "condensed": item.name in condensed,
                }
                if label:
                    cx, cy = item.x + item.w // 2, item.y + item.h // 2
                    obj["text_rect"] = text_box(
                        fonts, label, item.label_size, "sans", False, cx, cy, "center"
                    )
            elif isinstance(item, Text):
                if not item.text:
                    continue
                obj |= {
                    "kind": "text",
                    "rect": text_box(
                        fonts, item.text, item.size, item.font, item.bold, item.x, item.y, item.anchor
                    ),
                    "text": item.text,
                    "px": item.size,
                }
            elif isinstance(item, Line):
                obj |= {
                    "kind": "line",
                    "points": [[item.x1, item.y1], [item.x2, item.y2]],
                    "width": item.width,
                    "arrow": item.arrow,
                }
            elif isinstance(item, Rect):
                obj |= {
                    "kind": "rect",
                    "rect": [item.x, item.y, item.w, item.h],
                    "filled": item.fill is not None,
                    "outline": item.width if item.outline is not None else 0,
                }
            elif isinstance(item, Raster):
                rows, cols = item.shape
                obj |= {
                    "kind": "raster",
                    "rect": [item.x, item.y, item.w, item.h],
                    "name": item.name,
                    "shape": [rows, cols],
                    "role": roles.get(item.name) if diagram else None,
                    "condensed": item.name in condensed,
                }
            elif isinstance(item, Hotspot):
                obj |= {"kind": "hotspot", "rect": [item.x, item.y, item.w, item.h], "tag": item.kind}
            out.append(obj)
    return out


def scene_document(scene: Scene, frame: Frame | None, fonts, place: dict[str, Any]) -> dict[str, Any]:
    return {
        "screen": {"width": scene.width, "height": scene.height},
        "place": place,
        "objects": scene_objects(scene, frame, fonts),
    }


def scene_json_text(scene: Scene, frame: Frame | None, fonts, place: dict[str, Any]) -> str:
    return json.dumps(scene_document(scene, frame, fonts, place), indent=None, separators=(",", ":"))
