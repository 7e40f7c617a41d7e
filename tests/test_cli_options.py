"""Option mixes: one action a run; every option's value checked whatever else is given;
an option the action does not use refused, not ignored; --step counts from 1 like the
status bar; --sequence in its three forms; --screenshot writes the format its extension
names; --check survives a console that cannot encode the lesson; a checkpoint that
training never reached is refused, never drawn as another. Each refusal: one line, exit
2 (a bad option) or 1 (the work could not be done), no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pygame
import pytest
from test_numeric_faults import break_training, write_lesson

from stepper import cli
from stepper.app import App, StartAt
from stepper.cli import main
from stepper.navigation import position
from stepper.scene import Text

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "lessons" / "hello.yaml"
SMALL = ["--size", "640x360"]


@pytest.fixture(autouse=True)
def _quit_display():
    yield
    pygame.display.quit()


def refused(capsys, argv: list[str], status: int = 2) -> str:
    capsys.readouterr()
    got = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == status and len(lines) == 1 and "Traceback" not in err, (got, err)
    return lines[0]


CONFLICTS = [
    ["--export-trace", "a.json", "--screenshot", "b.png"],
    ["--export-trace", "a.json", "--export-weights", "b.npz"],
    ["--screenshot", "a.png", "--export-gif", "b.gif"],
    ["--export-frames", "d", "--export-gif", "b.gif"],
    ["--check", str(HELLO), "--export-trace", "a.json"],
]


@pytest.mark.parametrize("argv", CONFLICTS, ids=lambda a: "+".join(x for x in a if x.startswith("--")))
def test_two_actions_at_once_are_refused(tmp_path, capsys, argv):
    argv = [str(tmp_path / a) if ("." in a and "/" not in a) or a == "d" else a for a in argv]
    lesson = [] if "--check" in argv else [HELLO]
    line = refused(capsys, [*lesson, *argv])
    assert "one action a run" in line, line
    assert list(tmp_path.iterdir()) == [], "nothing written"


BAD_VALUES = [
    (["--size", "1x1"], "--size"),
    (["--size", "big"], "--size"),
    (["--panels", "bogus"], "unknown panel"),
    (["--step", "0"], "count from 1"),
    (["--step", "-3"], "count from 1"),
    (["--every", "0"], "--every"),
    (["--sequence", ""], "empty"),
    (["--sequence", "  "], "empty"),
]


@pytest.mark.parametrize("bad,says", BAD_VALUES, ids=lambda v: str(v))
@pytest.mark.parametrize("action", ["--export-trace", "--screenshot", "--export-weights", "--check"])
def test_every_value_is_checked_whatever_the_action(tmp_path, capsys, bad, says, action):
    out = tmp_path / {"--export-trace": "t.json", "--screenshot": "s.png", "--export-weights": "w.npz"}.get(
        action, "x"
    )
    argv = [action, HELLO] if action == "--check" else [HELLO, action, out]
    line = refused(capsys, [*argv, *bad])
    assert says in line, line
    assert list(tmp_path.iterdir()) == []


UNUSED = [
    (["--export-trace", "t.json"], ["--size", "800x600"]),
    (["--export-trace", "t.json"], ["--panels", "heatmap"]),
    (["--export-trace", "t.json"], ["--step", "2"]),
    (["--export-trace", "t.json"], ["--pass", "backward"]),
    (["--export-weights", "w.npz"], ["--sequence", "h,e"]),
    (["--screenshot", "s.png"], ["--every", "2"]),
    (["--export-frames", "d"], ["--step", "2"]),
    (["--export-gif", "g.gif"], ["--step", "2"]),
    (["--screenshot", "s.png"], ["--weights", "w.npz"]),
    ([], ["--overwrite"]),
]


@pytest.mark.parametrize("action,option", UNUSED, ids=lambda v: "+".join(x for x in v if x.startswith("--")))
def test_an_option_the_action_does_not_use_is_refused(tmp_path, capsys, action, option):
    action = [a if a.startswith("--") else str(tmp_path / a) for a in action]
    line = refused(capsys, [HELLO, *action, *option])
    assert option[0] in line, line
    assert list(tmp_path.iterdir()) == []


def test_check_takes_its_files_after_it_and_no_window_options(capsys):
    assert "--check" in refused(capsys, [HELLO, "--check", HELLO])
    assert "--size" in refused(capsys, ["--check", HELLO, "--size", "800x600"])
    assert "--checkpoint" in refused(capsys, ["--check", HELLO, "--checkpoint", "trained"])


# ----- --step counts from 1 --------------------------------------------------------------


def test_step_counts_from_1_as_the_status_bar_does():
    """--step K opens on the op the status bar calls 'step K of n'."""
    args = cli.build_parser().parse_args([str(HELLO), "--step", "1", "--pass", "backward"])
    lesson = cli.load_lesson(HELLO)
    first = cli._start_at(args, lesson)
    app = App(HELLO, size=(1280, 720), start_at=first)
    assert position(app.state.cursor, app.trace_of(app.state))[0] == 1
    app.render()
    status = [t.text for t in app.scene.of(Text) if "step 1 of" in t.text]
    assert status, "the status bar says step 1"
    n = cli.pass_length(lesson, None, "backward")
    last = cli._start_at(
        cli.build_parser().parse_args([str(HELLO), "--step", str(n), "--pass", "backward"]), lesson
    )
    app = App(HELLO, size=(1280, 720), start_at=last)
    assert position(app.state.cursor, app.trace_of(app.state))[0] == n


def test_step_past_the_end_is_refused_for_the_window_and_the_screenshot(tmp_path, capsys):
    n = cli.pass_length(cli.load_lesson(HELLO), None, "forward")
    for argv in ([HELLO, "--step", n + 1], [HELLO, "--screenshot", tmp_path / "s.png", "--step", n + 1]):
        line = refused(capsys, argv)
        assert f"outside 1..{n}" in line, line
    assert main([str(HELLO), "--screenshot", str(tmp_path / "s.png"), "--step", str(n), *SMALL]) == 0


# ----- --sequence ------------------------------------------------------------------------


def sequence_of(tmp_path: Path, lesson: Path, text: str) -> list[int]:
    out = tmp_path / "t.json"
    out.unlink(missing_ok=True)
    assert main([str(lesson), "--export-trace", str(out), "--sequence", text]) == 0
    doc = json.loads(out.read_text())
    return [*doc["inputs"], doc["targets"][-1]]


def test_sequence_written_together_comma_separated_or_as_json(tmp_path):
    hello = [0, 1, 2, 2, 3]
    assert sequence_of(tmp_path, HELLO, "hello") == hello
    assert sequence_of(tmp_path, HELLO, "h,e,l,l,o") == hello
    assert sequence_of(tmp_path, HELLO, "h, e, l, l, o") == hello
    assert sequence_of(tmp_path, HELLO, '["h", "e", "l", "l", "o"]') == hello


def lesson_with_vocab(folder: Path, vocab: list[str]) -> Path:
    """A small lesson (the format of docs/lessons.md) over the given symbols."""
    path = folder / "vocab.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            title: Odd symbols
            summary: Symbols with commas, spaces and several characters.
            vocab: {json.dumps(vocab)}
            model: {{cell: rnn, hidden_size: 3, init_scale: 0.1, seed: 1}}
            data: {{pattern: {json.dumps(vocab)}}}
            training:
              optimizer: adagrad
              learning_rate: 0.1
              iterations: 20
              checkpoints: {{untrained: 0, trained: 20}}
            playback: {{sequence: {json.dumps(vocab)}}}
            """
        ),
        encoding="utf-8",
    )
    return path


