"""The network drawn as blocks of coloured, numbered cells, with the current op's
operands outlined and an arrow to its result.

Blocks sit on a hand-placed grid per cell type (inputs left, outputs right,
one row per gate); cell size is solved so the whole grid fits the panel. In the
backward pass each vector shows its value and its gradient side by side, and
each weight block shows its accumulated gradient (or the weights themselves
while the current op reads them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from weakref import WeakKeyDictionary

import numpy as np

from stepper.cells import CELLS
from stepper.cells.base import Slot
from stepper.listing import Listing
from stepper.scene import Cell, Line, Primitive, Raster, Rect, Text
from stepper.state import Hover
from stepper.theme import Theme, ink_on
from stepper.trace import BACKWARD, Trace
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit

#: The cells declare their diagrams (stepper/cells/); drawing them is this module's part.
LAYOUTS: dict[str, tuple[Slot, ...]] = {name: cell.slots for name, cell in CELLS.items()}
GRAD_OF: dict[str, dict[str, str]] = {name: dict(cell.grad_of) for name, cell in CELLS.items()}

BELOW_BARS = 58  # px at zoom 1: the target and loss lines under the softmax bars
BAR_WIDTH_CELLS = 3  # the softmax bars take this many cells' width
_scales: WeakKeyDictionary[Trace, dict[str, float]] = WeakKeyDictionary()


def value_scales(trace: Trace) -> dict[str, float]:
    """Largest |value| each name takes over the whole trace: colours stay comparable
    across steps, and a value's colour never changes while the user steps."""
    if trace in _scales:
        return _scales[trace]
    scales: dict[str, float] = {}
    weights = float(np.max(np.abs(trace.params.flat))) if trace.params.flat.size else 1.0
    for name in trace.params:
        scales[name] = weights
    for step in trace.steps[: trace.phase_range(BACKWARD).stop]:  # the sequence's own passes
        m = float(np.max(np.abs(step.output))) if step.output.size else 0.0
        if math.isfinite(m):
            scales[step.op] = max(scales.get(step.op, 0.0), m)
    for name in ("h_prev", "c_prev"):
        scales[name] = max(scales.get(name[0], 1.0), 1e-12)
    grads = [v for k, v in scales.items() if k.startswith("d") and k[1:] in trace.params]
    shared_grad = max(grads) if grads else 1.0
    for name in trace.params:
        scales["d" + name] = shared_grad  # one scale for every weight gradient
    for k, v in list(scales.items()):
        if not k.startswith("d") and k not in trace.params:
            scales[k] = max(v, 1.0)  # activations: at least the tanh range
        elif v <= 0:
            scales[k] = 1.0
    _scales[trace] = scales
    return scales


def grad_name(cell: str, name: str, trace: Trace) -> str | None:
    special = GRAD_OF.get(cell, {}).get(name)
    if special:
        return special
    candidate = "d" + name
    return candidate if candidate in _written_back(trace.backward_code) else None


