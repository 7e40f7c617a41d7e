"""Files: every file the app and the CLI write (PNG, GIF, npz, trace JSON, frames) goes
to a temporary name and is renamed; a missing or read-only folder, or a disk that fills
up half-way, gives one clear line (the CLI: non-zero exit; the window: the status bar),
never a traceback; nothing existing is replaced without --overwrite; and no temporary
file is left behind."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import pygame
import pytest
from test_event_storm import key_event

from stepper.app import App
from stepper.cli import main
from stepper.files import OutputError, atomic_write

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
    """A frames folder holds one export: --overwrite replaces frames, never other files."""
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL)
    assert status == 1 and "not empty" in one_line(err) and "--overwrite" in err
    assert snapshot(folder) == {"notes.txt": b"mine"}
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--overwrite")
    assert status == 1 and "notes.txt" in one_line(err), err
    assert snapshot(folder) == {"notes.txt": b"mine"}


def test_cli_frames_overwrite_leaves_exactly_one_export(tmp_path, capsys):
    folder = tmp_path / "frames"
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--pass", "backward")
    longer = sorted(p.name for p in folder.iterdir())
    assert status == 0 and len(longer) > 1, err
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--sequence", "h,e", "--overwrite")
    shorter = sorted(p.name for p in folder.iterdir())
    assert status == 0, err
    assert len(shorter) < len(longer) and shorter == [
        f"frame-{k:04d}.png" for k in range(1, len(shorter) + 1)
    ]


def test_cli_frames_every_and_the_cap(tmp_path, capsys):
    folder = tmp_path / "every"
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--pass", "backward", "--every", "5")
    names = sorted(p.name for p in folder.iterdir())
    assert status == 0 and names[0] == "frame-0001.png" and names[1] == "frame-0006.png", (err, names)
    status, err = cli(capsys, "--export-frames", str(tmp_path / "all"), *SMALL, "--pass", "backward")
    every = len(list((tmp_path / "all").iterdir()))
    assert len(names) == -(-every // 5) + ((every - 1) % 5 != 0), "every 5th step, and the last"


def test_cli_frames_refuses_a_pass_past_the_cap_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("stepper.headless.MAX_FRAMES", 10)

    def no_training(*args):
        raise AssertionError("trained before refusing")

    monkeypatch.setattr("stepper.app.training", no_training)
    folder = tmp_path / "long"
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--pass", "backward")
    line = one_line(err)
    assert status == 1 and "--every" in line and "at most 10 frames" in line, line
    assert not folder.exists() or not any(folder.iterdir())


def test_cli_frames_given_an_existing_file(tmp_path, capsys):
    plain = tmp_path / "frames.png"
    plain.write_bytes(b"a picture")
    for extra in ([], ["--overwrite"]):
        status, err = cli(capsys, "--export-frames", str(plain), *SMALL, *extra)
        assert status == 1 and "is not a folder" in one_line(err)
    assert plain.read_bytes() == b"a picture"


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


# ----- --overwrite onto what is not a regular file ----------------------------------------


def special_files(folder: Path, suffix: str) -> dict[str, Path]:
    """A FIFO, a socket, a folder, a character device (as root: a copy of /dev/null's
    numbers, made here, never the system's own) and dangling/device symlinks."""
    made = {}
    fifo = folder / f"pipe{suffix}"
    os.mkfifo(fifo)
    made["fifo"] = fifo
    sock = folder / f"sock{suffix}"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    made["socket"] = sock
    made["folder"] = folder / f"dir{suffix}"
    made["folder"].mkdir()
    if os.geteuid() == 0:
        dev = folder / f"null{suffix}"
        os.mknod(dev, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        made["device"] = dev
        made["link-to-device"] = folder / f"devlink{suffix}"
        made["link-to-device"].symlink_to(dev)
    made["link-to-fifo"] = folder / f"fifolink{suffix}"
    made["link-to-fifo"].symlink_to(fifo)
    made["dangling-link"] = folder / f"dangling{suffix}"
    made["dangling-link"].symlink_to(folder / "nothing-here")
    return made


def kinds_of(paths: dict[str, Path]) -> dict[str, tuple[int, bool]]:
    return {k: (stat.S_IFMT(os.lstat(p).st_mode), os.path.islink(p)) for k, p in paths.items()}


@pytest.mark.parametrize("kind", ["trace", "weights", "screenshot", "gif"])
def test_overwrite_refuses_special_files_and_leaves_them_as_they_were(tmp_path, capsys, kind):
    targets = special_files(tmp_path, Path(EXPORTS[kind][1]).suffix)
    before = kinds_of(targets)
    for name, target in targets.items():
        status, err = cli(capsys, *export_args(kind, target), "--overwrite")
        line = one_line(err)
        assert status == 1 and line.startswith("error: ") and str(target) in line, (name, line)
        assert "regular file" in line or "leads to no file" in line, (name, line)
    assert kinds_of(targets) == before, "every node is still what it was"
    if "device" in targets:
        assert stat.S_ISCHR(os.stat(targets["device"]).st_mode)
    assert not temporaries(tmp_path)


def test_overwrite_writes_through_a_symlink_to_a_regular_file(tmp_path, capsys):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    status, err = cli(capsys, "--export-trace", str(link))
    assert status == 1 and "already exists" in one_line(err) and real.read_text() == "old"
    status, err = cli(capsys, "--export-trace", str(link), "--overwrite")
    assert status == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real), "the link itself is kept"
    assert json.loads(real.read_text())["cell"] == "rnn" and not temporaries(tmp_path)


def test_export_frames_refuses_special_files_among_old_frames(tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    os.mkfifo(folder / "frame-0001.png")
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--overwrite")
    assert status == 1 and "frame-0001.png" in one_line(err)
    assert stat.S_ISFIFO(os.lstat(folder / "frame-0001.png").st_mode)


# ----- two writers at once -----------------------------------------------------------------


@pytest.mark.parametrize("writers", [2, 8])
def test_concurrent_writes_without_overwrite_have_one_winner(tmp_path, writers):
    """Every writer has its temporary file ready before any places it (a barrier), so
    they race at the very step that must be atomic."""
    target = tmp_path / "out.json"
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []

    def write(n: int) -> None:
        def fill(tmp: Path) -> None:
            tmp.write_text(f"writer {n}\n")
            barrier.wait(timeout=30)

        try:
            atomic_write(target, fill)
            outcomes.append(f"wrote {n}")
        except OutputError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("wrote")]
    assert len(winners) == 1, outcomes
    assert all("already exists" in o for o in outcomes if not o.startswith("wrote"))
    assert target.read_text() == f"writer {winners[0].split()[1]}\n"
    assert not temporaries(tmp_path)


def test_concurrent_cli_exports_in_real_processes_have_one_winner(tmp_path):
    target = tmp_path / "race.json"
    command = [sys.executable, str(ROOT / "main.py"), str(LESSON), "--export-trace", str(target)]
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)
    ]
    results = [(p.wait(timeout=120), p.stdout.read().decode(), p.stderr.read().decode()) for p in runs]
    for p in runs:
        p.stdout.close()
        p.stderr.close()
    assert sorted(r[0] for r in results) == [0, 1, 1], results
    assert all("already exists" in one_line(err) for status, _, err in results if status)
    assert json.loads(target.read_text())["cell"] == "rnn" and not temporaries(tmp_path)


