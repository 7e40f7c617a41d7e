"""Files: every file the app and the CLI write (PNG, GIF, npz, trace JSON, frames) goes
to a temporary name and is renamed; a missing or read-only folder, or a disk that fills
up half-way, gives one clear line (the CLI: non-zero exit; the window: the status bar),
never a traceback; nothing existing is replaced without --overwrite; and no temporary
file is left behind."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pygame
import pytest
from test_event_storm import key_event

from stepper.app import App
from stepper.cli import main

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "lessons" / "hello.yaml"  # the shortest pass: quick to export
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
SMALL = ["--size", "640x360"]


def temporaries(folder: Path) -> list[Path]:
    """What atomic_write leaves if it fails to clean up: .NAME.*.tmp.EXT"""
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob(".*") if ".tmp" in p.name]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def readonly(tmp_path):
    """A folder nobody can write in, with one file in it. Root ignores permission bits, so
    as root the folder is made immutable (chattr +i), which stops root too."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    (folder / "keep.txt").write_text("the teacher's file\n")
    root = os.geteuid() == 0
    chattr = shutil.which("chattr")
    if root and chattr:
        made = subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0
    elif root:
        made = False
    else:
        folder.chmod(0o555)
        made = True
    try:
        if made:
            try:
                fd, name = tempfile.mkstemp(dir=folder)
            except OSError:
                pass
            else:
                os.close(fd)
                os.unlink(name)
                made = False
        if not made:
            reason = "cannot make a read-only folder here (root without a working chattr +i)"
            if IN_CI:
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
        yield folder
    finally:
        if root and chattr:
            subprocess.run([chattr, "-i", str(folder)], capture_output=True)
        else:
            folder.chmod(0o755)


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, f"expected one line:\n{text}"
    return lines[0]


def cli(capsys, *args: str) -> tuple[int, str]:
    """main() in this process, as `python main.py hello.yaml ARGS` would run it."""
    capsys.readouterr()
    status = main([str(LESSON), *args])
    captured = capsys.readouterr()
    return status, captured.err


EXPORTS = {
    "trace": (["--export-trace"], "out.json"),
    "weights": (["--export-weights"], "out.npz"),
    "screenshot": (["--screenshot"], "out.png"),
    "gif": (["--export-gif"], "out.gif"),
}


def export_args(kind: str, target: Path) -> list[str]:
    flags, _ = EXPORTS[kind]
    extra = SMALL if kind in ("screenshot", "gif") else []
    return [*flags, str(target), *extra]


# ----- the command line ------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*EXPORTS, "frames"])
def test_cli_into_a_missing_folder(tmp_path, capsys, kind):
    missing = tmp_path / "no" / "such" / "folder"
    if kind == "frames":  # a frames folder is made, parents and all
        status, err = cli(capsys, "--export-frames", str(missing), *SMALL)
        assert status == 0 and err == "" and len(list(missing.glob("frame-*.png"))) > 0
        assert not temporaries(missing)
        return
    target = missing / EXPORTS[kind][1]
    status, err = cli(capsys, *export_args(kind, target))
    line = one_line(err)
    assert status == 1 and line.startswith("error: ") and "does not exist" in line, line
    assert not (tmp_path / "no").exists(), "nothing made"


@pytest.mark.parametrize("kind", [*EXPORTS, "frames"])
def test_cli_into_a_readonly_folder(readonly, capsys, kind):
    before = snapshot(readonly)
    if kind == "frames":
        status, err = cli(capsys, "--export-frames", str(readonly / "frames"), *SMALL)
    else:
        status, err = cli(capsys, *export_args(kind, readonly / EXPORTS[kind][1]))
    line = one_line(err)
    assert status == 1 and line.startswith("error: ") and str(readonly) in line, line
    assert "cannot" in line or "could not" in line, line
    assert snapshot(readonly) == before and not temporaries(readonly)


@pytest.mark.parametrize("kind", EXPORTS)
def test_cli_never_replaces_a_file_without_overwrite(tmp_path, capsys, kind):
    target = tmp_path / EXPORTS[kind][1]
    target.write_bytes(b"the teacher's own file")
    status, err = cli(capsys, *export_args(kind, target))
    line = one_line(err)
    assert status == 1 and "already exists" in line and "--overwrite" in line, line
    assert target.read_bytes() == b"the teacher's own file"
    status, err = cli(capsys, *export_args(kind, target), "--overwrite")
    assert status == 0, err
    assert target.read_bytes() != b"the teacher's own file"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask, "an ordinary file, not mkstemp's 0600"
    assert not temporaries(tmp_path)