def format_value(value: float, width_px: int, size_px: int, measure: Measure) -> str:
    """Two decimals when they fit the box, then shorter forms, else nothing (hover shows it)."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 0 < abs(value) < 0.005:  # trained gradients: 3e-4 says more than 0.00
        exponent = math.floor(math.log10(abs(value)))
        mantissa = round(value / 10**exponent)
        if abs(mantissa) == 10:
            mantissa, exponent = mantissa // 10, exponent + 1
        candidates = [f"{mantissa}e{exponent}"]
    else:
        full = f"{value:.2f}" if abs(value) < 99.995 else f"{value:.0f}"
        candidates = ["0.00" if full == "-0.00" else full]
    full = candidates[0]
    if 0.005 <= abs(value) < 0.995:
        candidates.append(full.replace("0.", ".", 1))
    elif 0.995 <= abs(value) < 99.95:
        candidates.append(f"{value:.1f}")
    for text in candidates:
        if measure(text, size_px, "sans", False) + 4 <= width_px:
            return text
    return ""


@dataclass(frozen=True)
class Placed:
    """One array drawn on screen: where, and the cell size it was drawn at."""

    name: str
    x: int
    y: int
    rows: int
    cols: int
    cw: int  # cell width
    ch: int  # cell height

    @property
    def w(self) -> int:
        return self.cols * self.cw

    @property
    def h(self) -> int:
        return self.rows * self.ch


def _shape(value: np.ndarray | None, fallback: tuple[int, ...]) -> tuple[int, int]:
    shape = value.shape if value is not None else fallback
    if len(shape) == 2:
        return shape[0], shape[1]
    return (shape[0], 1) if shape else (1, 1)


@lru_cache(maxsize=8)
def _written_back(listing: Listing) -> frozenset[str]:
    """Every name the backward pass computes: the gradients a slot can show."""
    return frozenset(line.op for line in listing.ops)


@lru_cache(maxsize=8)
def _read_back(listing: Listing) -> frozenset[str]:
    """Every name the backward pass reads: the forward values BPTT needs."""
    return frozenset(name for line in listing.ops for name in line.reads)


def slot_arrays(frame: Frame, names: tuple[str, ...]) -> tuple[str, ...]:
    """What a slot shows at the cursor. Going backward: the gradients, plus only those
    forward values that backpropagation reads; a slot with neither is left out."""
    if frame.cursor.phase != BACKWARD:
        return names
    trace = frame.trace
    if names == ("p",):
        return names
    if names[0] in trace.params:
        reads = {n for n, _ in frame.step.inputs}
        return names if reads & set(names) else tuple("d" + n for n in names)
    read_back = _read_back(trace.backward_code)
    g = grad_name(trace.cell, names[0], trace)
    return tuple(n for n in (names[0] if names[0] in read_back else None, g) if n)


def _labels(frame: Frame, names: tuple[str, ...], arrays: tuple[str, ...]) -> list[str]:
    trace = frame.trace
    if names == ("x",) and frame.step.t < trace.length:
        return [f"x  '{trace.vocab[trace.inputs[frame.step.t]]}'"]
    if frame.state.weight_changes and frame.baseline is not None and arrays[0] in trace.params:
        return [" | ".join("Δ" + a for a in arrays)]
    return [" | ".join(arrays)]


_CHANGES: WeakKeyDictionary[Trace, tuple[Trace, dict[str, np.ndarray]]] = WeakKeyDictionary()


def weight_changes(trace: Trace, baseline: Trace | None) -> dict[str, np.ndarray] | None:
    """Each weight minus its value at the first checkpoint: what training changed (W)."""
    if baseline is None:
        return None
    kept = _CHANGES.get(trace)
    if kept is not None and kept[0] is baseline:
        return kept[1]
    changes = {}
    for name in trace.params:
        delta = np.asarray(trace.params[name]) - np.asarray(baseline.params[name])
        delta.setflags(write=False)
        changes[name] = delta
    _CHANGES[trace] = (baseline, changes)
    return changes


@dataclass(frozen=True)
class Grid:
    """Where every slot goes: depends on the trace's shapes, which slots show, and the box."""

    layout: tuple[Slot, ...]
    col_x: tuple[int, ...]
    row_y: tuple[int, ...]
    col_cells: tuple[int, ...]
    col_fixed: tuple[int, ...]
    row_cells: tuple[int, ...]
    row_label: tuple[int, ...]
    cw: int
    ch: int
    vec_w: int  # width of a vector's cells (at least legible when matrices shrink)
    col_px: tuple[int, ...]  # each column's width in px, separators excluded
    below: int  # px kept free under the last row (the target and loss lines)


def _fits(grid: Grid, box: Box, theme: Theme) -> bool:
    """Whether the grid, at its (possibly smallest) cells, stays inside the box."""
    right = grid.col_x[-1] + grid.col_px[-1] + grid.col_fixed[-1]
    bottom = grid.row_y[-1] + grid.row_cells[-1] * grid.ch + grid.below
    return right <= box.right and bottom <= box.bottom


