"""Pure scene builders, one module per panel: (frame, rectangle, theme) -> primitives."""