def test_no_replace_falls_back_to_an_exclusive_create_without_hard_links(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "out.txt"
    atomic_write(target, lambda tmp: tmp.write_text("first"))
    with pytest.raises(OutputError, match="already exists"):
        atomic_write(target, lambda tmp: tmp.write_text("second"))
    assert target.read_text() == "first" and not temporaries(tmp_path)


# ----- names and other OS errors ----------------------------------------------------------


@pytest.mark.parametrize("kind", [*EXPORTS, "frames"])
def test_names_too_long_are_one_line(tmp_path, capsys, kind):
    long = "x" * 300
    if kind == "frames":
        status, err = cli(capsys, "--export-frames", str(tmp_path / long), *SMALL)
    else:
        status, err = cli(capsys, *export_args(kind, tmp_path / (long + Path(EXPORTS[kind][1]).suffix)))
    line = one_line(err)
    assert status == 1 and line.startswith("error: "), line
    assert list(tmp_path.iterdir()) == []


def test_a_name_just_under_the_limit_is_written(tmp_path, capsys):
    target = tmp_path / ("y" * 250 + ".json")
    status, err = cli(capsys, "--export-trace", str(target))
    assert status == 0, err
    assert target.exists() and not temporaries(tmp_path)


def test_output_through_a_file_used_as_a_folder_is_one_line(tmp_path, capsys):
    plain = tmp_path / "plain"
    plain.write_text("a file")
    status, err = cli(capsys, "--export-trace", str(plain / "t.json"))
    assert status == 1 and one_line(err).startswith("error: ")


# ----- FIFOs and other non-regular files as inputs ----------------------------------------


def test_a_fifo_as_lesson_or_weights_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "lesson.yaml"
    os.mkfifo(fifo)
    assert main([str(fifo), "--export-trace", str(tmp_path / "t.json")]) == 1
    assert "FIFO" in one_line(capsys.readouterr().err)
    weights = tmp_path / "w.npz"
    os.mkfifo(weights)
    status = main([str(LESSON), "--export-trace", str(tmp_path / "t.json"), "--weights", str(weights)])
    assert status == 1 and "FIFO" in one_line(capsys.readouterr().err)


def test_links_to_fifos_and_devices_as_inputs_are_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "lesson.yaml"
    link.symlink_to(fifo)
    assert main([str(link), "--export-trace", str(tmp_path / "t.json")]) == 1
    assert "FIFO" in one_line(capsys.readouterr().err)
    for device in ("/dev/zero", "/dev/null"):
        if not os.path.exists(device):
            continue
        status = main([str(LESSON), "--export-trace", str(tmp_path / "t.json"), "--weights", device])
        assert status == 1 and "device" in one_line(capsys.readouterr().err)
        assert main([device, "--export-trace", str(tmp_path / "t.json")]) == 1
        assert "device" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "t.json").exists()