def _too_small(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """Rather than draw past its edge: say what is missing and how to get it."""
    size = theme.size("small")
    text = fit("Network: needs a larger window (or Ctrl - to zoom out)", box.w - 8, size, measure)
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.blank, theme.border, 1, tag="collapsed:diagram")
    ]
    if text and box.h >= size + 4:
        items.append(Text(box.x + 4, box.y + 2, text, size, theme.dim, tag="collapsed-title"))
    return items


def _slot_width(
    arrays: tuple[str, ...], names: tuple[str, ...], shapes: dict, cw: int, vec_w: int, theme: Theme
) -> int:
    if arrays == ("p",):
        return max(BAR_WIDTH_CELLS * cw, theme.px(150))
    dims = [_shape(None, shapes.get(a, shapes.get(names[0], (1,)))) for a in arrays]
    return sum(vec_w if cols == 1 else cols * cw for _, cols in dims)


_GRIDS: dict[tuple, Grid] = {}


def _grid(frame: Frame, slot_names: dict, box: Box, theme: Theme, measure: Measure) -> Grid:
    trace = frame.trace
    key = (trace, tuple(slot_names.items()), box, theme, measure)
    grid = _GRIDS.get(key)
    if grid is None:
        if len(_GRIDS) > 128:
            _GRIDS.clear()
        grid = _GRIDS[key] = _solve_grid(frame, slot_names, box, theme, measure)
    return grid


