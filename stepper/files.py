"""Writing files so nothing the user made is lost: temp name, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputError(Exception):
    """A file could not be written; the message says which and why, for the user."""


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], None], overwrite: bool = False
) -> Path:
    """Call `write(tmp)` to fill a temporary file beside `path`, then rename it into place.

    An existing file is kept unless `overwrite` is set; a failure leaves no partial file.
    """
    target = Path(path)
    tmp = _claim_temporary(target, overwrite)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; saved files are ordinary files
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{target}: could not be written ({exc.strerror or exc})") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def ready_to_write(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Fail now, with the message atomic_write would give, before slow work (a GIF) is done."""
    target = Path(path)
    _claim_temporary(target, overwrite).unlink()
    return target


def _claim_temporary(target: Path, overwrite: bool) -> Path:
    """An empty temporary file beside `target`, after checking that `target` may be written."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.exists() and not overwrite:
        raise OutputError(f"{target}: already exists; pass --overwrite to replace it")
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {folder} ({exc.strerror})") from None
    os.close(fd)
    return Path(tmp_name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite)


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """The first `stem-NNN.suffix` not taken yet: the app's own saves never overwrite."""
    for n in range(1, 100_000):
        candidate = folder / f"{stem}-{n:03d}{suffix}"
        if not candidate.exists():
            return candidate
    raise OutputError(f"{folder}: no free file name for {stem}")
