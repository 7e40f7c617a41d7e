"""The whole frame: panels placed, overlays on top."""

from __future__ import annotations

from dataclasses import replace

from stepper.scene import Cell, Layer, Line, Primitive, Raster, Rect, Scene, Text
from stepper.theme import ZOOM_STEPS, Theme
from stepper.trace import SAMPLE, UPDATE
from stepper.views.bars import (
    build_caption,
    build_status,
    build_timeline,
    caption_height,
    caption_least,
    p_known,
    typing_sequence,
)
from stepper.views.bignumbers import build_big_numbers
from stepper.views.code import build_code, code_width
from stepper.views.diagram import (
    build_diagram,
    fitted,
    focus_size,
    needed_height,
    number_floor,
    numbered_height,
    spare_height,
    text_box,
)
from stepper.views.frame import Box, Frame, Measure
from stepper.views.overlays import (
    LessonEntry,
    build_errors,
    build_help,
    build_lessons,
    build_message,
    build_notes,
)
from stepper.views.panels import PANELS
from stepper.views.question import build_question
from stepper.views.sample import build_sample, build_sample_timeline
from stepper.views.text import fit
from stepper.views.tooltip import build_tooltip
from stepper.views.update import build_update, build_update_timeline
from stepper.views.update import needed_height as update_height

MIN_PANEL = (320, 180)  # below this the diagram or code collapses to its title
MIN_CODE = (160, 120)  # a projector's narrow code panel still shows the lit line (wrapped)
MIN_STRIP_PANEL = (300, 110)  # the look-inside panels degrade gracefully down to this
STRIP_KEPT = 240  # px at zoom 1: the panels' strip in a large window never gets smaller
PROJECTOR_HEIGHT = 900  # px at zoom 1: below this, panels and words give way to the diagram


PANELS_PER_ROW = 4