def test_cli_frames_into_a_folder_with_files(tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL)
    assert status == 1 and "not empty" in one_line(err) and "--overwrite" in err
    assert snapshot(folder) == {"notes.txt": b"mine"}
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--overwrite")
    assert status == 0 and (folder / "notes.txt").read_text() == "mine"
    assert len(list(folder.glob("frame-*.png"))) > 1 and not temporaries(folder)


@pytest.mark.parametrize("kind", ["trace", "weights", "screenshot"])
def test_cli_rename_that_fails_leaves_no_temporary(tmp_path, capsys, kind):
    """--overwrite onto a folder of that name: the temporary file is written in full, the
    rename fails, and the temporary file is removed."""
    target = tmp_path / EXPORTS[kind][1]
    target.mkdir()
    (target / "inside.txt").write_text("kept")
    status, err = cli(capsys, *export_args(kind, target), "--overwrite")
    line = one_line(err)
    assert status == 1 and line.startswith("error: ") and str(target) in line, line
    assert (target / "inside.txt").read_text() == "kept"
    assert not temporaries(tmp_path)


def disk_full(monkeypatch, method: str) -> None:
    """The disk fills up half-way through writing the temporary file."""
    original = getattr(Path, method)

    def write(self, data, *args, **kwargs):
        original(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, method, write)


@pytest.mark.parametrize(
    "kind,method", [("trace", "write_text"), ("weights", "write_bytes"), ("gif", "write_bytes")]
)
def test_cli_disk_full_half_way(tmp_path, capsys, monkeypatch, kind, method):
    disk_full(monkeypatch, method)
    target = tmp_path / EXPORTS[kind][1]
    status, err = cli(capsys, *export_args(kind, target))
    line = one_line(err)
    assert status == 1 and "No space left" in line, line
    assert not target.exists() and not temporaries(tmp_path)


def test_cli_in_a_real_process_prints_one_line(readonly):
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), str(LESSON), "--export-trace", str(readonly / "t.json")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "cannot write in" in one_line(done.stderr)


# ----- the window: S and G ---------------------------------------------------------------


@pytest.fixture
def window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = App(LESSON, size=(640, 360))
    while getattr(app, "opening", None) is not None:
        app.tick(0.016)
    app.render()
    yield app
    pygame.display.quit()


def press(app: App, *names: str) -> None:
    for name in names:
        pygame.event.post(key_event(name))
    for event in pygame.event.get():
        app.handle(event)
    app.render()
    assert app.running


def test_s_and_g_into_a_missing_folder(window, tmp_path):
    missing = tmp_path / "gone"
    assert window.save_png(missing) is None
    assert "does not exist" in window.state.message and str(missing) in window.state.message
    assert window.save_gif(missing) is None
    assert "does not exist" in window.state.message
    assert not missing.exists()
    press(window, "right", "s")  # and the window goes on (S into the working folder works)
    assert window.state.message.startswith("saved rnn-stepper-")


def test_s_and_g_into_a_readonly_folder(window, readonly):
    before = snapshot(readonly)
    assert window.save_png(readonly) is None
    assert "cannot write in" in window.state.message
    assert window.save_gif(readonly) is None
    assert "cannot write in" in window.state.message
    assert snapshot(readonly) == before and not temporaries(readonly)
    press(window, "right", "b", "end")


def test_s_and_g_keys_when_the_working_folder_was_deleted(window, tmp_path, monkeypatch):
    gone = tmp_path / "stick"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # the USB stick the app was started from is pulled
    press(window, "s")
    assert "working folder is gone" in window.state.message
    press(window, "g")
    assert "working folder is gone" in window.state.message
    press(window, "right", "left")


def test_s_never_overwrites(window, tmp_path):
    first = tmp_path / "rnn-stepper-001.png"
    first.write_bytes(b"a picture the teacher saved yesterday")
    press(window, "s")
    assert first.read_bytes() == b"a picture the teacher saved yesterday"
    assert (tmp_path / "rnn-stepper-002.png").exists() and "rnn-stepper-002.png" in window.state.message


def test_s_and_g_disk_full_half_way(window, tmp_path, monkeypatch):
    real_save = pygame.image.save

    def save(surface, name, *args):
        real_save(surface, name, *args)
        Path(name).write_bytes(Path(name).read_bytes()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)

    monkeypatch.setattr(pygame.image, "save", save)
    press(window, "s")
    assert "No space left" in window.state.message
    disk_full(monkeypatch, "write_bytes")
    press(window, "g")
    assert "No space left" in window.state.message
    assert not list(tmp_path.glob("rnn-stepper-*")) and not temporaries(tmp_path)
    press(window, "right")
