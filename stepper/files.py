"""Writing files so nothing the user made is lost: temp name, then an atomic link or rename;
reading only regular files, so a FIFO or a device never blocks or floods the app."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The longest file name (one path component) most file systems take, in bytes.
NAME_MAX = 255


class OutputError(Exception):
    """A file could not be written; the message says which and why, for the user."""


class ExistsError(OutputError):
    """Something is already at the target, and replacing was not asked for."""


class InputError(Exception):
    """A file could not be read; the message says why (the caller names the file)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.errno = code  # the OSError's errno, when there was one


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], None], overwrite: bool = False
) -> Path:
    """Call `write(tmp)` to fill a temporary file beside `path`, then put it in place.

    Without `overwrite` the temporary file is hard-linked to `path`, which fails if
    anything is there, even a file another process made a moment ago; with it, only a
    regular file is replaced (a symbolic link to a regular file is written through: the
    file it points to is replaced and the link kept). A failure leaves no partial file.
    """
    shown = Path(path)
    target = _writable_target(shown, overwrite)
    tmp = _claim_temporary(shown, target)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; saved files are ordinary files
        if overwrite:
            _writable_target(shown, overwrite)  # still a regular file (or nothing) just before
            os.replace(tmp, target)
        else:
            _place_new(tmp, target, shown)
    except OSError as exc:
        raise OutputError(f"{shown}: could not be written ({exc.strerror or exc})") from None
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()
    return shown


def ready_to_write(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Fail now, with the message atomic_write would give, before slow work (a GIF) is done."""
    shown = Path(path)
    _claim_temporary(shown, _writable_target(shown, overwrite)).unlink()
    return shown


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _writable_target(shown: Path, overwrite: bool) -> Path:
    """The path to write: `shown`, or for a symbolic link with --overwrite, the regular
    file it points to. Anything else already there is refused."""
    name_bytes = len(os.fsencode(shown.name))
    if name_bytes > NAME_MAX:
        raise OutputError(
            f"{shown}: the file name is {name_bytes} bytes; at most {NAME_MAX}, use a shorter name"
        )
    try:
        info = os.lstat(shown)
    except FileNotFoundError:
        return shown
    except OSError as exc:
        raise OutputError(f"{shown}: cannot be written ({exc.strerror or exc})") from None
    if not overwrite:
        raise ExistsError(f"{shown}: already exists; pass --overwrite to replace it")
    if stat.S_ISREG(info.st_mode):
        return shown
    if stat.S_ISLNK(info.st_mode):
        real = Path(os.path.realpath(shown))
        try:
            pointed = os.stat(real).st_mode
        except OSError:
            raise OutputError(
                f"{shown}: a symbolic link that leads to no file; give the path of a file instead"
            ) from None
        if stat.S_ISREG(pointed):
            return real
        raise OutputError(f"{shown}: a symbolic link to {_kind(pointed)}; only regular files are replaced")
    raise OutputError(f"{shown}: {_kind(info.st_mode)}; --overwrite replaces only regular files")


def _place_new(tmp: Path, target: Path, shown: Path) -> None:
    """Put `tmp` at `target` only if nothing is there, atomically (a hard link, which fails
    with EEXIST); where links are unsupported, an exclusive create and a copy."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise ExistsError(f"{shown}: already exists; pass --overwrite to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise ExistsError(f"{shown}: already exists; pass --overwrite to replace it") from None
    try:
        with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    except OSError:
        os.unlink(target)  # ours: made by O_EXCL above
        raise


def _claim_temporary(shown: Path, target: Path) -> Path:
    """An empty temporary file beside `target`, after checking its folder."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{shown}: the folder {folder} does not exist")
    stem = target.stem[:64]  # the temporary name must fit NAME_MAX too
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".tmp{target.suffix[:16]}", dir=folder)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write in {folder} ({exc.strerror})") from None
    os.close(fd)
    return Path(tmp_name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite)


def save_new(folder: Path, stem: str, suffix: str, save: Callable[[Path], Path]) -> Path:
    """The app's own saves: `save(path)` under the first free `stem-NNN.suffix`; if another
    window or process takes that name first (save refuses to replace it), the next one."""
    for _ in range(100):
        try:
            return save(free_name(folder, stem, suffix))
        except ExistsError:
            continue
    raise OutputError(f"{folder}: no free file name for {stem}")


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """The first `stem-NNN.suffix` not taken yet: the app's own saves never overwrite."""
    for n in range(1, 100_000):
        candidate = folder / f"{stem}-{n:03d}{suffix}"
        if not os.path.lexists(candidate):
            return candidate
    raise OutputError(f"{folder}: no free file name for {stem}")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """Up to `limit` + 1 bytes of a regular file. The file is opened without blocking (a FIFO
    would wait for a writer forever) and checked with fstat after opening, so what is
    checked is what is read. InputError says why not, without the path (the caller's
    message names the file)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), exc.errno) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):
            raise InputError(f"{_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