def test_sequence_symbols_with_commas_and_spaces_need_json(tmp_path, capsys):
    lesson = lesson_with_vocab(tmp_path, ["h", "e,", "l l", "o"])
    assert sequence_of(tmp_path, lesson, '["h", "e,", "l l", "o", "h"]') == [0, 1, 2, 3, 0]
    x = tmp_path / "x.json"
    assert "unknown symbol 'e'" in refused(capsys, [lesson, "--export-trace", x, "--sequence", "h,e,,o"])
    assert "JSON" in refused(capsys, [lesson, "--export-trace", x, "--sequence", '["h", '])
    assert "strings" in refused(capsys, [lesson, "--export-trace", x, "--sequence", "[1, 2]"])


def test_a_bracket_symbol_written_together_is_not_taken_for_json(tmp_path):
    lesson = lesson_with_vocab(tmp_path, ["[", "]", "x"])
    assert sequence_of(tmp_path, lesson, "[x]") == [0, 2, 1]
    assert sequence_of(tmp_path, lesson, "[,x") == [0, 2]


def test_sequence_written_together_only_when_every_symbol_is_one_character(tmp_path, capsys):
    lesson = lesson_with_vocab(tmp_path, ["h", "e", "l", "oo"])
    x = tmp_path / "x.json"
    assert "unknown symbol 'hell'" in refused(capsys, [lesson, "--export-trace", x, "--sequence", "hell"])
    assert sequence_of(tmp_path, lesson, "h,e,l,oo") == [0, 1, 2, 3]
    assert "two symbols" in refused(capsys, [HELLO, "--export-trace", x, "--sequence", "h"])
    assert "unknown symbol ' '" in refused(capsys, [HELLO, "--export-trace", x, "--sequence", "he llo"])