def regions(
    width: int,
    height: int,
    theme: Theme,
    code_w: int,
    panels: tuple[str, ...] = (),
    diagram_h: int = 0,
    numbered_h: int = 0,
    entry: bool = False,
) -> dict[str, Box]:
    """Code panel as wide as its longest line needs, within 26-34% of the window: the
    diagram's numbers need the width more than the comments do. Open panels share a
    strip under the diagram and code. In a small window the caption, then the
    timeline, give way to the diagram and code. The panels' strip gives way (down to a line
    of titles) to the `diagram_h` px the diagram needs for the current op's numbers, and
    on a projector so does the timeline (and when zoomed in, then the caption; else the caption
    only to the `numbered_h` px, if any, the diagrams need to number the current op at all).
    Zoomed in, the caption shrinks to one line rather than vanish; while a sequence is typed
    (`entry`) the timeline, where the entry is, never gives way."""
    gap = theme.px(10)
    status_h, timeline_h, caption_h = theme.px(44), theme.px(100), theme.px(104)
    main_min = theme.px(MIN_PANEL[1]) + gap
    # on a projector the panels may shrink to a line of titles, else to a useful height
    projector = height < theme.px(PROJECTOR_HEIGHT)
    strip_min = theme.px(40 if projector else STRIP_KEPT)
    order, least = ("caption", "timeline"), main_min
    if diagram_h and projector:  # on a projector the timeline too; zoomed in, the caption too
        main_min = max(main_min, diagram_h + (strip_min if panels else 0))
        order = ("timeline", "caption")
    for name in (n for n in order if not (entry and n == "timeline")):
        enough = main_min
        if name == "caption" and diagram_h and theme.zoom <= 1:
            enough = max(least, numbered_h + (strip_min if panels else 0))
        room = height - status_h - timeline_h - caption_h - 3 * gap
        if room >= enough:
            break
        if name == "caption" and diagram_h and theme.zoom > 1:  # one line, not none
            caption_h = min(caption_h, max(caption_least(theme), caption_h - (enough - room)))
        elif name == "caption":
            caption_h = 0
        else:
            timeline_h = 0
    main_h = max(0, height - status_h - timeline_h - caption_h - 3 * gap)
    strip_rows = -(-len(panels) // PANELS_PER_ROW)
    strip_h = int(main_h * (0.3 if strip_rows == 1 else 0.46)) if panels else 0
    if panels and main_h - strip_h < diagram_h:
        strip_h = max(min(strip_h, strip_min), main_h - diagram_h)
    top_h = main_h - strip_h
    if code_w:  # 0: no code panel (side by side)
        code_w = max(int(width * 0.26), min(int(width * 0.34), code_w))
    diagram_w = width - code_w - (2 * gap if code_w else gap)
    boxes = {
        "diagram": Box(gap, gap, diagram_w - gap, top_h - gap),
        "code": Box(diagram_w + gap, gap, code_w - gap, top_h - gap),
    }
    for k, name in enumerate(panels):
        row, col = divmod(k, PANELS_PER_ROW)
        in_row = min(PANELS_PER_ROW, len(panels) - row * PANELS_PER_ROW)
        cell_w = (width - gap) // in_row
        row_h = strip_h // strip_rows
        boxes[name] = Box(gap + col * cell_w, top_h + row * row_h, cell_w - gap, row_h - gap)
    boxes |= {
        "caption": Box(gap, main_h + gap, width - 2 * gap, caption_h),
        "timeline": Box(gap, main_h + caption_h + 2 * gap, width - 2 * gap, timeline_h),
        "status": Box(0, height - status_h, width, status_h),
    }
    return {name: box for name, box in boxes.items() if box.h > 0 and box.w > 0}


def _diagram_first(
    frame, width, height, theme, measure, code_w, panels, boxes, floor, entry=False
) -> dict[str, Box]:
    """When the diagram cannot show the current op's numbers in its share, the code panel
    narrows to its least (26%), and the panels' strip, then on a projector the timeline
    (and, zoomed in, the caption), give way to the height it needs."""
    shown = [f for f in (frame, frame.partner) if f is not None]

    def diagram_box(boxes: dict[str, Box]) -> Box:
        box = boxes["diagram"]
        return box if len(shown) == 1 else Box(box.x, box.y, (box.w - theme.px(10)) // 2, box.h)

    if all(fitted(f, diagram_box(boxes), theme, measure, floor) for f in shown):
        return boxes
    if height < theme.px(PROJECTOR_HEIGHT):
        code_w = min(code_w, 1)  # on a projector: regions() widens it to its least share
    box = diagram_box(regions(width, height, theme, code_w, panels, entry=entry))
    need = max(needed_height(f, box.w, theme, measure, floor) for f in shown)
    if not need:  # no height would do (too wide): the layout stays as it was
        return boxes
    need = max(need, theme.px(MIN_PANEL[1]))  # never so short that it collapses to its title
    # side by side, the caption gives way to the least height that numbers both ops
    least = max(numbered_height(f, box.w, theme, measure, floor) for f in shown) if len(shown) > 1 else 0
    least = least and least + theme.px(10)
    return regions(width, height, theme, code_w, panels, need + theme.px(10), least, entry)


COLLAPSED = "collapsed"  # the line that names the panels with no room to draw


def _small_panels_in_a_line(
    boxes: dict[str, Box], theme: Theme, measure: Measure, unfit: tuple[str, ...] = ()
) -> dict[str, Box]:
    """Panels too small to draw (or `unfit`: with no room to say how to read their
    numbers) give their room up: one thin line names them all, the panels that fit share
    the rest of the strip, and when none does the diagram and code grow down into it."""
    strip = [n for n in boxes if n in PANELS]
    least = (theme.px(MIN_STRIP_PANEL[0]), theme.px(MIN_STRIP_PANEL[1]))
    small = [n for n in strip if boxes[n].w < least[0] or boxes[n].h < least[1] or n in unfit]
    if not small:
        return boxes
    gap, left = theme.px(10), min(boxes[n].x for n in strip)
    top, bottom = min(boxes[n].y for n in strip), max(boxes[n].bottom for n in strip)
    width = max(boxes[n].right for n in strip) - left
    line = min(bottom - top - gap // 2, _line_height(theme))
    kept, laid, beside = [n for n in strip if n not in small], {}, 0

    def lay(names: list[str], width: int, y: int) -> dict[str, Box]:
        rows = -(-len(names) // PANELS_PER_ROW)
        row_h = (bottom - y + gap) // rows
        out = {}
        for k, name in enumerate(names):
            row, col = divmod(k, PANELS_PER_ROW)
            cell_w = (width + gap) // min(PANELS_PER_ROW, len(names) - row * PANELS_PER_ROW)
            out[name] = Box(left + col * cell_w, y + row * row_h, cell_w - gap, row_h - gap)
        return out

    def unfit(laid: dict[str, Box]) -> list[str]:
        return [n for n, b in laid.items() if b.w < least[0] or b.h < least[1]]

    while kept:  # under the line; else in one row, the line beside them at the right
        laid = lay(kept, width, top + gap // 2 + line + gap)
        if not unfit(laid):
            break
        names = tuple(n for n in strip if n not in kept)
        beside = measure(_collapsed_text(names), theme.size("small"), "sans", False) + theme.px(8) + gap
        if len(kept) <= PANELS_PER_ROW and not unfit(side := lay(kept, width - beside, top)):
            laid = side
            break
        kept, beside = [n for n in kept if n not in unfit(laid)], 0
    out: dict[str, Box] = {}
    for name, box in boxes.items():
        if name in ("diagram", "code") and not kept:
            out[name] = Box(box.x, box.y, box.w, box.h + max(0, bottom - line - gap - top))
        elif name not in strip:
            out[name] = box
    out |= laid if kept else {}
    if beside and line > 0:
        out[COLLAPSED] = Box(left + width - beside + gap, top, beside - gap, line)
    elif line > 0:
        out[COLLAPSED] = Box(left, top + gap // 2 if kept else bottom - line, width, line)
    return out


def _collapsed_text(names: tuple[str, ...]) -> str:
    return f"{', '.join(names)}: {'needs' if len(names) == 1 else 'need'} a larger window (Ctrl - or F)"


def _line_height(theme: Theme) -> int:
    """A thin line of small text."""
    return round(theme.size("small") * 1.25) + theme.px(4)


def _sides(frame, whole: Box, theme: Theme, measure: Measure, floor: int) -> list[Box]:
    """Side by side, the two diagrams' boxes (this frame's, then its partner's): left and
    right halves; top and bottom ones (each the whole width) where the halves cannot number
    both current ops at the floor and the full-width ones can (a 6x10 gradient below 1920 px)."""
    gap = theme.px(10)
    half, tall = (whole.w - gap) // 2, (whole.h - gap) // 2
    beside = [Box(whole.x, whole.y, half, whole.h), Box(whole.x + half + gap, whole.y, half, whole.h)]
    stacked = [Box(whole.x, whole.y, whole.w, tall), Box(whole.x, whole.y + tall + gap, whole.w, tall)]
    shown = (frame, frame.partner)
    if any(f.cursor.phase in DIAGRAMS for f in shown):  # the update and sample passes: their own
        return beside

    def reach(sides: list[Box]) -> bool:
        pairs = zip(shown, sides, strict=True)
        return all(focus_size(f, b, theme, measure, floor) >= floor for f, b in pairs)

    return stacked if not reach(beside) and reach(stacked) else beside


def _caption_room(frame, theme, measure, boxes, floor) -> dict[str, Box]:
    """A caption never loses words to its box: it grows into the diagram's empty room at
    the bottom (what lies between moves up), then into the line that names the panels
    with no room, then into the timeline's place (unless a sequence is being typed there)."""
    caption = boxes.get("caption")
    if caption is None:
        return boxes
    short = caption_height(frame, caption.w, theme, measure) - caption.h
    diagram = boxes.get("diagram")
    shown = [f for f in (frame, frame.partner) if f is not None]
    if short > 0 and diagram is not None and all(f.cursor.phase not in DIAGRAMS for f in shown):
        boxes_of = _sides(frame, diagram, theme, measure, floor) if len(shown) > 1 else [diagram]
        pairs = zip(shown, boxes_of, strict=True)
        spare = min(spare_height(f, b, theme, measure, floor) for f, b in pairs) - theme.px(8)
        lift = max(0, min(short, spare))
        if lift:
            top = diagram.bottom
            moved = {}
            for name, b in boxes.items():
                if name in ("diagram", "code"):
                    moved[name] = Box(b.x, b.y, b.w, b.h - lift)
                elif name == "caption":
                    moved[name] = Box(b.x, b.y - lift, b.w, b.h + lift)
                elif b.y >= top and b.bottom <= caption.y:  # the panels' strip
                    moved[name] = Box(b.x, b.y - lift, b.w, b.h)
                else:
                    moved[name] = b
            boxes, short = moved, short - lift
    line = boxes.get(COLLAPSED)
    # at 100% every word; zoomed in, the caption's cut mark says Ctrl - and the line stays
    if short > 0 and line is not None and theme.zoom <= 1 and not any(n in PANELS for n in boxes):
        caption = boxes["caption"]
        boxes = {n: b for n, b in boxes.items() if n != COLLAPSED}
        boxes["caption"] = Box(caption.x, line.y, caption.w, caption.bottom - line.y)
        short -= caption.y - line.y
    timeline = boxes.get("timeline")
    if short > 0 and timeline is not None and not typing_sequence(frame):
        caption = boxes["caption"]
        boxes = {n: b for n, b in boxes.items() if n != "timeline"}
        boxes["caption"] = Box(caption.x, caption.y, caption.w, timeline.bottom - caption.y)
    return boxes


COLOUR_ONLY = (
    "colours only: point at a cell for its number",
    "point at a cell for its number",
    "point for numbers",
)
SHORTEST_NOTE = "point to read"  # where no spot has room for the others


def _silent(items: list[Primitive]) -> list[str]:
    """The arrays of a panel drawn without their numbers."""
    return sorted(
        {i.name for i in items if isinstance(i, Cell) and i.value is not None and not i.label}
        | {i.name for i in items if isinstance(i, Raster)}
    )


def _colour_only_note(items: list[Primitive], box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """A panel whose cells are too small for their numbers says so, in its bottom-right
    corner where that is free, and marks those arrays condensed; else it is left as is."""
    silent = _silent(items)
    if not silent:
        return items
    size, pad = theme.size("small"), theme.px(6)
    taken = [text_box(t, measure) for t in items if isinstance(t, Text) and t.text]
    taken += [(c.x, c.y, c.w, c.h) for c in items if isinstance(c, Cell)]
    for line in (i for i in items if isinstance(i, Line)):
        taken.append(
            (
                min(line.x1, line.x2) - 2,
                min(line.y1, line.y2) - 2,
                abs(line.x2 - line.x1) + 4,
                abs(line.y2 - line.y1) + 4,
            )
        )
    result = items
    top = box.y + pad // 2  # else on the title's row: at its right end, or in its middle
    spots = [(box.right - pad, box.bottom - pad, "bottomright"), (box.right - pad, top, "topright")]
    spots += [(box.x + box.w // 2, top, "midtop"), (box.x + pad, box.bottom - pad, "bottomleft")]
    tries = [(t, spot) for spot in spots for t in COLOUR_ONLY] + [(SHORTEST_NOTE, spot) for spot in spots]
    for text, (at_x, at_y, anchor) in tries:
        note = Text(at_x, at_y, text, size, theme.dim, anchor=anchor, tag="colour-only")
        x, y, w, h = text_box(note, measure)
        inside = x >= box.x + pad and y >= box.y and y + h <= box.bottom
        x, w = x - theme.px(4), w + theme.px(8)  # a gap from the words beside it on the line
        if inside and not any(x < a + c and a < x + w and y < b + d and b < y + h for a, b, c, d in taken):
            marks = [Rect(box.x, box.y, 0, 0, None, None, tag=f"condensed:{n}") for n in silent]
            result = [*items, note, *marks]
            break
    return result


def _placeholder(name: str, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    items: list[Primitive] = []
    if box.w <= 0 or box.h <= 0:
        return items
    items.append(Rect(box.x, box.y, box.w, box.h, theme.blank, theme.border, 1, tag=f"collapsed:{name}"))
    size = theme.size("small")
    if box.h >= size * 1.25 + 2:  # a line of text is about 1.2 x its size tall
        text = fit(f"{name} (needs a larger window)", box.w - 8, size, measure)
        items.append(Text(box.x + 4, box.y + 2, text, size, theme.dim))
    return items


def _collapsed_line(names: tuple[str, ...], box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """One line naming the panels that had no room, and how to make some."""
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.blank, None, tag=COLLAPSED)]
    items += [Rect(box.x, box.y, 0, 0, None, None, tag=f"collapsed:{n}") for n in names]
    size = theme.size("small")
    if box.h >= size * 1.25 + 2:  # a line of text is about 1.2 x its size tall
        text = fit(_collapsed_text(names), box.w - 8, size, measure)
        items.append(Text(box.x + 4, box.y + box.h // 2, text, size, theme.dim, anchor="midleft"))
    return items


def build_screen(
    frame: Frame,
    width: int,
    height: int,
    theme: Theme,
    measure: Measure,
    lessons: list[LessonEntry] | None = None,
    unfit: tuple[str, ...] = (),
) -> Scene:
    """The frame's layers; `unfit`: panels found to have no room to draw (named on a line)."""
    layers = [
        Layer(
            "background",
            0,
            0,
            width,
            height,
            (Rect(0, 0, width, height, theme.background, None, tag="background"),),
        )
    ]
    if frame.state.overlay == "big":  # the current op alone, over the whole window but the status bar
        return _big_numbers_screen(frame, width, height, theme, measure, layers)
    phase = frame.cursor.phase
    floor = max(number_floor(width), theme.px(number_floor(width)))  # zoomed in: never smaller
    builders = {
        "diagram": DIAGRAMS.get(phase, lambda f, b, t, m: build_diagram(f, b, t, m, floor)),
        "code": build_code,
        "caption": build_caption,
        "timeline": TIMELINES.get(phase, build_timeline),
        "status": build_status,
        **PANELS,
    }
    # The update and sample passes need the room for their own numbers; the panels (about the
    # played sequence) wait for the forward and backward passes, and the diagram says so.
    panels = tuple(p for p in frame.state.panels if p in PANELS and phase not in DIAGRAMS)
    side_by_side = frame.partner is not None
    code_w = 0 if side_by_side else code_width(frame, theme, measure)
    entry = typing_sequence(frame)  # the timeline keeps its room for the entry
    boxes = regions(width, height, theme, code_w, panels, entry=entry)
    if "diagram" in boxes and phase in NEEDED_HEIGHT:  # a pass's own diagram, projector first
        need = NEEDED_HEIGHT[phase](frame, boxes["diagram"], theme, measure)
        if need > boxes["diagram"].h:
            boxes = regions(width, height, theme, code_w, panels, need + theme.px(10), entry=entry)
    elif "diagram" in boxes and phase not in DIAGRAMS:  # projector first
        boxes = _diagram_first(frame, width, height, theme, measure, code_w, panels, boxes, floor, entry)
    boxes = _small_panels_in_a_line(boxes, theme, measure, unfit)
    collapsed = tuple(p for p in panels if p not in boxes)
    boxes = _caption_room(frame, theme, measure, boxes, floor)
    if side_by_side and "diagram" in boxes:  # two diagrams share the top; no code panel
        sides = _sides(frame, boxes.pop("diagram"), theme, measure, floor)
        if frame.partner.partner_first:
            sides.reverse()
        boxes = {"diagram": sides[0], "diagram-b": sides[1], **boxes}
        partner_phase = frame.partner.cursor.phase
        if partner_phase in DIAGRAMS:
            builders["diagram-b"] = lambda f, b, t, m: DIAGRAMS[partner_phase](f.partner, b, t, m)
        else:
            builders["diagram-b"] = lambda f, b, t, m: build_diagram(f.partner, b, t, m, floor)
    question: list[Primitive] = []
    quiz = frame.state.quiz
    asking = quiz is not None and quiz.target < len(frame.trace.steps)
    if asking and (quiz.kind == "compute" or frame.posed is not None) and "status" in boxes:
        gap = theme.px(10)
        box = Box(gap, gap, width - 2 * gap, boxes["status"].y - 2 * gap)
        covers = box.bottom - boxes["caption"].y if "caption" in boxes else 0  # no half-hidden caption
        question = build_question(frame, box, theme, measure, covers)
        boxes = _under_the_card(boxes, question, gap)
    for name, box in boxes.items():
        minimum = (
            (60, 40)  # the diagram says itself what it cannot show
            if name in ("diagram", "diagram-b")
            else MIN_CODE
            if name == "code"
            else MIN_STRIP_PANEL
            if name in PANELS
            else (200, 30)
        )
        if name == COLLAPSED:
            items = _collapsed_line(collapsed, box, theme, measure)
        elif box.w < theme.px(minimum[0]) or box.h < theme.px(minimum[1]):
            items = _placeholder(name, box, theme, measure)
        else:
            items = _memo(name, frame, box, theme, measure, builders[name], floor)
        if name in ("diagram", "diagram-b") and theme.zoom > 1:
            items = _zoom_never_shrinks(name, frame, box, theme, measure, items, width, height)
            if items is None:  # this zoom cannot keep them as large: the next smaller one
                less = max((z for z in ZOOM_STEPS if 1.0 <= z < theme.zoom), default=1.0)
                return build_screen(frame, width, height, theme.zoomed(less), measure, lessons, unfit)
        if name in PANELS:
            noted = _colour_only_note(items, box, theme, measure)
            line = round(theme.size("small") * 1.2) + theme.px(8)
            if noted is items and _silent(items) and box.h - line >= theme.px(MIN_STRIP_PANEL[1]):
                # no free corner for the note: the panel gives it a line at its foot (unless
                # its cells would then shrink into one image)
                shorter = builders[name](frame, Box(box.x, box.y, box.w, box.h - line), theme, measure)
                rasters = [sum(isinstance(i, Raster) for i in v) for v in (items, shorter)]
                if rasters[0] == rasters[1]:
                    noted = _colour_only_note(shorter, box, theme, measure)
            marked = any(isinstance(i, Rect) and i.tag.startswith("condensed:") for i in noted)
            if _silent(noted) and not marked:  # nowhere to say how to read them: never silent
                return build_screen(frame, width, height, theme, measure, lessons, (*unfit, name))
            items = noted
        # Each layer paints its whole box: it is redrawn alone when it changes.
        first = items[0] if items else None
        fills_box = (
            isinstance(first, Rect)
            and first.fill is not None
            and (first.x, first.y, first.w, first.h) == (box.x, box.y, box.w, box.h)
        )
        ground = (
            []
            if fills_box
            else [Rect(box.x, box.y, box.w, box.h, theme.background, None, tag=f"ground:{name}")]
        )
        layers.append(Layer(name, box.x, box.y, box.w, box.h, tuple(ground + items)))
    whole = Box(0, 0, width, height)
    overlay = frame.state.overlay
    items = []
    if overlay == "help":
        items = build_help(whole, theme, measure)
    elif overlay == "notes":
        notes = frame.lesson.teacher_notes
        items = build_notes(whole, theme, measure, frame.lesson.title, notes, frame.state.notes_scroll)
    elif overlay == "lessons" and lessons is not None:
        items = build_lessons(whole, theme, measure, lessons, frame.state.selection)
    if items:
        layers.append(Layer("overlay", 0, 0, width, height, tuple(items)))
    elif frame.state.hover is not None:
        tip = build_tooltip(frame, width, height, theme, measure)
        if tip:  # drawn over the panels: the layer cache treats it like an overlay
            layers.append(Layer("overlay:tooltip", 0, 0, width, height, tuple(tip)))
    if question:
        layers.append(Layer("overlay:question", 0, 0, width, height, tuple(question)))
    if frame.errors:  # the last good version stays visible above
        box = Box(0, height // 2, width, height - height // 2)
        items = build_errors(box, theme, measure, frame.lesson.path.name, frame.errors)
        layers.append(Layer("overlay:errors", box.x, box.y, box.w, box.h, tuple(items)))
    return Scene(width, height, tuple(layers), theme.zoom)


#: The passes whose diagram and timeline are their own (forward and backward share the cell's).
DIAGRAMS = {UPDATE: build_update, SAMPLE: build_sample}
#: ... and the height one needs for the current line's numbers, which on a projector the
#: timeline, then the caption, give way to (as they do for the cell's diagram).
NEEDED_HEIGHT = {UPDATE: update_height}
TIMELINES = {UPDATE: build_update_timeline, SAMPLE: build_sample_timeline}


def _big_numbers_screen(
    frame: Frame, width: int, height: int, theme: Theme, measure: Measure, layers: list[Layer]
) -> Scene:
    status = regions(width, height, theme, 0)["status"]
    box = Box(0, 0, width, status.y)
    layers.append(
        Layer("big-numbers", 0, 0, width, box.h, tuple(build_big_numbers(frame, box, theme, measure)))
    )
    state = frame.state
    told = replace(frame, state=replace(state, message=state.message or "Z: back"))
    items = build_status(told, status, theme, measure)
    layers.append(Layer("status", status.x, status.y, status.w, status.h, tuple(items)))
    return Scene(width, height, tuple(layers))


_MEMO: dict[tuple, list[Primitive]] = {}
MEMO_ENTRIES = 2048  # a few panels for every op of both passes of a lesson; ~15 kB each


def forget() -> None:
    """Drop every memo of every view, so traces of a closed lesson can be freed."""
    from stepper.views import diagram, update

    _MEMO.clear()
    diagram.forget()
    update.forget()


BIG_FOCUS_PX = 32  # the largest the diagram draws the current op's numbers at 100%


def _under_the_card(boxes: dict[str, Box], question: list[Primitive], gap: int) -> dict[str, Box]:
    """The question card takes its room from the layout: the diagram and code end above it,
    and what it would cover (even in part) is not drawn under it."""
    top = next(i.y for i in question if isinstance(i, Rect) and i.tag == "question-card")
    kept = {}
    for name, box in boxes.items():
        if name == "status" or box.bottom <= top - gap:
            kept[name] = box
        elif name in ("diagram", "diagram-b", "code") and box.y < top - gap:
            kept[name] = Box(box.x, box.y, box.w, top - gap - box.y)
    return kept


def _focus_px(items: list[Primitive], shown: Frame) -> int:
    """The size of the current op's smallest number among these cells (0: one is drawn
    without its number, or none is drawn)."""
    names = {shown.step.op, *(name for name, _ in shown.step.inputs)}
    sizes = [
        c.label_size if c.label else 0
        for c in items
        if isinstance(c, Cell) and c.name in names and c.value is not None
    ]
    return min(sizes, default=0)


def _zoom_never_shrinks(
    name: str, frame: Frame, box: Box, theme: Theme, measure: Measure, items, width: int, height: int
) -> list[Primitive] | None:
    """Zoomed in, the current op's numbers are never smaller than at 100% in the same window:
    where the zoomed diagram would shrink them, its context (labels, titles, gaps) zooms less,
    down to 100%, until they are as large again; None if none does (the box is narrower)."""
    shown = frame if name == "diagram" else frame.partner
    if shown.cursor.phase in DIAGRAMS:  # the update and sample passes lay out their own numbers
        return items
    now = _focus_px(items, shown)
    if now >= BIG_FOCUS_PX:  # as large as 100% ever draws them
        return items
    plain = build_screen(frame, width, height, theme.zoomed(1.0), measure)
    before = next((_focus_px(list(la.items), shown) for la in plain.layers if la.name == name), 0)
    best = (now, items)
    for zoom in sorted((z for z in ZOOM_STEPS if 1.0 <= z < theme.zoom), reverse=True):
        if best[0] >= before:
            break
        less = theme.zoomed(zoom)
        floor = max(number_floor(width), less.px(number_floor(width)))

        def smaller(f, b, t, m, floor=floor):
            return build_diagram(shown, b, t, m, floor)

        items = _memo(name, frame, box, less, measure, smaller, floor)
        best = max(best, (_focus_px(items, shown), items), key=lambda pair: pair[0])
    if best[0] < before:  # the box is narrower than at 100%: the rest of the network gives way

        def kept(f, b, t, m):
            return build_diagram(shown, b, t, m, before)

        items = _memo(name, frame, box, theme.zoomed(1.0), measure, kept, before)
        best = max(best, (_focus_px(items, shown), items), key=lambda pair: pair[0])
    return best[1] if best[0] >= before else None


def _memo(
    name: str, frame: Frame, box: Box, theme: Theme, measure: Measure, builder, floor: int = 0
) -> list[Primitive]:
    """Panels depend on a few inputs each; build them once per set of inputs. Recorded traces
    never change, so a place visited again (stepping back and forth) is drawn from memory."""
    step, state = frame.step, frame.state
    if name == "code":
        previous = frame.previous.line if frame.previous else -1
        hover = state.hover.name if state.hover else ""
        numbers = step.index if state.numbers else None  # not `numbers and index`: index 0 == False
        key = (name, frame.trace, step.phase, step.line, previous, numbers, hover)
    elif name == "timeline":
        key = (name, frame.trace, step.phase, step.t, p_known(frame))
        if typing_sequence(frame):  # the entry on the timeline
            key += (state.entry,)
        if step.phase in TIMELINES:  # what they show moves with every op
            key += (frame.cursor.index,)
    elif name in ("diagram", "diagram-b"):
        shown = frame if name == "diagram" else frame.partner
        s = shown.state
        baseline = shown.baseline if s.weight_changes else None
        key = (name, shown.trace, shown.cursor, s.hover, s.progress, s.weight_changes, baseline, shown.label)
        key += (floor, s.edits, s.selected if s.mode in ("weight", "entry") else None)
    elif name == "caption":
        key = (
            name,
            frame.trace,
            frame.cursor,
            state.checkpoint,
            frame.iteration,
            frame.problem,
            frame.lesson,
        )
    else:
        return builder(frame, box, theme, measure)
    key += (box, theme, measure)
    items = _MEMO.get(key)
    if items is None:
        if len(_MEMO) > MEMO_ENTRIES:
            _MEMO.clear()
        items = _MEMO[key] = builder(frame, box, theme, measure)
    return items


def build_start(
    width: int,
    height: int,
    theme: Theme,
    measure: Measure,
    lessons: list[LessonEntry],
    selection: int,
    message: str = "",
) -> Scene:
    """No lesson open: the list of built-in lessons, or why the chosen one failed."""
    whole = Box(0, 0, width, height)
    if message:
        items = build_message(whole, theme, measure, "This lesson cannot open", message)
    else:
        items = build_lessons(whole, theme, measure, lessons, selection)
    ground = Rect(0, 0, width, height, theme.background, None, tag="background")
    return Scene(width, height, (Layer("overlay", 0, 0, width, height, (ground, *items)),))


def build_progress(
    width: int, height: int, theme: Theme, measure: Measure, title: str, done: int, total: int
) -> Scene:
    """A lesson still training: how far, and how to stop."""
    whole = Box(0, 0, width, height)
    items = build_message(
        whole, theme, measure, f"Training: {title}", f"iteration {done:,} of {total:,}", hint="Esc: cancel"
    )
    bar = Box(width // 6, height // 2, width * 2 // 3, theme.px(28))
    share = done / total if total else 1.0
    items += [
        Rect(bar.x, bar.y, bar.w, bar.h, theme.blank, None, tag="progress-bg"),
        Rect(bar.x, bar.y, max(1, round(bar.w * share)), bar.h, theme.good, None, tag="progress"),
    ]
    ground = Rect(0, 0, width, height, theme.background, None, tag="background")
    return Scene(width, height, (Layer("overlay", 0, 0, width, height, (ground, *items)),))
