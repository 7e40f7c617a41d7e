"""The sample pass's diagram: the text written so far, the current line's arrays, and p as
bars with u marked on their cumulative sum, so a class can check each draw by eye."""

from __future__ import annotations

import numpy as np

from stepper.scene import Hotspot, Line, Primitive, Rect, Text
from stepper.symbols import visible
from stepper.theme import Theme
from stepper.views.arrays import Shown, draw_arrays, panels_waiting
from stepper.views.frame import Box, Frame, Measure
from stepper.views.text import fit, panel_title


def written(frame: Frame) -> tuple[list[int], int | None]:
    """The prime and the symbols drawn up to the cursor; the index of the one drawn now."""
    sample = frame.trace.sample
    assert sample is not None
    t, done = frame.step.t, "s" in frame.env
    symbols = [*sample.prime, *sample.symbols[: t + (1 if done else 0)]]
    return symbols, (len(symbols) - 1 if done else None)


def build_sample(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace, step, env = frame.trace, frame.step, frame.env
    sample = trace.sample
    assert sample is not None
    items: list[Primitive] = [
        Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="sample-panel")
    ]
    pad = theme.px(14)
    how = (
        "greedy (argmax)"
        if sample.temperature == 0
        else f"temperature {sample.temperature:g}, seed {sample.seed}"
    )
    title = f"Sample  -  {how}  -  symbol {step.t + 1} of {len(sample.symbols)}"
    items.append(panel_title(box, title, theme, measure, tag="sample-title"))
    # The text so far, the newest symbol in magenta.
    symbols, newest = written(frame)
    size = theme.size("big")
    y = box.y + pad + theme.px(44)
    x = box.x + pad
    label = measure("wrote: ", theme.size("text"), "sans", False)
    items.append(Text(x, y + (size - theme.size("text")) // 2, "wrote:", theme.size("text"), theme.dim))
    x += label
    room = max(2, (box.w - 2 * pad - label) // max(1, measure("M ", size, "mono", True)))
    shown = symbols if len(symbols) <= room else symbols[-(room - 1) :]
    offset = len(symbols) - len(shown)
    if offset:  # the first ones give way, and say so
        items.append(Text(x, y, "…", size, theme.dim, font="mono", tag="written-cut"))
        x += measure("… ", size, "mono", True)
    for k, s in enumerate(shown):
        text = visible(trace.vocab[s], trace.vocab)
        color = (
            theme.result
            if k + offset == newest
            else theme.dim
            if k + offset < len(sample.prime)
            else theme.text
        )
        items.append(
            Text(x, y, text, size, color, font="mono", bold=k + offset == newest, tag=f"written:{k + offset}")
        )
        x += measure(text + " ", size, "mono", True)
    y += int(size * 1.5)
    waiting = panels_waiting(frame.state.panels, step.phase)
    if waiting:
        small = theme.size("small")
        items.append(
            Text(
                box.x + pad,
                y,
                fit(waiting, box.w - 2 * pad, small, measure),
                small,
                theme.dim,
                tag="panels-waiting",
            )
        )
        y += int(small * 1.5)
    # The bars: p per symbol, then the cumulative sum with u on it.
    bars_least = theme.px(190) if "p" in env else 0  # the bars take what the arrays leave
    arrays_box = Box(box.x + pad, y, box.w - 2 * pad, box.bottom - pad - y - bars_least)
    arrays = [Shown(name, name, np.asarray(value), "operand") for name, value in step.inputs]
    arrays.append(Shown(step.op, step.op, np.asarray(step.output), "result"))
    shapes = [np.shape(a.value) for a in arrays]
    scale = max((float(np.nanmax(np.abs(a.value))) for a in arrays if np.size(a.value)), default=1.0) or 1.0
    drawn = draw_arrays(arrays, shapes, arrays_box, theme, measure, scale)
    if drawn is not None:  # every array here is the current line's: none is left out
        items += drawn[0]
        y += drawn[1] + theme.px(16)
    else:
        items.append(
            Text(
                arrays_box.x,
                arrays_box.y,
                "the line's arrays need a larger window",
                theme.size("small"),
                theme.dim,
            )
        )
    if "p" in env:
        bars_top = max(y, box.bottom - pad - theme.px(300))  # bars no taller than they need be
        items += _bars(
            frame, Box(box.x + pad, bars_top, box.w - 2 * pad, box.bottom - pad - bars_top), theme, measure
        )
    return items


def _bars(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    trace, env = frame.trace, frame.env
    p = np.asarray(env["p"], dtype=np.float64)
    vocab = trace.vocab
    size = max(theme.px(24), theme.size("small"))
    items: list[Primitive] = []
    strip_h = int(size * 1.6)
    bar_top = box.y + int(size * 1.4)
    n = len(p)
    col = box.w / max(n, 1)
    labels = [f"{visible(vocab[i], vocab)} {value:.3f}" for i, value in enumerate(p)]
    gap = theme.px(8)  # between two labels: "b 0.001" and "1 0.000" must not read as "0.0011"
    for label_size, rows in ((size, 1), (theme.size("small"), 1), (theme.size("small"), 2)):
        if all(measure(text, label_size, "sans", False) + gap <= rows * col for text in labels):
            break  # smaller, then on two staggered rows, before any label loses its digits
    row_h = int(label_size * 1.25)
    bar_bottom = box.bottom - strip_h - int(size * 2.6) - (rows - 1) * row_h
    chosen = int(env["s"]) if "s" in env else None
    items.append(
        Text(
            box.x,
            box.y,
            "p" + ("" if "u" not in env else "  and u on its running sum"),
            theme.size("small"),
            theme.dim,
            tag="bars-title",
        )
    )
    for i, value in enumerate(p):
        x = round(box.x + i * col)
        w = max(2, round(col * 0.7))
        h = round((bar_bottom - bar_top) * max(0.0, min(1.0, value)))
        color = theme.result if i == chosen else theme.positive
        items.append(Rect(x, bar_bottom - h, w, h, color, None, tag=f"pbar:{i}"))
        items.append(
            Text(
                x + w // 2,
                bar_bottom + 2 + (i % rows) * row_h,
                fit(labels[i], round(rows * col) - gap, label_size, measure),
                label_size,
                theme.text,
                anchor="midtop",
                tag=f"pbar-label:{i}",
            )
        )
    # The running sum: segment i spans cumsum(p)[i-1]..cumsum(p)[i]; u falls in exactly one.
    y = box.bottom - strip_h
    edges = np.concatenate([[0.0], np.cumsum(p)])
    for i in range(n):
        x0 = round(box.x + box.w * edges[i])
        x1 = round(box.x + box.w * min(1.0, edges[i + 1]))
        fill = theme.result if i == chosen else theme.blank if i % 2 else theme.border
        items.append(Rect(x0, y, max(1, x1 - x0), strip_h, fill, theme.panel, 1, tag=f"cumsum:{i}"))
        if x1 - x0 >= measure(visible(vocab[i], vocab), size, "mono", False) + 4:
            items.append(
                Text(
                    (x0 + x1) // 2,
                    y + strip_h // 2,
                    visible(vocab[i], vocab),
                    size,
                    theme.text,
                    font="mono",
                    anchor="center",
                    tag=f"cumsum-label:{i}",
                )
            )
    if "u" in env:
        u = float(env["u"])
        x = round(box.x + box.w * u)
        items.append(Line(x, y - int(size * 1.2), x, box.bottom, theme.text, theme.px(3), tag="u-mark"))
        anchor = "midright" if u > 0.5 else "midleft"
        items.append(
            Text(
                x + (-theme.px(6) if u > 0.5 else theme.px(6)),
                y - int(size * 0.7),
                f"u = {u:.3f}",
                size,
                theme.text,
                bold=True,
                anchor=anchor,
                tag="u-label",
            )
        )
    return items


def build_sample_timeline(frame: Frame, box: Box, theme: Theme, measure: Measure) -> list[Primitive]:
    """In the sample pass the timeline shows the prime and what the model wrote, one column
    a symbol; symbols not drawn yet at the cursor are blank."""
    items: list[Primitive] = [Rect(box.x, box.y, box.w, box.h, theme.panel, theme.border, 1, tag="timeline")]
    sample = frame.trace.sample
    assert sample is not None
    size = theme.size("text")
    label_w = theme.px(130)
    items.append(
        Text(
            box.x + theme.px(10),
            box.y + box.h // 2,
            "written",
            theme.size("small"),
            theme.dim,
            anchor="midleft",
        )
    )
    symbols, newest = written(frame)
    total = len(sample.prime) + len(sample.symbols)
    col = (box.w - label_w - theme.px(8)) / max(1, total)
    for k in range(total):
        x = round(box.x + label_w + k * col)
        w = max(1, round(col))
        prime = k < len(sample.prime)
        if prime:
            items.append(
                Rect(x, box.y + theme.px(8), w - 2, box.h - theme.px(16), theme.blank, None, tag=f"prime:{k}")
            )
        if k < len(symbols):
            color = theme.result if k == newest else theme.dim if prime else theme.text
            vocab = frame.trace.vocab
            text = fit(visible(vocab[symbols[k]], vocab), w, size, measure, "mono")
            items.append(
                Text(
                    x + w // 2,
                    box.y + box.h // 2,
                    text,
                    size,
                    color,
                    font="mono",
                    anchor="center",
                    tag=f"symbol:{k}",
                )
            )
        t = k - len(sample.prime)
        if t == frame.step.t:
            items.append(
                Rect(x, box.y + 2, w - 2, box.h - 4, None, theme.result, theme.px(3), tag="timeline-now")
            )
        if t >= 0:
            items.append(Hotspot(x, box.y, w, box.h, "timestep", str(t)))
    return items