# ----- --screenshot formats ----------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix,magic", [(".png", b"\x89PNG"), (".jpg", b"\xff\xd8"), (".JPEG", b"\xff\xd8"), (".bmp", b"BM")]
)
def test_screenshot_writes_the_format_its_extension_names(tmp_path, suffix, magic):
    out = tmp_path / f"shot{suffix}"
    assert main([str(HELLO), "--screenshot", str(out), *SMALL]) == 0
    assert out.read_bytes().startswith(magic)


def test_screenshot_tga(tmp_path):
    out = tmp_path / "shot.tga"
    assert main([str(HELLO), "--screenshot", str(out), *SMALL]) == 0
    data = out.read_bytes()
    assert data[2] in (2, 10) and int.from_bytes(data[12:14], "little") == 640, "a true-colour TGA, 640 wide"


@pytest.mark.parametrize("name", ["x.gif", "x.webp", "x.txt", "x", "x.png.bak"])
def test_screenshot_refuses_a_format_it_cannot_write(tmp_path, capsys, name):
    line = refused(capsys, [HELLO, "--screenshot", tmp_path / name])
    assert ".png" in line and name in line, line
    assert list(tmp_path.iterdir()) == []


# ----- a console that cannot encode the lesson ---------------------------------------------


def test_check_on_an_ascii_console_writes_escapes_not_a_traceback(tmp_path):
    lesson = write_lesson(tmp_path, "Übung—ß.yaml")
    broken = write_lesson(tmp_path, "Fehler—ö.yaml", learning_rate="1e3")
    for args in (
        ["--check", str(lesson), str(broken)],
        [str(broken), "--export-trace", str(tmp_path / "é.json")],
    ):
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            capture_output=True,
            timeout=120,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONIOENCODING": "ascii"},
        )
        text = (done.stdout + done.stderr).decode("ascii")
        assert done.returncode == 1 and "Traceback" not in text and "UnicodeEncodeError" not in text, text
        assert "\\xdc" in text or "\\u2014" in text, text


# ----- a checkpoint training never reached -------------------------------------------------


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("export", ["--screenshot", "--export-gif", "--export-frames"])
@pytest.mark.parametrize("checkpoint", [None, "trained"])
def test_an_unreached_checkpoint_is_refused_by_image_exports(
    tmp_path, capsys, monkeypatch, export, checkpoint
):
    lesson = write_lesson(tmp_path, "blowup.yaml", iterations=50)
    break_training(monkeypatch)
    out = tmp_path / {"--screenshot": "s.png", "--export-gif": "g.gif", "--export-frames": "frames"}[export]
    extra = [] if checkpoint is None else ["--checkpoint", checkpoint]
    line = refused(capsys, [lesson, export, out, *SMALL, *extra], status=1)
    assert "'trained'" in line and "never reached" in line and "last good" in line, line
    assert not out.exists() or not any(out.iterdir())
    good = tmp_path / "good.png"
    assert main([str(lesson), "--screenshot", str(good), *SMALL, "--checkpoint", "untrained"]) == 0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_the_window_says_when_the_asked_checkpoint_was_never_reached(tmp_path, monkeypatch):
    lesson = write_lesson(tmp_path, "blowup.yaml", iterations=50)
    break_training(monkeypatch)
    app = App(lesson, size=(1280, 720), start_at=StartAt("trained"))
    assert app.state.checkpoint != "trained"
    assert "'trained' was never reached" in app.state.message and app.state.checkpoint in app.state.message
    app.render()
    assert any("never reached" in t.text for t in app.scene.of(Text)), "on screen"


