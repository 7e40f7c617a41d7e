"""The network drawn as blocks of coloured, numbered cells, with the current op's
operands outlined and an arrow to its result.

Projector first: the current op's operands and result (focus) always show every
number, large; the rest of the network (context) is numbered too when there is room,
else condensed to colour only, marked so, its numbers a pointer away. Blocks sit on a
hand-placed grid per cell type (inputs left, outputs right, one row per gate). In the
backward pass each vector shows its value and its gradient side by side, and
each weight block shows its accumulated gradient (or the weights themselves
while the current op reads them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from weakref import WeakKeyDictionary

import numpy as np

from stepper.cells import CELLS
from stepper.cells.base import Slot
from stepper.lazy import op_tops
from stepper.listing import Listing
from stepper.scene import Cell, Line, Primitive, Raster, Rect, Text
from stepper.state import Hover
from stepper.theme import Theme, ink_on
from stepper.trace import BACKWARD, Trace
from stepper.views.bignumbers import Layout, columns, draw_layout, grid_index, lay_out, lay_out_again
from stepper.views.code import Operand, equation
from stepper.views.frame import Box, Frame, Measure
from stepper.views.numbers import block_exponent, factor_text, number_text, top_magnitude, widest_text
from stepper.views.text import fit

#: The cells declare their diagrams (stepper/cells/); drawing them is this module's part.
LAYOUTS: dict[str, tuple[Slot, ...]] = {name: cell.slots for name, cell in CELLS.items()}
GRAD_OF: dict[str, dict[str, str]] = {name: dict(cell.grad_of) for name, cell in CELLS.items()}

BELOW_BARS = 58  # px at zoom 1: the target and loss lines under the softmax bars
_scales: WeakKeyDictionary[Trace, Scales] = WeakKeyDictionary()


def value_scales(trace: Trace) -> Scales:
    """Largest |value| each name takes over the whole trace: colours stay comparable
    across steps, and a value's colour never changes while the user steps."""
    if trace not in _scales:
        _scales[trace] = Scales(trace)
    return _scales[trace]


