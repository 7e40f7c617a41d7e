"""Panels that look inside the network, each `build(frame, box, theme, measure)`.

The screen lays out whichever of these are open (ViewState.panels) in a strip
under the diagram; every panel reads the same cursor, so all follow each step.
"""

from __future__ import annotations

from collections.abc import Callable

from stepper.scene import Primitive
from stepper.theme import Theme
from stepper.views.frame import Box, Frame, Measure
from stepper.views.panels import contributions, gates, gradients, heatmap, history, responses, trajectory

PanelBuilder = Callable[[Frame, Box, Theme, Measure], list[Primitive]]

#: name -> builder; names are those of stepper.lesson.model.PANEL_NAMES.
PANELS: dict[str, PanelBuilder] = {
    "heatmap": heatmap.build,
    "gates": gates.build,
    "gradients": gradients.build,
    "contributions": contributions.build,
    "trajectory": trajectory.build,
    "responses": responses.build,
    "history": history.build,
}