def test_lesson_files_of_every_option_mix_still_open(tmp_path):
    """The ordinary uses keep working: a screenshot with every option it reads."""
    out = tmp_path / "full.png"
    argv = [
        str(HELLO),
        "--screenshot",
        str(out),
        "--checkpoint",
        "trained",
        "--step",
        "3",
        "--pass",
        "backward",
    ]
    argv += ["--size", "800x600", "--panels", "heatmap", "--sequence", "hello"]
    assert main(argv) == 0 and out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_the_last_good_checkpoint_of_a_diverged_training_can_be_drawn(tmp_path, capsys, monkeypatch):
    lesson = write_lesson(tmp_path, "blowup.yaml", iterations=50)
    fine = write_lesson(tmp_path, "fine.yaml", iterations=50)
    out = tmp_path / "last-good.png"
    assert "training did not diverge" in refused(
        capsys, [fine, "--screenshot", out, *SMALL, "--checkpoint", "last good"], status=1
    )
    break_training(monkeypatch)
    assert main([str(lesson), "--screenshot", str(out), *SMALL, "--checkpoint", "last good"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("export,name", [("--export-trace", "t.json"), ("--export-weights", "w.npz")])
def test_trace_and_weights_exports_refuse_an_unreached_checkpoint_too(
    tmp_path, capsys, monkeypatch, export, name
):
    from test_numeric_faults import diverged

    from stepper.session import Session

    real = Session.open.__func__
    monkeypatch.setattr(Session, "open", classmethod(lambda cls, ls: cls(ls, diverged(real(cls, ls).result))))
    lesson = write_lesson(tmp_path, "blowup.yaml", iterations=50)
    for extra in ([], ["--checkpoint", "trained"]):
        line = refused(capsys, [lesson, export, tmp_path / name, *extra], status=1)
        assert "'trained'" in line and "never reached" in line, line
    assert not (tmp_path / name).exists()
    assert main([str(lesson), export, str(tmp_path / name), "--checkpoint", "untrained"]) == 0


def test_the_start_screen_takes_only_a_size(capsys):
    for option in (["--checkpoint", "trained"], ["--step", "2"], ["--panels", "heatmap"], ["--every", "2"]):
        line = refused(capsys, option)
        assert option[0] in line and "start screen" in line, line


def test_an_output_onto_the_file_being_read_is_refused_even_with_overwrite(tmp_path, capsys):
    lesson = write_lesson(tmp_path, "mine.yaml")
    before = lesson.read_bytes()
    link = tmp_path / "alias.json"
    link.symlink_to(lesson)
    for out in (lesson, link):
        line = refused(capsys, [lesson, "--export-trace", out, "--overwrite"])
        assert "being read" in line, line
    weights = tmp_path / "w.npz"
    assert main([str(lesson), "--export-weights", str(weights)]) == 0
    w_before = weights.read_bytes()
    line = refused(capsys, [lesson, "--export-trace", weights, "--weights", weights, "--overwrite"])
    assert "being read" in line and lesson.read_bytes() == before and weights.read_bytes() == w_before


@pytest.mark.parametrize(
    "flag", ["--export-trace", "--export-weights", "--screenshot", "--export-gif", "--export-frames"]
)
@pytest.mark.parametrize("name", ["", " ", "folder/"])
def test_an_empty_output_name_or_a_folder_name_is_refused(tmp_path, capsys, monkeypatch, flag, name):
    monkeypatch.chdir(tmp_path)
    if flag == "--export-frames" and name == "folder/":
        return  # a folder is what --export-frames takes
    line = refused(capsys, [HELLO, flag, name])
    assert flag in line, line
    assert list(tmp_path.iterdir()) == [], "nothing written, no window opened"


def test_empty_weights_or_checkpoint_are_refused_not_taken_as_absent(tmp_path, capsys):
    out = tmp_path / "t.json"
    assert main([str(HELLO), "--export-trace", str(out), "--weights", ""]) == 1
    assert "no such file" in capsys.readouterr().err
    for export in (["--export-trace", str(out)], ["--export-weights", str(tmp_path / "w.npz")]):
        assert "no checkpoint ''" in refused(capsys, [HELLO, *export, "--checkpoint", ""])
    assert "no checkpoint ''" in refused(
        capsys, [HELLO, "--screenshot", tmp_path / "s.png", "--checkpoint", ""]
    )
    assert list(tmp_path.iterdir()) == []


def test_check_into_a_closed_pipe_is_quiet(tmp_path):
    """`--check lessons/* | head -1`: the reader goes away; no BrokenPipeError traceback."""
    lessons = [str(write_lesson(tmp_path, f"l{k}.yaml")) for k in range(3)]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--check", *lessons],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    proc.stdout.close()  # before the first line is written
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path, capsys):
    lesson = write_lesson(tmp_path, "two\nlines.yaml")
    assert main(["--check", str(lesson)]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and "two\\nlines.yaml: ok" in out, out
    broken = write_lesson(tmp_path, "bad\nname.yaml", learning_rate="1e3")
    assert main(["--check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and "bad\\nname.yaml" in out, out
    target = tmp_path / "a\nb.json"
    target.write_text("mine")
    line = refused(capsys, [lesson, "--export-trace", target], status=1)
    assert "a\\nb.json" in line and target.read_text() == "mine"
    assert main([str(lesson), "--export-trace", str(tmp_path / "c\nd.json")]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "option,example",
    [("--screenshot", "out.png"), ("--export-gif", "out.gif"), ("--export-weights", "out.npz"),
     ("--export-trace", "out.json"), ("--save-lesson", "out.yaml")],
)
def test_an_empty_file_name_is_refused_with_an_example_of_the_right_kind(capsys, option, example):
    line = refused(capsys, [HELLO, option, ""])
    assert option in line and example in line
