"""A small reader for X Window Dump files (what `xwd -root -silent` writes), so the
real-window test needs x11-apps and numpy only, no image library.

The format: a header of CARD32 fields (big-endian, as xwd writes it), the window
name, `ncolors` 12-byte XColor entries, then the pixels, `bytes_per_line` per row.
Only TrueColor/DirectColor ZPixmaps of 24 or 32 bits per pixel are read: what an
Xvfb screen of depth 24 gives.
"""

from __future__ import annotations

import struct

import numpy as np

HEADER_FIELDS = (
    "header_size",
    "file_version",
    "pixmap_format",
    "pixmap_depth",
    "pixmap_width",
    "pixmap_height",
    "xoffset",
    "byte_order",
    "bitmap_unit",
    "bitmap_bit_order",
    "bitmap_pad",
    "bits_per_pixel",
    "bytes_per_line",
    "visual_class",
    "red_mask",
    "green_mask",
    "blue_mask",
    "bits_per_rgb",
    "colormap_entries",
    "ncolors",
    "window_width",
    "window_height",
    "window_x",
    "window_y",
    "window_bdrwidth",
)
XWD_FILE_VERSION = 7
Z_PIXMAP = 2
TRUE_COLOR, DIRECT_COLOR = 4, 5
XCOLOR_BYTES = 12


class XwdError(ValueError):
    """Not an XWD file this reader understands."""


def header(data: bytes) -> dict[str, int]:
    size = 4 * len(HEADER_FIELDS)
    if len(data) < size:
        raise XwdError(f"{len(data)} bytes: too short for an XWD header")
    values = struct.unpack(f">{len(HEADER_FIELDS)}I", data[:size])
    head = dict(zip(HEADER_FIELDS, values, strict=True))
    if head["file_version"] != XWD_FILE_VERSION:
        raise XwdError(f"XWD version {head['file_version']}, expected {XWD_FILE_VERSION}")
    return head


def _shift(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def read_xwd(data: bytes) -> np.ndarray:
    """The image as an (height, width, 3) uint8 RGB array."""
    head = header(data)
    if head["pixmap_format"] != Z_PIXMAP:
        raise XwdError(f"pixmap format {head['pixmap_format']}, only ZPixmap ({Z_PIXMAP}) is read")
    if head["visual_class"] not in (TRUE_COLOR, DIRECT_COLOR):
        raise XwdError(f"visual class {head['visual_class']}: only TrueColor/DirectColor are read")
    bpp = head["bits_per_pixel"]
    if bpp not in (24, 32):
        raise XwdError(f"{bpp} bits per pixel: only 24 and 32 are read")
    w, h, stride = head["pixmap_width"], head["pixmap_height"], head["bytes_per_line"]
    start = head["header_size"] + head["ncolors"] * XCOLOR_BYTES
    end = start + h * stride
    if len(data) < end:
        raise XwdError(f"{len(data)} bytes: the pixels need {end}")
    rows = np.frombuffer(data, dtype=np.uint8, count=h * stride, offset=start).reshape(h, stride)
    step = bpp // 8
    raw = rows[:, : w * step].reshape(h, w, step).astype(np.uint32)
    if head["byte_order"] == 0:  # LSBFirst: least significant byte first
        pixel = sum(raw[:, :, k] << (8 * k) for k in range(step))
    else:
        pixel = sum(raw[:, :, k] << (8 * (step - 1 - k)) for k in range(step))
    out = np.empty((h, w, 3), dtype=np.uint8)
    for channel, name in enumerate(("red_mask", "green_mask", "blue_mask")):
        mask = head[name]
        shift = _shift(mask)
        top = mask >> shift
        value = (pixel & mask) >> shift
        out[:, :, channel] = value if top == 255 else (value * 255 // max(1, top))
    return out
