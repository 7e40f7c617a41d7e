"""README's promises: its two commands, and its key table, match what the project does."""

from __future__ import annotations

import re
from pathlib import Path

from stepper.commands import MODES
from stepper.lesson import COURSE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_readme_opens_with_install_and_run_then_install_and_test():
    first, second = commands()[:2]
    """The first is a regular (not editable) install that opens a lesson by its course name."""
    assert "pip install . " in first and first.endswith("rnn-stepper alternating")
    assert "pip install -e '.[test]'" in second and second.endswith("python -m pytest")
    assert "alternating" in COURSE


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands()[1] in ci.splitlines()


def test_key_table_lists_every_binding():
    for b in (b for table in MODES.values() for b in table):
        row = f"| {b.label.replace('|', '/')} | {b.command.value} |"
        assert row in README, row