class Scales(Mapping[str, float]):
    """value_scales of one trace, each name's worked out when first read: a frame reads a
    few dozen names, and the weight gradients of a long trace are most of its values."""

    def __init__(self, trace: Trace) -> None:
        self._params = trace.params
        flat = trace.params.flat
        self._weights = float(np.max(np.abs(flat))) if flat.size else 1.0
        self._outputs = op_tops(trace.steps, trace.phase_range(BACKWARD).stop)  # the sequence's own passes
        self._raw: dict[str, float | None] = {}
        self._done: dict[str, float] = {}

    def _raw_top(self, name: str) -> float | None:
        """The largest finite |value| of a weight or an op; None when it has none."""
        if name not in self._raw:
            top = self._outputs.get(name)
            if name in self._params:
                top = self._weights if top is None else max(self._weights, top)
            self._raw[name] = top
        return self._raw[name]

    def largest(self, name: str) -> float | None:
        """The largest finite |value| a name takes over the trace, without the colour
        scale's floor (h_prev and c_prev as h and c): what its numbers' factor follows."""
        return self._raw_top(name[0] if name in ("h_prev", "c_prev") else name)

    def _names(self) -> dict[str, None]:
        found = dict.fromkeys(n for n in (*self._params, *self._outputs) if self._raw_top(n) is not None)
        return found | dict.fromkeys(("h_prev", "c_prev", *("d" + n for n in self._params)))

    def __getitem__(self, name: str) -> float:
        if name in self._done:
            return self._done[name]
        if name in ("h_prev", "c_prev"):
            top = self._raw_top(name[0])
            value = max(top if top is not None else 1.0, 1e-12)
        elif name.startswith("d") and name[1:] in self._params:  # one scale for every weight gradient
            grads = [g for n in self._params if (g := self._raw_top("d" + n)) is not None]
            value = max(grads) if grads else 1.0
        else:
            top = self._raw_top(name)
            if top is None:
                raise KeyError(name)
            value = top
        if not name.startswith("d") and name not in self._params:
            value = max(value, 1.0)  # activations: at least the tanh range
        elif value <= 0:
            value = 1.0
        self._done[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def grad_name(cell: str, name: str, trace: Trace) -> str | None:
    special = GRAD_OF.get(cell, {}).get(name)
    if special:
        return special
    candidate = "d" + name
    return candidate if candidate in _written_back(trace.backward_code) else None


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


@dataclass(frozen=True)
class Look:
    """How a block is drawn: numbered cells at a font size, or condensed (colour only)."""

    size: int  # px of its numbers; 0: condensed
    cell: int = 0  # side of a condensed cell, px (0 with size 0: left out of its block)
    across: bool = False  # x drawn as a row, as `outer(da, x)` is written (a wide, short box)


CONDENSED_LEAST = 6  # px: a condensed cell's least side, to see its colour and point at it
LEFT_OUT = Look(0, 0)  # an array the op does not touch, left out of its block (the note says so)


@dataclass(frozen=True)
class Plan:
    """Where every slot goes and how it is drawn: depends on the trace's shapes, which
    slots show, which are the current op's (focus), and the box."""

    layout: tuple[Slot, ...]
    looks: dict[tuple[str, ...], Look]
    array_looks: dict[str, Look]  # a focus block's other array (h beside dh) as the context
    label_size: dict[tuple[str, ...], int]
    label_lines: dict[tuple[str, ...], tuple[str, ...]]
    geometry: dict[str, tuple[int, int, int, int]]  # array -> rows, cols, cell w, cell h
    slot_size: dict[tuple[str, ...], tuple[int, int]]
    col_x: tuple[int, ...]
    row_y: tuple[int, ...]
    row_h: tuple[int, ...]
    height: int  # px from the box's top to below the last row
    partial: bool  # some of the network is left out (the window is too small for it)

    @property
    def condensed(self) -> bool:
        return any(not look.size for look in self.array_looks.values())


BAR_PX = 150  # px at zoom 1: the softmax bars' width
CELL_HEIGHT = 1.2  # a numbered cell: its line of text (about 1.17 x its size) and CELL_PAD px of air
CELL_PAD = 4
SEP = 8  # px at zoom 1 between the arrays of one block (a ring fits between them)
LABEL_LIFT = 8  # px at zoom 1 between a block and its label (a ring fits between them)
LABEL_WIDENS = 120  # px at zoom 1: how wide a column may grow for its label before it wraps
FOCUS_PX = 24  # px at zoom 1: the current op's numbers, at least
SMALL_WINDOW = 1280  # below this window width the current op's numbers may go down to 18 px


def number_floor(width: int) -> int:
    """The smallest px the current op's numbers may take in a window this wide."""
    return 24 if width >= SMALL_WINDOW else 18


def focus_names(frame: Frame) -> frozenset[str]:
    step = frame.step
    return frozenset({step.op, *(name for name, _ in step.inputs)})


def _scale_of(frame: Frame, name: str) -> float:
    if frame.state.weight_changes and frame.baseline is not None and name in frame.trace.params:
        changes = weight_changes(frame.trace, frame.baseline) or {}
        return max((float(np.max(np.abs(v))) for v in changes.values()), default=0.0) or 1.0
    return value_scales(frame.trace).get(name, 1.0)


def _number_scale(frame: Frame, name: str) -> float:
    """The largest |number| a block shows: a gradient's at this op (it grows as the pass
    accumulates, so its factor follows it and its digits stay readable), else over the trace.
    An activation's colours span at least the tanh range, but its numbers follow its own
    values: an untrained h of 0.004 reads 4.46 ×1e-3, never 0.00."""
    value = frame.env.get(name) if name.startswith("d") else None
    if value is not None and value.size:
        finite = np.abs(value[np.isfinite(value)])
        top = float(finite.max()) if finite.size else 0.0
        if top > 0:
            return top
    scale = _scale_of(frame, name)
    if name in frame.trace.params or name.startswith("d") or frame.state.weight_changes:
        return scale
    return value_scales(frame.trace).largest(name) or scale


def _exponent(frame: Frame, name: str) -> int:
    return block_exponent(_number_scale(frame, name))


def shown_exponent(frame: Frame, operand: Operand) -> int:
    """The power of ten an operand's numbers are shown divided by, in the diagram's worked
    equation and in big numbers (Z) alike. A gradient's follows the numbers drawn (`dby`
    before `dby = dby + dy` can be far smaller than after); x and target are never scaled."""
    if operand.name in ("x", "target"):
        return 0
    top = top_magnitude(operand.value) if operand.name.startswith("d") else 0.0
    return block_exponent(top) if top > 0 else _exponent(frame, operand.name)


def _numbers_key(frame: Frame, slot_names: dict) -> tuple:
    """What the layout's widths and labels depend on in the numbers: each block's factor
    and widest number."""
    arrays = {a for names in slot_names.values() for a in names}
    blocks = tuple(
        (a, _exponent(frame, a), widest_text(_number_scale(frame, a), _exponent(frame, a)))
        for a in sorted(arrays)
    )
    return blocks + tuple(_samples(frame).items())


_PLANS: dict[tuple, Plan | Focus | None] = {}
PLANS_KEPT = 4096  # layouts remembered: every op of both passes of a long lesson, a few sizes


def _layout_key(frame: Frame, slot_names: dict, theme: Theme, measure: Measure) -> tuple:
    """What a layout depends on, and nothing else: the network's shapes, the place (pass,
    current op), which blocks show, the widths of the texts that place things (the x label,
    the title's width, the colour key) and each block's factor and widest number. Never the values
    themselves: an edit that keeps these lays out exactly as before, from memory."""
    trace, size = frame.trace, theme.size("small")
    low, high = _key_texts(frame, theme)
    keys = tuple(measure(text, size, "sans", False) for text in (low, low.split(" ")[-1], high))
    changes = frame.state.weight_changes and frame.baseline is not None
    shapes = (trace.cell, trace.hidden_size, tuple(trace.vocab))
    place = (frame.cursor.phase, frame.step.op, focus_names(frame), _labels(frame, ("x",), ("x",))[0])
    title = measure(_title(frame), theme.size("title"), "sans", True)  # its width, not its words:
    # a title that counts iterations while training live keeps its width (digits are equally wide)
    return (shapes, place, title, keys, changes, tuple(slot_names.items()))


def _plan(
    frame: Frame, slot_names: dict, box: Box, theme: Theme, measure: Measure, floor: int
) -> Plan | Focus | None:
    key = (*_layout_key(frame, slot_names, theme, measure), box, theme, measure, floor)
    key += _numbers_key(frame, slot_names)
    if key not in _PLANS:
        if len(_PLANS) > PLANS_KEPT:
            _PLANS.clear()
        _PLANS[key] = _solve_plan(frame, slot_names, box, theme, measure, floor)
    return _PLANS[key]


ROOM_CELL = 2  # px: a box that holds the network with its context this small has its room


def fitted(frame: Frame, box: Box, theme: Theme, measure: Measure, floor: int) -> bool:
    """Whether the diagram in this box shows the current op's numbers at full size with room
    for the whole network (where its context would be thinner than CONDENSED_LEAST, that
    part is left out under the note, not drawn as slivers): when it does not, the panels,
    then the words, give way."""
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    plan = _plan(frame, slot_names, box, theme, measure, floor)
    if not isinstance(plan, Plan):
        return False
    top = max(floor, theme.px(FOCUS_PX))
    focus = focus_names(frame)
    if not all(look.size >= top for name, look in plan.array_looks.items() if name in focus):
        return False
    if not plan.partial:
        return True
    layout = tuple(slot for slot in LAYOUTS[frame.trace.cell] if slot_names[slot[0]])
    room = Look(0, ROOM_CELL)
    looks = {s[0]: Look(top) if focus & set(slot_names[s[0]]) else room for s in layout}
    return _arrange(frame, layout, slot_names, looks, box, theme, measure, False, room) is not None


def focus_size(frame: Frame, box: Box, theme: Theme, measure: Measure, floor: int) -> int:
    """Px of the current op's numbers in the diagram this box would draw (0: some of them
    not numbered, or no diagram)."""
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    plan = _plan(frame, slot_names, box, theme, measure, floor)
    if isinstance(plan, Focus):
        return plan.equation.style.px if plan.equation.whole else 0
    if plan is None:
        return 0
    focus = focus_names(frame)
    sizes = [look.size for name, look in plan.array_looks.items() if name in focus]
    return min(sizes, default=0)


def spare_height(frame: Frame, box: Box, theme: Theme, measure: Measure, floor: int) -> int:
    """Px at the bottom of the diagram's box that its layout leaves empty."""
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    plan = _plan(frame, slot_names, box, theme, measure, floor)
    return max(0, box.h - plan.height) if plan is not None else 0


def needed_height(frame: Frame, width: int, theme: Theme, measure: Measure, floor: int) -> int:
    """The height a diagram this wide needs for the current op's numbers as large as the width
    allows, with the rest condensed, else only its part of the network, else the op alone,
    else the op as a worked equation (the network left out)."""
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    focus = focus_names(frame)
    key = ("needed", *_layout_key(frame, slot_names, theme, measure), width, theme, measure, floor)
    key += _numbers_key(frame, slot_names)
    if key not in _PLANS:
        layout = tuple(slot for slot in LAYOUTS[frame.trace.cell] if slot_names[slot[0]])
        core = tuple(s for s in layout if focus & set(slot_names[s[0]]))
        columns = [c for _, c, _ in core]
        near = tuple(s for s in layout if columns and min(columns) - 1 <= s[1] <= max(columns) + 1)
        top = max(floor, theme.px(FOCUS_PX))
        tall = Box(0, 0, width, 1 << 20)
        plan = None
        for size in [*range(top, floor - 1, -2), 0]:  # as large as the width allows
            if not size and plan is None:  # no width numbers the network: the op as an equation
                plan = _focus_plan(frame, layout, slot_names, tall, theme, measure, floor, False)
            for slots in (layout, near, _one_row(core, layout)):
                touched = {n for n, _, _ in core} if size else set()  # size 0: all condensed
                looks = {s[0]: Look(size) if s[0] in touched else Look(0, theme.px(10)) for s in slots}
                if plan is None and slots:
                    partial = slots != layout
                    plan = _arrange(
                        frame, slots, slot_names, looks, tall, theme, measure, partial, Look(0, theme.px(10))
                    )
        _PLANS[key] = plan
    plan = _PLANS[key]
    return plan.height if plan is not None else 0


def numbered_height(frame: Frame, width: int, theme: Theme, measure: Measure, floor: int) -> int:
    """The least height a diagram this wide needs to number the current op at `floor` px or
    more: its network's layout, or the op as a worked equation where that is shorter."""
    need = needed_height(frame, width, theme, measure, floor)
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    key = ("numbered", *_layout_key(frame, slot_names, theme, measure), width, theme, measure, floor)
    key += _numbers_key(frame, slot_names)
    if key not in _PLANS:
        layout = tuple(slot for slot in LAYOUTS[frame.trace.cell] if slot_names[slot[0]])
        tall = Box(0, 0, width, 1 << 20)
        _PLANS[key] = _focus_plan(frame, layout, slot_names, tall, theme, measure, floor, False)
    worked = _PLANS[key]
    return min(need, worked.height) if worked is not None and need else need


def _solve_plan(
    frame: Frame, slot_names: dict, box: Box, theme: Theme, measure: Measure, floor: int
) -> Plan | Focus | None:
    """The first layout that fits, in order of preference: the current op's numbers large
    and the rest numbered; then the rest condensed (colour only); then the current op's
    numbers smaller, down to `floor`; then the current op alone; then the op as a worked
    equation at `floor` or more (the rest condensed under it, or left out); then, only
    where even that cannot fit, smaller numbers; then all condensed."""
    layout = tuple(slot for slot in LAYOUTS[frame.trace.cell] if slot_names[slot[0]])
    focus = focus_names(frame)
    core = frozenset(s[0] for s in layout if focus & set(slot_names[s[0]]))
    group = core
    if frame.trace.cell != "rnn":  # the gate group being computed: its whole row
        result_row = next((r for names, _, r in layout if frame.step.op in slot_names[names]), None)
        group = core | {names for names, c, r in layout if r == result_row and 0 < c < 6}
    small = theme.size("small")
    top = max(floor, theme.px(FOCUS_PX))
    sizes = sorted({s for s in range(top, floor - 1, -2)} | {floor}, reverse=True)
    condensed = [Look(0, c) for c in sorted({theme.px(14), theme.px(10), CONDENSED_LEAST}, reverse=True)]
    beside = (Look(0, CONDENSED_LEAST), LEFT_OUT)  # a focus block's other array: small, else left out
    columns = [c for names, c, _ in layout if names in core]
    near = {s[0] for s in layout if columns and min(columns) - 1 <= s[1] <= max(columns) + 1}
    everything = {s[0] for s in layout}
    tries: list[tuple[frozenset, Look, Look, set]] = []
    for big in (theme.px(32), theme.px(28)):
        tries += [(group, Look(big), Look(theme.px(20)), everything) for _ in (1,) if big > top]
    tries += [(group, Look(top), Look(s), everything) for s in (top, theme.px(20), small) if s <= top]
    mixed_at = len(tries)  # then the context numbered where it fits, condensed where not
    for focus_set in dict.fromkeys((group, core)):
        tries += [(focus_set, Look(top), look, everything) for look in condensed]
    tries += [(core, Look(s), look, everything) for s in sizes[1:] for look in condensed[1:]]
    tries += [(core, Look(s), look, near) for s in sizes for look in condensed[1:]]
    tries += [(core, Look(s), look, set(core)) for s in sizes for look in beside]
    if ("x",) in core:  # x as a row, as `outer(da, x)` is written: the op in a wide, short box
        tries += [(core, Look(s, across=True), look, set(core)) for s in sizes for look in beside]
    focus_at = len(tries)  # then the op as a worked equation, the network condensed under it
    below = range(floor - 2, min(12, floor) - 1, -2)  # last resort: smaller numbers, never none
    tries += [(core, Look(s), look, set(core)) for s in below for look in beside]
    worked_below = len(tries)  # then the op as an equation with smaller numbers: still all of them
    for scope in (everything, near, set(core)):
        tries += [(frozenset(), LEFT_OUT, look, scope) for look in condensed]
    for k, (focus_set, focus_look, context, scope) in enumerate(tries):
        if k in (focus_at, worked_below):
            least = floor if k == focus_at else min(12, floor)
            worked = _focus_plan(frame, layout, slot_names, box, theme, measure, least, True)
            if worked is not None:
                return worked
        if k == mixed_at:
            for some in dict.fromkeys((group, core)):
                plan = _partly_numbered(frame, layout, slot_names, some, Look(top), box, theme, measure)
                if plan is not None:
                    return plan
        slots = _one_row(tuple(s for s in layout if s[0] in scope), layout)
        if not slots:
            continue
        looks = {s[0]: focus_look if s[0] in focus_set else context for s in slots}
        partial = len(slots) < len(layout)
        plan = _arrange(frame, slots, slot_names, looks, box, theme, measure, partial, context)
        if plan is not None:
            return plan
    return None


CONTEXT_PX = 16  # px at zoom 1: context blocks are numbered at this size where they fit


def _partly_numbered(
    frame: Frame,
    layout: tuple[Slot, ...],
    slot_names: dict,
    focus_set: frozenset,
    focus_look: Look,
    box: Box,
    theme: Theme,
    measure: Measure,
) -> Plan | None:
    """The focus large and the context numbered at CONTEXT_PX, condensing only as many
    context blocks as the box needs, the ones farthest from the current op first (the
    fewest condensed that fit, found by bisection: fewer condensed never takes less room)."""
    numbered, condensed = Look(theme.px(CONTEXT_PX)), Look(0, theme.px(14))  # cells, not a raster
    places = [(c, r) for names, c, r in layout if names in focus_set]
    if not places:
        return None

    def distance(slot: Slot) -> tuple[int, int]:
        return min((abs(slot[1] - c), abs(slot[2] - r)) for c, r in places)

    order = sorted((s for s in layout if s[0] not in focus_set), key=distance, reverse=True)

    def arranged(k: int) -> Plan | None:
        gone = {s[0] for s in order[:k]}
        looks = {
            s[0]: focus_look if s[0] in focus_set else condensed if s[0] in gone else numbered for s in layout
        }
        return _arrange(frame, layout, slot_names, looks, box, theme, measure, False, numbered)

    lo, hi = 1, len(order) - 1  # 0 (none condensed) was tried; all condensed comes next
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        plan = arranged(mid)
        if plan is None:
            lo = mid + 1
        else:
            best, hi = plan, mid - 1
    return best


def _one_row(slots: tuple[Slot, ...], layout: tuple[Slot, ...]) -> tuple[Slot, ...]:
    """The current op alone reads left to right: its blocks on one row when no two share a
    column (operands, then the result, as the equation has them)."""
    columns = [c for _, c, _ in slots]
    if len(slots) == len(layout) or len(set(columns)) < len(columns):
        return slots
    return tuple((names, c, 0) for names, c, _ in slots)


def _label_text(
    frame: Frame, names: tuple[str, ...], arrays: tuple[str, ...], numbered: set[str] | None = None
) -> str:
    """The block's names, each numbered one with its scale factor when its numbers are scaled."""
    label = _labels(frame, names, arrays)[0]
    if names == ("x",) or arrays == ("p",):
        return label
    parts = [part.strip() for part in label.split("|")]
    factors = [
        factor_text(_exponent(frame, a)) if numbered is None or a in numbered else ""
        for a in arrays[: len(parts)]
    ]
    if len(parts) > 1 and len(set(factors)) == 1 and factors[0]:  # "Why | by ×1e-2"
        return f"{' | '.join(parts)} {factors[0]}"
    return " | ".join(f"{part} {factor}".strip() for part, factor in zip(parts, factors, strict=False))


def _arrange(
    frame: Frame,
    slots: tuple[Slot, ...],
    slot_names: dict,
    looks: dict[tuple[str, ...], Look],
    box: Box,
    theme: Theme,
    measure: Measure,
    partial: bool = False,
    context: Look | None = None,
    header: int | None = None,
    large_names: bool = True,
) -> Plan | None:
    """Place the slots, each drawn as `looks` says; in a focus block, the arrays the op
    does not touch (h beside dh) are drawn as the `context`; an array the `context` leaves
    out is not drawn. With `header`, the rows start that far down the box (no title of their
    own). Large names that widen their block give way first where the box is too narrow."""
    shapes = _reference_shapes(frame.trace)
    focus = focus_names(frame)
    array_looks: dict[str, Look] = {}
    numbered = any(look.size for look in looks.values())
    gap, sep, row_gap = theme.px(16 if numbered else 8), theme.px(SEP), theme.px(16)
    geometry: dict[str, tuple[int, int, int, int]] = {}
    slot_size: dict[tuple[str, ...], tuple[int, int]] = {}
    label_size: dict[tuple[str, ...], int] = {}
    label_lines: dict[tuple[str, ...], tuple[str, ...]] = {}
    widened = False  # a large name made its column wider than its numbers
    cols = 1 + max(c for _, c, _ in LAYOUTS[frame.trace.cell])
    rows = 1 + max(r for _, _, r in LAYOUTS[frame.trace.cell])
    col_w, row_h, label_h = [0] * cols, [0] * rows, [0] * rows
    label_w = [0] * cols  # the widest name over each column
    for names, c, r in slots:
        arrays, look = slot_names[names], looks[names]
        if arrays == ("p",):
            n = shapes["p"][0]
            bar = (
                max(theme.px(32), round(look.size * CELL_HEIGHT) + CELL_PAD)
                if look.size
                else max(4, look.cell)
            )
            symbol = max(frame.trace.vocab, key=len)
            under = measure(f"target '{symbol}': 100.0%", theme.size("small"), "sans", False)
            w, h = max(theme.px(BAR_PX if look.size else 110), under), n * bar + theme.px(BELOW_BARS)
            geometry["p"] = (n, 1, w, bar)
            array_looks["p"] = look
        else:
            w = h = 0
            touched = focus & set(arrays)
            for a in arrays:
                n_rows, n_cols = _shape(None, shapes.get(a, shapes.get(names[0], (1,))))
                own = context if context is not None and touched and a not in touched else look
                if own == LEFT_OUT:
                    partial = True
                    continue
                if own.across and a == "x":
                    n_rows, n_cols = 1, n_rows
                array_looks[a] = own
                if own.size:
                    sample = "8" if a == "x" else widest_text(_number_scale(frame, a), _exponent(frame, a))
                    cw = measure(sample, own.size, "sans", False) + max(6, own.size // 3)
                    ch = round(own.size * CELL_HEIGHT) + CELL_PAD
                else:
                    cw = ch = own.cell
                geometry[a] = (n_rows, n_cols, cw, ch)
                w += n_cols * cw + (sep if w else 0)
                h = max(h, n_rows * ch)
        slot_size[names] = (w, h)
        numbered = {a for a in arrays if a in array_looks and array_looks[a].size}
        text = _label_text(frame, names, tuple(a for a in arrays if a in array_looks), numbered)
        parts = tuple(p.strip() for p in text.split("|"))
        # one line, else a line per array (each with its own scale factor)
        options = [(text,), parts]
        room = w + gap - theme.px(6)
        big = look.size and look.size >= theme.px(FOCUS_PX)
        small = theme.size("small")
        tries = [(options[0], theme.size("text"))] if big and large_names else []  # on one line
        # a numbered block's column may widen this far for a line less; a condensed one wraps
        wide = max(room, theme.px(LABEL_WIDENS)) if look.size else room
        for lines, size in [*tries, *((lines, small) for lines in options)]:
            need = max(measure(line, size, "mono", False) for line in lines)
            if need <= wide:
                break
        label_size[names] = size
        label_lines[names] = lines
        widened = widened or (size > small and need - gap + theme.px(6) > w)
        col_w[c] = max(col_w[c], w, need - gap + theme.px(6))
        label_w[c] = max(label_w[c], need)
        row_h[r] = max(row_h[r], h)
        label_h[r] = max(label_h[r], len(lines) * round(size * 1.2) + theme.px(LABEL_LIFT + 1))
    if header is None:
        condensed = any(not v.size for v in array_looks.values())
        header = _header(frame, box, theme, measure, condensed, partial)[0]
    col_x, x = [0] * cols, box.x + gap
    for c in range(cols):
        col_x[c] = x
        x += col_w[c] + gap if col_w[c] else 0
    row_y, y = [0] * rows, box.y + header
    for r in range(rows):
        y += label_h[r]
        row_y[r] = y
        y += row_h[r] + row_gap if row_h[r] else 0
    height = y - row_gap + theme.px(8) - box.y
    # a margin as at the bottom, past the numbers and the names
    ends = [col_x[c] + max(col_w[c] + theme.px(8), label_w[c]) for c in range(cols) if col_w[c]]
    right = max(ends, default=x)
    too_wide = right > box.right and widened
    too_tall = box.y + height > box.bottom and any(s > theme.size("small") for s in label_size.values())
    if large_names and (too_wide or too_tall):
        return _arrange(frame, slots, slot_names, looks, box, theme, measure, partial, context, header, False)
    if right > box.right or box.y + height > box.bottom:
        return None
    return Plan(
        slots,
        looks,
        array_looks,
        label_size,
        label_lines,
        geometry,
        slot_size,
        tuple(col_x),
        tuple(row_y),
        tuple(row_h),
        height,
        partial,
    )


def _key_texts(frame: Frame, theme: Theme) -> tuple[str, str]:
    """The colour key's two ends: what the colours of the weight blocks stand for."""
    trace = frame.trace
    first = next(iter(trace.params))
    changed = frame.state.weight_changes and frame.baseline is not None
    backward = frame.cursor.phase == BACKWARD
    name = ("d" + first) if backward else first
    scale = _scale_of(frame, name)
    exponent = block_exponent(scale)
    label = "Δ weights" if changed else "weight gradients" if backward else "weights"
    top = number_text(scale, exponent)
    factor = f" {factor_text(exponent)}" if exponent else ""
    return f"{label} -{top}", f"+{top}{factor}"


NOTES = {  # (part of the network left out, blocks condensed) -> what to say, longest first
    (True, False): (
        "showing part of the network: a larger window (or Ctrl -) shows the rest",
        "part of the network",
    ),
    (False, True): (
        "small blocks: colours only - point at a cell to read its number",
        "small blocks: point at a cell for its number",
    ),
    (True, True): (
        "part of the network; small blocks: point at a cell for its number",
        "part shown; small blocks: point at a cell",
    ),
}


def _title(frame: Frame) -> str:
    title = frame.label or "Network"
    return title + ("  -  backward pass (gradients)" if frame.cursor.phase == BACKWARD else "")


def _header(
    frame: Frame, box: Box, theme: Theme, measure: Measure, condensed: bool, partial: bool = False
) -> tuple[int, list[Primitive]]:
    """The title, then the colour key beside it or on its own line, then what is condensed
    or left out and how to see it. Nothing is cut: what does not fit moves down."""
    gap, line = theme.px(16), theme.px(34)
    size, title_size = theme.size("small"), theme.size("title")
    title = fit(_title(frame), box.w - 2 * gap, title_size, measure, bold=True)
    items: list[Primitive] = [
        Text(box.x + gap, box.y + theme.px(5), title, title_size, theme.text, bold=True)
    ]
    low, high = _key_texts(frame, theme)
    short = low.split(" ")[-1]  # "-1.22" without "weights": only when the full key cannot fit

    def key_w(low: str) -> int:
        return measure(low, size, "sans", False) + measure(high, size, "sans", False) + theme.px(16 + 11 * 14)

    x, y = box.x + gap + measure(title, title_size, "sans", True) + 2 * gap, box.y
    if x + key_w(low) > box.right - gap:
        x, y = box.x + gap, y + line
        low = low if x + key_w(low) <= box.right - gap else short
    end = x
    if x + key_w(low) <= box.right - gap:
        legend = _legend(Box(x, y, box.right - gap - x, line), theme, low, high, measure)
        items += legend
        end = max(t.x + measure(t.text, t.size, t.font, t.bold) for t in legend if isinstance(t, Text))
    bottom = y + line
    for choices in [NOTES[partial, condensed]] if partial or condensed else []:
        for note in choices:
            width = measure(note, size, "sans", False)
            if end + 2 * gap + width <= box.right - gap:
                mid = y + line // 2
                items.append(Text(end + 2 * gap, mid, note, size, theme.dim, anchor="midleft", tag="note"))
                end += 2 * gap + width
                break
            if width <= box.w - 2 * gap:
                items.append(Text(box.x + gap, bottom, note, size, theme.dim, tag="note"))
                y, end = bottom - (line - round(size * 1.25)) // 2, box.x + gap + width
                bottom += round(size * 1.25) + theme.px(2)
                break
    return bottom - box.y + theme.px(2), items


def _blocks(
    frame: Frame, plan: Plan, slot_names: dict, theme: Theme, hidden: frozenset[str]
) -> tuple[list[Text], list[Primitive], dict[str, Placed]]:
    """The plan's labels and blocks, and where each array went. A `hidden` array (the
    current op's, shown as a worked equation above) is only its outline, in its role's colour."""
    trace, env, sep = frame.trace, frame.env, theme.px(SEP)
    labels: list[Text] = []
    placed: dict[str, Placed] = {}
    blocks: list[Primitive] = []
    for names, c, r in plan.layout:
        arrays, look = slot_names[names], plan.looks[names]
        h = plan.slot_size[names][1]
        x0, y0 = plan.col_x[c], plan.row_y[r] + (plan.row_h[r] - h) // 2
        size = plan.label_size[names]
        line_h = round(size * 1.2)
        for k, text in enumerate(reversed(plan.label_lines[names])):
            labels.append(
                Text(
                    x0,
                    y0 - theme.px(LABEL_LIFT) - k * line_h,
                    text,
                    size,
                    theme.text if look.size else theme.dim,
                    font="mono",
                    anchor="bottomleft",
                    tag=f"label:{names[0]}",
                )
            )
        if arrays == ("p",):
            n, _, bar_w, bar_h = plan.geometry["p"]
            blocks += _bars(frame, Box(x0, y0, bar_w, n * bar_h), theme, bar_h)
            placed["p"] = Placed("p", x0, y0, n, 1, bar_w, bar_h)
            continue
        x = x0
        for a in (a for a in arrays if a in plan.geometry):  # none left out
            n_rows, n_cols, cw, ch = plan.geometry[a]
            at = Placed(a, x, y0, n_rows, n_cols, cw, ch)
            x += at.w + sep
            if a in hidden:
                color = theme.result if a == frame.step.op else theme.operand
                outline = Rect(at.x, at.y, at.w, at.h, theme.blank, color, theme.px(2), tag=f"focus-at:{a}")
                blocks.append(outline)
                continue
            value, scale = env.get(a), _scale_of(frame, a)
            if frame.state.weight_changes and frame.baseline is not None and a in trace.params:
                value = (weight_changes(trace, frame.baseline) or {}).get(a, value)
            placed[a] = at
            own = plan.array_looks[a]
            blocks += _cells(a, value, at, scale, theme, own.size, _exponent(frame, a))
            if not own.size:
                blocks.append(Rect(at.x, at.y, at.w, at.h, None, theme.dim, 1, tag=f"condensed:{a}"))
    return labels, blocks, placed


@dataclass(frozen=True)
class Focus:
    """Where the network's own layout cannot number the current op at the floor: the op as
    a worked equation at the top of the box (the big-numbers layout, its numbers in the
    diagram's cells), the rest of the network condensed under it, else left out."""

    equation: Layout  # its sizes (the values are the frame's, laid out again when drawn)
    area: Box
    context: Plan | None
    height: int  # px from the box's top to below what it draws


def _samples(frame: Frame) -> dict[str, str]:
    """For each array of the current op, a text as wide as its widest number (the old value of
    `dW += ...` included): the width of its cells in the worked equation."""
    step = frame.step
    samples: dict[str, str] = {}
    for name, value in (*step.inputs, (step.op, step.output)):
        finite = np.abs(value[np.isfinite(value)]) if np.size(value) else np.zeros(1)
        top = float(finite.max()) if finite.size else 0.0
        if name in ("x", "target"):  # one-hot, an index: whole numbers by construction
            text = "8" * len(str(int(top)))
        else:
            exponent = _exponent(frame, name)
            text = widest_text(max(top, _number_scale(frame, name)), exponent)
        samples[name] = max(samples.get(name, ""), text, key=len)
    return samples


class _CellGrid:
    """The current op's arrays drawn as the diagram draws numbered cells (colour, number,
    name and index, so pointing at one works), for the worked equation's layout."""

    uprights = (True, False)  # a vector as a column, as the diagram draws it; else as a row

    def __init__(self, frame: Frame) -> None:
        self.frame, self.samples = frame, _samples(frame)

    def _geometry(self, operand: Operand, style) -> tuple[int, int]:
        px = style.px
        cw = style.measure(self.samples[operand.name], px, "sans", False) + max(6, px // 3)
        return cw, round(px * 1.2) + 2  # rows as close as the text allows (a pixel over and under)

    def shape(self, operand: Operand, style) -> tuple[int, int]:
        shape = np.shape(operand.value)
        if len(shape) == 1 and style.upright:
            return shape[0], 1
        return (shape[0] if len(shape) > 1 else 1), columns(operand.value)

    def size(self, operand: Operand, cols: range | None, style) -> tuple[int, int]:
        cw, ch = self._geometry(operand, style)
        rows, n = self.shape(operand, style)
        return (n if cols is None else len(cols)) * cw, rows * ch

    def factor(self, operand: Operand) -> str:
        return factor_text(shown_exponent(self.frame, operand))

    def draw(
        self, operand: Operand, cols: range | None, x: int, top: int, style, theme: Theme, role: str
    ) -> list[Primitive]:
        name, value = operand.name, np.asarray(operand.value, dtype=float)
        cw, ch = self._geometry(operand, style)
        rows, n = self.shape(operand, style)
        grid = value.reshape(rows, n)
        cols = cols if cols is not None else range(n)
        scale = value_scales(self.frame.trace).get(name, 1.0)
        exponent = shown_exponent(self.frame, operand)
        items: list[Primitive] = []
        for i in range(grid.shape[0]):
            for k, j in enumerate(cols):
                v = float(grid[i, j])
                fill = theme.diverging(v, scale)
                text = number_text(v, exponent)
                index = (i,) if value.ndim == 1 and n == 1 else grid_index(value, i, j)
                items.append(
                    Cell(x + k * cw, top + i * ch, cw, ch, fill, text, style.px, ink_on(fill), name, index, v)
                )
        w, h = len(cols) * cw, grid.shape[0] * ch
        return [*items, Rect(x, top, w, h, None, theme.border, 1, tag=f"array:{name}")]


def _focus_plan(
    frame: Frame,
    layout: tuple[Slot, ...],
    slot_names: dict,
    box: Box,
    theme: Theme,
    measure: Measure,
    floor: int,
    context: bool,
) -> Focus | None:
    """The op as a worked equation with every number at `floor` px or more (as large as
    FOCUS_PX where it fits) under the diagram's title; with `context`, the rest of the network
    condensed under it where it fits. None: not even the equation fits."""
    step = frame.step
    cell = (measure("0.0", floor, "sans", False) + max(6, floor // 3)) * (round(floor * 1.2) + 2)
    numbers = sum(np.size(v) for _, v in step.inputs) + np.size(step.output)
    if numbers * cell > box.w * box.h:  # more numbers than the box has room for at the floor
        return None
    name, parts = equation(frame)
    grid = _CellGrid(frame)
    result = Operand(name, step.output)
    gap, top = theme.px(16), max(floor, theme.px(FOCUS_PX))
    sizes = sorted({theme.px(14), theme.px(10), CONDENSED_LEAST}, reverse=True)
    for with_context in (True, False) if context else (False,):
        header = _header(frame, box, theme, measure, with_context, not with_context)[0]
        area = Box(box.x + gap, box.y + header, box.w - 2 * gap, box.bottom - box.y - header - theme.px(8))
        small = theme.size("small")
        worked = lay_out(name, parts, result, area, top, floor, measure, grid, False, small)
        if worked is None:
            return None
        below = area.y + worked.height + theme.px(8)
        if not with_context:
            return Focus(worked, area, None, below - box.y)
        rest = Box(box.x, below, box.w, box.bottom - below)
        for side in sizes:
            looks = {s[0]: Look(0, side) for s in layout}
            plan = _arrange(frame, layout, slot_names, looks, rest, theme, measure, False, Look(0, side), 0)
            if plan is not None:
                return Focus(worked, area, plan, below - box.y + plan.height)
    return None


def _draw_focus(
    frame: Frame, plan: Focus, slot_names: dict, box: Box, theme: Theme, measure: Measure
) -> list[Primitive]:
    context = plan.context
    items = _header(frame, box, theme, measure, context is not None, context is None)[1]
    name, parts = equation(frame)
    grid = _CellGrid(frame)
    worked = lay_out_again(plan.equation, name, parts, Operand(name, frame.step.output), plan.area, grid)
    items += draw_layout(worked, plan.area, grid, theme, "focus", middle=context is None)[0]
    drawn = tuple(i for i in items if isinstance(i, Cell))
    if context is None:
        return items + _edit_marks(frame, {}, theme, drawn)
    labels, blocks, placed = _blocks(frame, context, slot_names, theme, focus_names(frame))
    marks = _edit_marks(frame, placed, theme, drawn)
    return items + labels + blocks + marks + _hover_links(frame, placed, theme)


def build_diagram(frame: Frame, box: Box, theme: Theme, measure: Measure, floor: int = 24) -> list[Primitive]:
    slot_names = {slot[0]: slot_arrays(frame, slot[0]) for slot in LAYOUTS[frame.trace.cell]}
    plan = _plan(frame, slot_names, box, theme, measure, floor)
    if plan is None:
        return _too_small(frame, box, theme, measure)
    if isinstance(plan, Focus):
        return _draw_focus(frame, plan, slot_names, box, theme, measure)
    items = _header(frame, box, theme, measure, plan.condensed, plan.partial)[1]
    labels, blocks, placed = _blocks(frame, plan, slot_names, theme, frozenset())
    obstacles = [text_box(t, measure) for t in labels] + [
        text_box(t, measure) for t in items if isinstance(t, Text)
    ]
    obstacles += [text_box(t, measure) for t in blocks if isinstance(t, Text) and t.text]
    ring = theme.px(4) + 1  # the outlines around the op's blocks are obstacles too
    obstacles += [(p.x - ring, p.y - ring, p.w + 2 * ring, p.h + 2 * ring) for p in placed.values()]
    walls = np.array(obstacles, dtype=np.int64).reshape(-1, 4)  # rows of x, y, w, h
    wires = _connectors(frame, placed, theme, walls, box) if frame.cursor.phase != BACKWARD else []
    return (
        items
        + wires
        + labels
        + blocks
        + _current_op(frame, placed, theme, walls, box)
        + _edit_marks(frame, placed, theme)
        + _hover_links(frame, placed, theme)
    )


def _edit_marks(
    frame: Frame, placed: dict[str, Placed], theme: Theme, drawn: tuple[Cell, ...] = ()
) -> list[Primitive]:
    """A ring on each weight the student changed, a thicker one on the selected weight: on
    its cell among the `drawn` ones (a worked equation's), else where its block is placed."""
    state = frame.state
    cells = [(e.name, e.index, "edited") for e in state.edits]
    if state.selected is not None and state.mode in ("weight", "entry"):
        cells.append((*state.selected, "selected"))
    boxes = {(c.name, c.index): (c.x, c.y, c.w, c.h) for c in drawn}
    items: list[Primitive] = []
    for name, index, kind in cells:
        box = boxes.get((name, tuple(index)))
        at = placed.get(name)
        if box is None and at is not None:
            i, j = (index[0], index[1]) if len(index) == 2 else (index[0], 0)
            box = (at.x + j * at.cw, at.y + i * at.ch, at.cw, at.ch)
        if box is None:
            continue
        x, y, w, h = box
        width = theme.px(3) if kind == "selected" else theme.px(2)
        color = theme.result if kind == "selected" else theme.text
        pad = width // 2
        ring = (x - pad, y - pad, w + 2 * pad, h + 2 * pad)
        items.append(Rect(*ring, None, color, width, tag=f"{kind}:{name}"))
    return items


def text_box(item: Text, measure: Measure) -> tuple[int, int, int, int]:
    """Where a text will be drawn (its font's line height), for routing lines around it."""
    w, h = measure(item.text, item.size, item.font, item.bold), round(item.size * 1.17) + 1
    horizontal, vertical = _ANCHORS[item.anchor]
    return item.x - w * horizontal // 2, item.y - h * vertical // 2, w, h


#: anchor -> (x offset, y offset) in half widths and half heights
_ANCHORS = {
    "topleft": (0, 0),
    "midleft": (0, 1),
    "bottomleft": (0, 2),
    "midtop": (1, 0),
    "center": (1, 1),
    "topright": (2, 0),
    "bottomright": (2, 2),
    "midright": (2, 1),
}


def _clear(path: list[tuple[int, int]], width: int, obstacles: np.ndarray) -> bool:
    """Whether no axis-aligned segment of the path, `width` px thick, touches any box
    (rows of x, y, w, h): every box at once, as an edit redraws every wire."""
    if not len(obstacles):
        return True
    half = width // 2 + 1
    bx, by, bw, bh = obstacles.T
    for (x1, y1), (x2, y2) in pairwise(path):
        left, right = min(x1, x2) - half, max(x1, x2) + half
        top, bottom = min(y1, y2) - half, max(y1, y2) + half
        if np.any((left < bx + bw) & (right > bx) & (top < by + bh) & (bottom > by)):
            return False
    return True


def _route(
    a: Placed, b: Placed, theme: Theme, obstacles: np.ndarray, width: int, box: Box
) -> list[tuple[int, int]] | None:
    """A path from block a to block b that crosses no text and no other block: straight
    across or down when they face each other, else an elbow through a gap between rows
    below or above. None when every way is blocked (the outlines still say who is who)."""
    ring = theme.px(4) + 1
    own = [(p.x - ring, p.y - ring, p.w + 2 * ring, p.h + 2 * ring) for p in (a, b)]
    others = obstacles[~(obstacles[:, None, :] == np.array(own)).all(axis=2).any(axis=1)]
    end = theme.px(4)
    candidates: list[list[tuple[int, int]]] = []
    lo, hi = max(a.y, b.y), min(a.y + a.h, b.y + b.h)
    if hi - lo >= theme.px(8) and a.x + a.w < b.x:  # side by side: straight across
        y = (lo + hi) // 2
        candidates.append([(a.x + a.w + end, y), (b.x - end, y)])
    ax, bx = a.x + a.w // 2, b.x + b.w // 2
    if max(a.x, b.x) + theme.px(8) <= min(a.x + a.w, b.x + b.w):  # stacked: straight down or up
        x = (max(a.x, b.x) + min(a.x + a.w, b.x + b.w)) // 2
        if a.y + a.h < b.y:
            candidates.append([(x, a.y + a.h + end), (x, b.y - end)])
        elif b.y + b.h < a.y:
            candidates.append([(x, a.y - end), (x, b.y + b.h + end)])
    if a.x + a.w + 3 * end <= b.x:  # out of a's side, down or up the gap before b, into b's side
        ya, yb = a.y + a.h // 2, b.y + b.h // 3
        for xm in (b.x - 2 * end, a.x + a.w + 2 * end):
            candidates.append([(a.x + a.w + end, ya), (xm, ya), (xm, yb), (b.x - end, yb)])
    edges = np.unique(np.concatenate([obstacles[:, 1], obstacles[:, 1] + obstacles[:, 3]])).tolist()
    off, top, bottom = theme.px(6), box.y, box.bottom - width
    lanes = [y for e in edges for y in (e + off, e - off) if top < y < bottom]
    low, high = min(a.y, b.y), max(a.y + a.h, b.y + b.h)
    clear = ring + width  # a lane passes outside both blocks' outlines, never over their numbers
    below = sorted(y for y in lanes if y > high + clear)
    above = sorted((y for y in lanes if y < low - clear), reverse=True)
    for lane in below[:6]:
        candidates.append([(ax, a.y + a.h + end), (ax, lane), (bx, lane), (bx, b.y + b.h + end)])
    for lane in above[:6]:
        candidates.append([(ax, a.y - end), (ax, lane), (bx, lane), (bx, b.y - end)])
    for path in candidates:
        if _clear(path, width, others):
            return path
    return None


def _path_lines(path: list[tuple[int, int]], color, width: int, tag: str, arrow: bool) -> list[Line]:
    return [
        Line(*path[k], *path[k + 1], color, width, arrow=arrow and k == len(path) - 2, tag=tag)
        for k in range(len(path) - 1)
    ]


def _connectors(
    frame: Frame, placed: dict[str, Placed], theme: Theme, obstacles: np.ndarray, box: Box
) -> list[Primitive]:
    """Faint data-flow lines for the forward ops whose blocks face each other with nothing
    between: the network's wiring, where it can be drawn without crossing anything."""
    items: list[Primitive] = []
    width = theme.px(2)
    for line in frame.trace.forward_code.ops:
        if line.op not in placed:
            continue
        for name in line.reads:
            if name in placed and name != line.op and placed[name].x < placed[line.op].x:
                path = _route(placed[name], placed[line.op], theme, obstacles, width, box)
                if path is not None and len(path) == 2:
                    items += _path_lines(path, theme.blank, width, "wire", False)
    return items


def _current_op(
    frame: Frame, placed: dict[str, Placed], theme: Theme, obstacles: np.ndarray, box: Box
) -> list[Primitive]:
    step = frame.step
    items: list[Primitive] = []
    target = placed.get(step.op)
    pad, width = theme.px(3), theme.px(3)
    for name, _ in step.inputs:
        at = placed.get(name)
        if at is None:
            continue
        items.append(_ring(at, pad, theme.operand, width, f"operand:{name}"))
        if target is not None and name != step.op:
            path = _route(at, target, theme, obstacles, width, box)
            if path is None:
                continue
            lines = _path_lines(path, theme.result, width, f"arrow:{name}", True)
            items += lines
            if frame.state.progress < 1.0:
                items.append(_traveller(lines, frame.state.progress, at.ch, theme))
    if target is not None:
        items.append(_ring(target, pad, theme.result, theme.px(4), f"result:{step.op}"))
    return items


_SHAPES: WeakKeyDictionary[Trace, dict[str, tuple[int, ...]]] = WeakKeyDictionary()


def _reference_shapes(trace: Trace) -> dict[str, tuple[int, ...]]:
    """Shapes of every name, so not-yet-computed arrays can be drawn blank at full size."""
    if trace in _SHAPES:
        return _SHAPES[trace]
    shapes: dict[str, tuple[int, ...]] = {name: trace.params[name].shape for name in trace.params}
    firsts = (trace.block_range(p.blocks.start) for p in trace.passes if len(p.blocks))
    for step in (trace.steps[i] for span in firsts for i in span):  # every block runs every line
        shapes.setdefault(step.op, step.output.shape)
        if len(shapes) > 200:
            break
    h = (trace.hidden_size,)
    shapes.update({"h_prev": h, "c_prev": h, "p": (len(trace.vocab),)})
    _SHAPES[trace] = shapes
    return shapes


_CELLS: dict[tuple, tuple[np.ndarray | None, list[Primitive]]] = {}
_CELLS: dict[tuple, tuple[np.ndarray | None, list[Primitive]]] = {}
CELLS_KEPT_LIMIT = 40_000  # primitives remembered at most: bounded memory at hidden 64
_cells_kept = 0


def _cells(
    name: str, value: np.ndarray | None, at: Placed, scale: float, theme: Theme, size: int, exponent: int
) -> list[Primitive]:
    """Recorded arrays never change, so an array drawn once at one place is drawn from memory."""
    key = (name, id(value), at, scale, theme, size, exponent)
    kept = _CELLS.get(key)
    if kept is not None and kept[0] is value:
        return kept[1]
    items = _draw_cells(name, value, at, scale, theme, size, exponent)
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
    _PLANS.clear()
    _cells_kept = 0


RASTER_BELOW = 12  # px: smaller condensed cells are drawn as one image, values on hover


def _draw_cells(
    name: str, value: np.ndarray | None, at: Placed, scale: float, theme: Theme, size: int, exponent: int
) -> list[Primitive]:
    """Numbered cells (`size` px numbers, divided by 10**exponent), or condensed ones (size 0)."""
    if not size and min(at.cw, at.ch) < RASTER_BELOW:
        outline = Rect(at.x, at.y, at.w, at.h, None, theme.border, 1, tag=f"array:{name}")
        if value is None:
            return [Rect(at.x, at.y, at.w, at.h, theme.blank, None, tag="blank"), outline]
        colors = theme.diverging_array(value.reshape(at.rows, at.cols), scale)
        colors.setflags(write=False)
        key = (id(value), scale, theme)
        return [Raster(at.x, at.y, at.w, at.h, name, colors, key, value), outline]
    items: list[Primitive] = []
    grid = None if value is None else value.reshape(at.rows, at.cols)
    label_size = size or theme.size("small")
    for i in range(at.rows):
        for j in range(at.cols):
            x, y = at.x + j * at.cw, at.y + i * at.ch
            vector = value is not None and value.ndim == 1  # x as a row is still x[j]
            index = (i * at.cols + j,) if vector else (i, j) if at.cols > 1 else (i,)
            if grid is None:
                items.append(
                    Cell(
                        x,
                        y,
                        at.cw,
                        at.ch,
                        theme.blank,
                        "",
                        label_size,
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
            text = number_text(v, exponent) if size else ""
            items.append(Cell(x, y, at.cw, at.ch, fill, text, label_size, ink_on(fill), name, index, v))
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
    # room for a line of text inside the target's outline; else only the target's row is labelled
    roomy = cell >= round(size * 1.2) + 2 * theme.px(3) + 4
    bar_h = max(1, cell - (4 if roomy else 1))
    for k, symbol in enumerate(trace.vocab):
        y = box.y + k * cell
        bar_x, bar_w = box.x + label_w, box.w - label_w
        labelled = roomy  # thin rows: the line under the bars names the target
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


def _ring(at: Placed, pad: int, color: tuple[int, int, int], width: int, tag: str) -> Rect:
    """An outline around an array, outside its cells (their numbers stay clear): operand,
    result, or the array a code token names. `pad` is kept for callers; the ring is
    always at least its width plus a pixel out."""
    pad = max(pad, width + 1)
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
def _legend(box: Box, theme: Theme, low: str, high: str, measure: Measure) -> tuple[Primitive, ...]:
    """`weights -s [blue ... white ... orange] +s`, then what grey means if it fits whole."""
    size = theme.size("small")
    steps, w = 11, theme.px(14)
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
    for note in ("grey: not computed yet", "grey: not yet"):
        if measure(note, size, "sans", False) <= box.right - x:
            items.append(Text(x, mid, note, size, theme.dim, anchor="midleft", tag="legend-text"))
            break
    return tuple(items)