def _solve_grid(frame: Frame, slot_names: dict, box: Box, theme: Theme, measure: Measure) -> Grid:
    shapes = _reference_shapes(frame.trace)
    small = theme.size("small")
    line_h, gap, sep = theme.px(22), theme.px(16), theme.px(5)
    layout = tuple(slot for slot in LAYOUTS[frame.trace.cell] if slot_names[slot[0]])
    cols = 1 + max(c for _, c, _ in layout)
    rows = 1 + max(r for _, _, r in layout)
    col_cells, col_fixed, row_cells = [0] * cols, [0] * cols, [0] * rows
    for names, c, r in layout:
        w_cells, h_cells = _slot_cells(slot_names[names], names, shapes)
        col_cells[c] = max(col_cells[c], w_cells)
        col_fixed[c] = max(col_fixed[c], sep * (len(slot_names[names]) - 1))
        row_cells[r] = max(row_cells[r], h_cells)
    used_cols = sum(1 for c in col_cells if c)
    avail_w = box.w - gap * (used_cols + 1) - sum(col_fixed)
    # Cells are solved in width and height separately: numbers need width, not height.
    width_cw = int(min(avail_w / max(1, sum(col_cells)), theme.px(96)))
    # The target and loss lines under the softmax bars need room when the bars are in the last row.
    p_row = next((r for names, _, r in layout if names == ("p",)), -1)
    below = theme.px(BELOW_BARS) if p_row == rows - 1 else theme.px(12)
    row_label = [line_h] * rows  # one label line per row, two where a joined label is too wide
    for _ in range(2):  # the label lines depend on the final cell width, which depends on them
        avail_h = box.h - theme.px(44) - sum(row_label) - rows * gap - below
        ch = int(min(avail_h / max(1, sum(row_cells)), theme.px(72), width_cw))
        cw = max(4, min(width_cw, int(ch * 2.2)))
        ch = max(4, ch)
        needed = [line_h] * rows
        for names, c, r in layout:
            label = " | ".join(slot_names[names])
            if measure(label, small, "mono", False) > col_cells[c] * cw + col_fixed[c] + gap - theme.px(6):
                needed[r] = 2 * line_h
        if needed == row_label:
            break
        row_label = needed
    # Vectors and the softmax bars keep a usable width even when big matrices shrink the cells.
    for _ in range(3):  # minimum widths take room from the matrices: solve again with what is left
        vec_w = max(cw, theme.px(14))
        col_px = [0] * cols
        for names, c, _ in layout:
            col_px[c] = max(col_px[c], _slot_width(slot_names[names], names, shapes, cw, vec_w, theme))
            # A column is at least as wide as the longest single name above it ("h_prev").
            widest = max(measure(a, small, "mono", False) for a in slot_names[names])
            col_px[c] = max(col_px[c], widest - gap + theme.px(6))
        excess = sum(col_px) - avail_w
        if excess <= 0 or cw <= 4:
            break
        cw = max(4, cw - -(-excess // max(1, sum(col_cells))))
    col_x = [box.x + gap]
    for c in range(cols - 1):
        col_x.append(col_x[-1] + (col_px[c] + col_fixed[c] + gap if col_cells[c] else 0))
    row_y = [box.y + theme.px(44) + row_label[0]]
    for r in range(rows - 1):
        row_y.append(row_y[-1] + row_cells[r] * ch + gap + row_label[r + 1])
    return Grid(
        layout,
        tuple(col_x),
        tuple(row_y),
        tuple(col_cells),
        tuple(col_fixed),
        tuple(row_cells),
        tuple(row_label),
        cw,
        ch,
        vec_w,
        tuple(col_px),
        below,
    )


def build_diagram(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace = frame.trace
    env = frame.env
    shapes = _reference_shapes(trace)
    small = theme.size("small")
    line_h, gap, sep = theme.px(22), theme.px(16), theme.px(5)
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[trace.cell]}
    grid = _grid(frame, slot_names, box, theme, measure)
    layout, col_x, row_y = grid.layout, grid.col_x, grid.row_y
    col_fixed, row_cells, row_label = grid.col_fixed, grid.row_cells, grid.row_label
    cw, ch = grid.cw, grid.ch
    if not _fits(grid, box, theme):
        return _too_small(frame, box, theme, measure)

    title = frame.label or "Network"
    title += "  -  backward pass (gradients)" if frame.cursor.phase == BACKWARD else ""
    title = fit(title, box.w - 2 * gap, theme.size("title"), measure, bold=True)
    items: list[Primitive] = [
        Text(box.x + gap, box.y + theme.px(8), title, theme.size("title"), theme.text, bold=True)
    ]
    placed: dict[str, Placed] = {}
    scales = value_scales(trace)
    changes = weight_changes(trace, frame.baseline) if frame.state.weight_changes else None
    changes_scale = max((float(np.max(np.abs(v))) for v in (changes or {}).values()), default=0.0) or 1.0
    value_size = max(small, min(theme.px(20), int(ch * 0.5)))
    for names, c, r in layout:
        arrays = slot_names[names]
        x0 = col_x[c]
        y0 = row_y[r] + (row_cells[r] - _slot_cells(arrays, names, shapes)[1]) * ch // 2
        room = grid.col_px[c] + col_fixed[c] + gap - theme.px(6)
        label = _labels(frame, names, arrays)[0]
        fits = measure(label, small, "mono", False) <= room
        lines = [label] if fits or row_label[r] == line_h else [s.strip() for s in label.split("|")][:2]
        for k, text in enumerate(reversed(lines)):
            items.append(
                Text(
                    x0,
                    y0 - theme.px(6) - k * line_h,
                    fit(text, room, small, measure, "mono"),
                    small,
                    theme.dim,
                    font="mono",
                    anchor="bottomleft",
                    tag=f"label:{names[0]}",
                )
            )
        if arrays == ("p",):
            n = shapes["p"][0]
            bar_h = max(1, min(max(ch, theme.px(26)), (box.bottom - theme.px(BELOW_BARS) - y0) // n))
            bar_w = _slot_width(arrays, names, shapes, cw, grid.vec_w, theme)
            items += _bars(frame, Box(x0, y0, bar_w, n * bar_h), theme, bar_h)
            placed["p"] = Placed("p", x0, y0, n, 1, bar_w, bar_h)
            continue
        x = x0
        for a in arrays:
            value, scale = env.get(a), scales.get(a, 1.0)
            if changes is not None and a in changes:
                value, scale = changes[a], changes_scale
            n_rows, n_cols = _shape(value, shapes.get(a, shapes.get(names[0], (1,))))
            placed[a] = Placed(a, x, y0, n_rows, n_cols, grid.vec_w if n_cols == 1 else cw, ch)
            items += _cells(a, value, placed[a], scale, theme, value_size, measure)
            x += placed[a].w + sep
    if frame.cursor.phase != BACKWARD:  # the forward wiring; it would mislead going back
        items[1:1] = _connectors(frame, placed, theme)  # after the title, beneath the cells
    items += _current_op(frame, placed, theme)
    items += _edit_marks(frame, placed, theme)
    items += _hover_links(frame, placed, theme)
    # The colour legend shares the title's line: the height goes to the cells.
    legend_x = box.x + gap + measure(title, theme.size("title"), "sans", True) + 3 * gap
    legend = Box(legend_x, box.y + theme.px(4), box.right - gap - legend_x, theme.px(36))
    weights = scales.get(next(iter(trace.params)), 1.0)
    changed = frame.state.weight_changes and frame.baseline is not None
    items += _legend(legend, theme, weights, changed, measure)
    return items


def _edit_marks(frame: Frame, placed: dict[str, Placed], theme: Theme) -> list[Primitive]:
    """A ring on each weight the student changed, a thicker one on the selected weight."""
    state = frame.state
    cells = [(e.name, e.index, "edited") for e in state.edits]
    if state.selected is not None and state.mode in ("weight", "entry"):
        cells.append((*state.selected, "selected"))
    items: list[Primitive] = []
    for name, index, kind in cells:
        at = placed.get(name)
        if at is None:
            continue
        i, j = (index[0], index[1]) if len(index) == 2 else (index[0], 0)
        x, y = at.x + j * at.cw, at.y + i * at.ch
        width = theme.px(3) if kind == "selected" else theme.px(2)
        color = theme.result if kind == "selected" else theme.text
        pad = width // 2
        w, h = at.cw + 2 * pad, at.ch + 2 * pad
        items.append(Rect(x - pad, y - pad, w, h, None, color, width, tag=f"{kind}:{name}"))
    return items


def _slot_cells(arrays: tuple[str, ...], names: tuple[str, ...], shapes: dict) -> tuple[int, int]:
    """A slot's size in cells: widths of its arrays side by side, the tallest one's height."""
    if arrays == ("p",):
        return BAR_WIDTH_CELLS, shapes["p"][0]
    dims = [_shape(None, shapes.get(a, shapes.get(names[0], (1,)))) for a in arrays]
    return sum(d[1] for d in dims), max(d[0] for d in dims)


_SHAPES: WeakKeyDictionary[Trace, dict[str, tuple[int, ...]]] = WeakKeyDictionary()


def _reference_shapes(trace: Trace) -> dict[str, tuple[int, ...]]:
    """Shapes of every name, so not-yet-computed arrays can be drawn blank at full size."""
    if trace in _SHAPES:
        return _SHAPES[trace]
    shapes: dict[str, tuple[int, ...]] = {name: trace.params[name].shape for name in trace.params}
    for step in trace.steps[: len(trace.steps)]:
        shapes.setdefault(step.op, step.output.shape)
        if len(shapes) > 200:
            break
    h = (trace.hidden_size,)
    shapes.update({"h_prev": h, "c_prev": h, "p": (len(trace.vocab),)})
    _SHAPES[trace] = shapes
    return shapes


_CELLS: dict[tuple, tuple[np.ndarray | None, list[Primitive]]] = {}
CELLS_KEPT_LIMIT = 40_000  # primitives remembered at most: bounded memory at hidden 64
_cells_kept = 0


def _cells(
    name: str, value: np.ndarray | None, at: Placed, scale: float, theme: Theme, size: int, measure: Measure
) -> list[Primitive]:
    """Recorded arrays never change, so an array drawn once at one place is drawn from memory."""
    key = (name, id(value), at, scale, theme, size)
    kept = _CELLS.get(key)
    if kept is not None and kept[0] is value:
        return kept[1]
    items = _draw_cells(name, value, at, scale, theme, size, measure)
    global _cells_kept
    if _cells_kept + len(items) > CELLS_KEPT_LIMIT:
        _CELLS.clear()
        _cells_kept = 0
    _CELLS[key] = (value, items)
    _cells_kept += len(items)
    return items


def forget() -> None:
    """Drop every memo (a new lesson: the old traces may go)."""
    global _cells_kept
    _CELLS.clear()
    _GRIDS.clear()
    _cells_kept = 0


RASTER_BELOW = 12  # px: smaller cells are drawn as one image, values on hover


def _draw_cells(
    name: str, value: np.ndarray | None, at: Placed, scale: float, theme: Theme, size: int, measure: Measure
) -> list[Primitive]:
    if min(at.cw, at.ch) < RASTER_BELOW:
        outline = Rect(at.x, at.y, at.w, at.h, None, theme.border, 1, tag=f"array:{name}")
        if value is None:
            return [Rect(at.x, at.y, at.w, at.h, theme.blank, None, tag="blank"), outline]
        colors = theme.diverging_array(value.reshape(at.rows, at.cols), scale)
        colors.setflags(write=False)
        key = (id(value), scale, theme)
        return [Raster(at.x, at.y, at.w, at.h, name, colors, key, value), outline]
    items: list[Primitive] = []
    grid = None if value is None else value.reshape(at.rows, at.cols)
    for i in range(at.rows):
        for j in range(at.cols):
            x, y = at.x + j * at.cw, at.y + i * at.ch
            index = (i, j) if at.cols > 1 else (i,)
            if grid is None:
                items.append(
                    Cell(
                        x,
                        y,
                        at.cw,
                        at.ch,
                        theme.blank,
                        "",
                        size,
                        theme.dim,
                        name,
                        index,
                        None,
                        tag="blank",
                    )
                )
                continue
            v = float(grid[i, j])
            fill = theme.diverging(v, scale)
            text = format_value(v, at.cw, size, measure)
            items.append(Cell(x, y, at.cw, at.ch, fill, text, size, ink_on(fill), name, index, v))
    items.append(Rect(at.x, at.y, at.w, at.h, None, theme.border, 1, tag=f"array:{name}"))
    return items


def _bars(frame: Frame, box: Box, theme: Theme, cell: int) -> list[Primitive]:
    """Softmax as labelled bars with percentages; the target's bar is marked."""
    trace, env = frame.trace, frame.env
    p = env.get("p")
    target = trace.targets[frame.step.t] if trace.length else -1
    items: list[Primitive] = []
    size = max(theme.size("small"), min(theme.px(20), int(cell * 0.4)))
    label_w = theme.px(30)
    roomy = cell >= size + 4  # else only the target's row is labelled, the rest are bars
    bar_h = max(1, cell - (4 if roomy else 1))
    for k, symbol in enumerate(trace.vocab):
        y = box.y + k * cell
        bar_x, bar_w = box.x + label_w, box.w - label_w
        labelled = roomy or k == target
        items.append(
            Text(
                box.x,
                y + cell // 2,
                symbol if labelled else "",
                size,
                theme.text,
                font="mono",
                anchor="midleft",
                bold=k == target,
            )
        )
        items.append(Rect(bar_x, y + 1, bar_w, bar_h, theme.blank, None, tag="bar-bg"))
        if p is not None:
            share = float(p[k]) if math.isfinite(float(p[k])) else 0.0
            fill = theme.good if k == target else theme.faint
            items.append(Rect(bar_x, y + 1, max(1, round(bar_w * share)), bar_h, fill, None, tag=f"bar:{k}"))
            items.append(
                Text(
                    bar_x + theme.px(6),
                    y + cell // 2,
                    f"{100 * share:.1f}%" if roomy else "",
                    size,
                    theme.text,
                    anchor="midleft",
                    tag=f"pct:{k}",
                )
            )
        if k == target:
            items.append(
                Rect(bar_x, y + 1, bar_w, bar_h, None, theme.good, theme.px(3 if roomy else 1), tag="target")
            )
    loss = env.get("loss_t")
    below = box.y + len(trace.vocab) * cell + theme.px(8)
    target_text = f"target '{trace.vocab[target]}'" if target >= 0 else ""
    if target >= 0 and not roomy and p is not None:  # thin rows: the target's share said here
        target_text += f": {100 * float(p[target]):.1f}%"
    items.append(Text(box.x, below, target_text, theme.size("small"), theme.text, tag="target-label"))
    if loss is not None:
        items.append(
            Text(
                box.x,
                below + theme.px(24),
                f"loss {float(loss):.3f}",
                theme.size("small"),
                theme.text,
                tag="loss",
            )
        )
    return items


def _center(p: Placed, side: str) -> tuple[int, int]:
    x = p.x if side == "left" else p.x + p.w
    return x, p.y + p.h // 2


def _connectors(frame: Frame, placed: dict[str, Placed], theme: Theme) -> list[Primitive]:
    """Faint data-flow lines for every forward op: the network's wiring."""
    items: list[Primitive] = []
    for line in frame.trace.forward_code.ops:
        if line.op not in placed:
            continue
        for name in line.reads:
            if name in placed and name != line.op and placed[name].x < placed[line.op].x:
                x1, y1 = _center(placed[name], "right")
                x2, y2 = _center(placed[line.op], "left")
                items.append(Line(x1, y1, x2, y2, theme.blank, theme.px(2), tag="wire"))
    return items


def _current_op(frame: Frame, placed: dict[str, Placed], theme: Theme) -> list[Primitive]:
    step = frame.step
    items: list[Primitive] = []
    target = placed.get(step.op)
    pad = theme.px(3)
    for name, _ in step.inputs:
        at = placed.get(name)
        if at is None:
            continue
        items.append(_ring(at, pad, theme.operand, theme.px(3), f"operand:{name}"))
        if target is not None and name != step.op:
            path = _elbow(at, target, placed, theme, f"arrow:{name}")
            items += path
            if frame.state.progress < 1.0:
                items.append(_traveller(path, frame.state.progress, at.ch, theme))
    if target is not None:
        items.append(_ring(target, pad, theme.result, theme.px(4), f"result:{step.op}"))
    return items


def _ring(at: Placed, pad: int, color: tuple[int, int, int], width: int, tag: str) -> Rect:
    """An outline `pad` px around an array: operand, result, or the array a code token names."""
    return Rect(at.x - pad, at.y - pad, at.w + 2 * pad, at.h + 2 * pad, None, color, width, tag=tag)


def ease_out(t: float) -> float:
    return 1.0 - (1.0 - max(0.0, min(1.0, t))) ** 3


def _traveller(path: list[Line], progress: float, cell: int, theme: Theme) -> Rect:
    """A token riding the arrow from operand to result while the transition plays."""
    lengths = [abs(s.x2 - s.x1) + abs(s.y2 - s.y1) for s in path]
    distance = ease_out(progress) * sum(lengths)
    for segment, length in zip(path, lengths, strict=True):
        if distance <= length or segment is path[-1]:
            f = 0.0 if length == 0 else min(1.0, distance / length)
            x = round(segment.x1 + (segment.x2 - segment.x1) * f)
            y = round(segment.y1 + (segment.y2 - segment.y1) * f)
            break
        distance -= length
    size = max(theme.px(10), cell // 3)
    return Rect(
        x - size // 2,
        y - size // 2,
        size,
        size,
        theme.result,
        theme.operand,
        1,
        radius=size // 4,
        tag="traveller",
    )


def _elbow(a: Placed, b: Placed, placed: dict[str, Placed], theme: Theme, tag: str) -> list[Line]:
    """An arrow from a to b that runs under the blocks between them, never across numbers."""
    width, color = theme.px(3), theme.result
    ax, bx = a.x + a.w // 2, b.x + b.w // 2
    if abs(ax - bx) < theme.px(4):  # stacked: straight down or up
        (x1, y1), (x2, y2) = ((ax, a.y + a.h), (bx, b.y)) if a.y < b.y else ((ax, a.y), (bx, b.y + b.h))
        return [Line(x1, y1, x2, y2, color, width, arrow=True, tag=tag)]
    left, right = min(a.x, b.x), max(a.x + a.w, b.x + b.w)
    top, bottom = min(a.y, b.y), max(a.y + a.h, b.y + b.h)
    lane = bottom
    for p in placed.values():
        if p.x < right and p.x + p.w > left and p.y < bottom and p.y + p.h > top:
            lane = max(lane, p.y + p.h)
    lane += theme.px(14)
    return [
        Line(ax, a.y + a.h, ax, lane, color, width, tag=tag),
        Line(ax, lane, bx, lane, color, width, tag=tag),
        Line(bx, lane, bx, b.y + b.h + theme.px(4), color, width, arrow=True, tag=tag),
    ]


def _hover_links(frame: Frame, placed: dict[str, Placed], theme: Theme) -> list[Primitive]:
    """Pointing at a weight W[i, j] lights what it connects: input j to output i."""
    hover: Hover | None = frame.state.hover
    if hover is None:
        return []
    items: list[Primitive] = []
    at = placed.get(hover.name)
    if hover.kind == "token" and at is not None:
        pad = theme.px(5)
        return [_ring(at, pad, theme.positive, theme.px(4), f"hover:{hover.name}")]
    if hover.kind != "cell" or at is None or len(hover.index) != 2:
        return items
    i, j = hover.index
    for line in frame.trace.forward_code.ops:
        if hover.name not in line.reads or line.op not in placed:
            continue
        vec = next(
            (
                n
                for n in line.reads
                if n in placed and n != hover.name and placed[n].cols == 1 and placed[n].rows == at.cols
            ),
            None,
        )
        out = placed[line.op]
        wx, wy = at.x + j * at.cw + at.cw // 2, at.y + i * at.ch + at.ch // 2
        if vec is not None:
            v = placed[vec]
            items.append(
                Line(
                    v.x + v.w,
                    v.y + j * v.ch + v.ch // 2,
                    wx,
                    wy,
                    theme.positive,
                    theme.px(3),
                    tag="hover-link",
                )
            )
        if i < out.rows:
            items.append(
                Line(
                    wx,
                    wy,
                    out.x,
                    out.y + i * out.ch + out.ch // 2,
                    theme.positive,
                    theme.px(3),
                    arrow=True,
                    tag="hover-link",
                )
            )
    return items


@lru_cache(maxsize=64)
def _legend(box: Box, theme: Theme, weights: float, changed: bool, measure: Measure) -> tuple[Primitive, ...]:
    """-s [blue ... white ... orange] +s for the weights, then what the other colours mean."""
    size = theme.size("small")
    label = "Δ weights" if changed else "weights"
    low, high = f"{label} -{weights:.2f}", f"+{weights:.2f}"
    ends = measure(low, size, "sans", False) + measure(high, size, "sans", False) + theme.px(16)
    steps = 11
    w = min(theme.px(22), (box.w - ends) // steps)
    if w < theme.px(6):
        return ()  # no room beside the title: the hover box still gives every value
    mid = box.y + box.h // 2
    items: list[Primitive] = [Text(box.x, mid, low, size, theme.dim, anchor="midleft", tag="legend-low")]
    x = box.x + measure(low, size, "sans", False) + theme.px(8)
    for k in range(steps):
        fill = theme.diverging(-1 + 2 * k / (steps - 1), 1.0)
        items.append(Rect(x + k * w, box.y + theme.px(8), w, box.h - theme.px(16), fill, None, tag="legend"))
    items.append(Rect(x, box.y + theme.px(8), steps * w, box.h - theme.px(16), None, theme.border, 1))
    x += steps * w + theme.px(8)
    items.append(Text(x, mid, high, size, theme.dim, anchor="midleft", tag="legend-high"))
    x += measure(high, size, "sans", False) + theme.px(16)
    note = fit(
        "values: at their largest over the sequence; grey: not computed yet", box.right - x, size, measure
    )
    if note:
        items.append(Text(x, mid, note, size, theme.dim, anchor="midleft", tag="legend-text"))
    return tuple(items)