def test_check_with_a_fifo_among_the_lessons_does_not_stall(tmp_path):
    fifo = tmp_path / "stuck.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--check", str(fifo), str(LESSON), "/dev/null"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and len(lines) == 3, done
    assert "FIFO" in lines[0] and ": ok" in lines[1] and "device" in lines[2]


def test_an_image_library_failure_is_one_line(tmp_path, capsys, monkeypatch):
    def broken(surface, name, *args):
        raise pygame.error("JPEG support not built in")

    monkeypatch.setattr(pygame.image, "save", broken)
    status, err = cli(capsys, "--screenshot", str(tmp_path / "x.jpg"), *SMALL)
    line = one_line(err)
    assert status == 1 and "JPEG support" in line and str(tmp_path / "x.jpg") in line, line
    assert list(tmp_path.iterdir()) == []


def test_a_long_frames_export_keeps_the_views_memory_flat(monkeypatch):
    """Each op of a pass is drawn once, in order: the views' memos are cleared as it goes
    (measured: 1280x720, hidden 64, 301 frames 326 MB -> 234 MB, 901 frames 512 -> 241 MB)."""
    from stepper import headless
    from stepper.navigation import at_step
    from stepper.views import screen

    monkeypatch.setattr(headless, "FORGET_EVERY", 4)
    app = App(LESSON, size=(640, 360), headless=True)
    trace = app.trace_of(app.state)
    base = replace(app.state, cursor=at_step(trace, "backward", 0))
    sizes = []
    ops = list(range(len(trace.phase_range("backward"))))
    for _ in headless.pass_frames(app, base, trace, "backward", ops=ops):
        sizes.append(len(screen._MEMO))
    assert len(sizes) == len(ops) > 12
    per_frame = max(1, sizes[0])
    assert max(sizes) <= 4 * per_frame + per_frame, sizes


def test_two_frame_exports_into_one_folder_do_not_mix(tmp_path, capsys, monkeypatch):
    """Another export fills the folder while this one trains: this one refuses and leaves
    the other's frames; a folder held by a running export (its lock) is refused too."""
    import stepper.app as app_module

    folder = tmp_path / "frames"
    real_init = app_module.App.__init__

    def meanwhile(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        folder.mkdir(exist_ok=True)
        (folder / "frame-0001.png").write_bytes(b"the other export's frame")

    monkeypatch.setattr(app_module.App, "__init__", meanwhile)
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL)
    assert status == 1 and "not empty" in one_line(err)
    assert snapshot(folder) == {"frame-0001.png": b"the other export's frame"}
    monkeypatch.setattr(app_module.App, "__init__", real_init)
    (folder / ".rnn-stepper-writing").write_bytes(b"")
    for extra in ([], ["--overwrite"]):
        status, err = cli(capsys, "--export-frames", str(folder), *SMALL, *extra)
        assert status == 1 and "another export" in one_line(err)
    (folder / ".rnn-stepper-writing").unlink()
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL, "--overwrite")
    assert status == 0 and not (folder / ".rnn-stepper-writing").exists(), "the lock is removed"
    assert (folder / "frame-0001.png").read_bytes().startswith(b"\x89PNG")


def test_a_frames_export_that_fails_half_way_releases_its_folder(tmp_path, capsys, monkeypatch):
    import stepper.app as app_module

    real = app_module.save_surface
    saved = []

    def fill_up(surface, path, overwrite=False):
        if len(saved) == 2:
            raise OutputError(f"{path}: could not be written (No space left on device)")
        saved.append(path)
        return real(surface, path, overwrite)

    monkeypatch.setattr(app_module, "save_surface", fill_up)
    folder = tmp_path / "frames"
    status, err = cli(capsys, "--export-frames", str(folder), *SMALL)
    assert status == 1 and "No space left" in one_line(err)
    assert not (folder / ".rnn-stepper-writing").exists() and not temporaries(folder)


def test_s_and_g_take_the_next_name_when_another_window_takes_theirs(window, tmp_path, monkeypatch):
    """Two windows in one folder press S at once: the name free_name offered is taken
    before the link; the save goes to the next free name, never onto the other's file."""
    import stepper.files as files

    real = files.free_name
    calls = []

    def racing(folder, stem, suffix):
        path = real(folder, stem, suffix)
        if not calls:  # the other window saves under this very name first
            path.write_bytes(b"the other window's picture")
        calls.append(path)
        return path

    monkeypatch.setattr(files, "free_name", racing)
    press(window, "s")
    first = tmp_path / "rnn-stepper-001.png"
    assert first.read_bytes() == b"the other window's picture"
    assert (tmp_path / "rnn-stepper-002.png").read_bytes().startswith(b"\x89PNG")
    assert window.state.message == "saved rnn-stepper-002.png"
    calls.clear()
    press(window, "g")
    assert "saved rnn-stepper-00" in window.state.message and ".gif" in window.state.message
    gifs = sorted(p.name for p in tmp_path.glob("*.gif"))
    assert len(gifs) == 2 and (tmp_path / gifs[0]).read_bytes() == b"the other window's picture"
