"""The CLI smoke (issue 15 §2): entry points a patch reaches run as on the base, confined.

Real files in a tmp dir, a real click console script and a real argparse module, run in
the sandbox with ``--help``, ``<subcommand> --help`` and ``--dry-run``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent.models import FileEdit, Patch, Stage
from agent.validate.clismoke import Entry, cli_entries, cli_smoke_stage

PYPROJECT = '[project]\nname = "notes"\nversion = "0"\n\n[project.scripts]\nnotes = "cli:main"\n'
CLI = '''import click

import store


@click.group()
def main():
    """Notes."""


@main.command("add")
@click.argument("text")
def add(text):
    """Add a note."""
    store.save(text)


@main.command()
def list_all():
    """List the notes."""
'''
STORE = """def save(text):
    return [text]
"""
TOOL = """import argparse


def count(path):
    return len(path)


def main():
    parser = argparse.ArgumentParser(description="Count things.")
    parser.add_argument("path", nargs="?", default=".", help="where to count")
    parser.add_argument("--dry-run", action="store_true", help="count nothing")
    args = parser.parse_args()
    print(count(args.path))


if __name__ == "__main__":
    main()
"""


def _repo(tmp: Path) -> Path:
    files = {"pyproject.toml": PYPROJECT, "cli.py": CLI, "store.py": STORE, "tool.py": TOOL}
    for name, text in files.items():
        (tmp / name).write_text(text)
    return tmp


def _patch(path: str, before: str, after: str) -> Patch:
    edit = FileEdit(path=path, before=before, after=after)
    return Patch(finding_ids=(), fixer="test", title="t", rationale="r", edits=(edit,))


def _stage(root: Path, path: str, after: str) -> tuple[str, str]:
    before = (root / path).read_text()
    (root / path).write_text(after)
    try:
        result = cli_smoke_stage(_patch(path, before, after), root, sys.executable, 60)
    finally:
        (root / path).write_text(before)
    assert result.stage is Stage.APP_SMOKE
    return result.status.value, result.detail


def test_the_entry_points_a_patch_reaches(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    via_import = _patch("store.py", STORE, STORE.replace("[text]", "[text, text]"))
    assert cli_entries(via_import, root) == [Entry("notes", "cli", "main")]
    itself = _patch("tool.py", TOOL, TOOL.replace("len(path)", "len(str(path))"))
    assert cli_entries(itself, root) == [Entry("python -m tool", "tool")]


def test_an_unchanged_cli_passes_with_help_subcommands_and_dry_run(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _stage(root, "store.py", STORE.replace("[text]", "[text, text]")) == (
        "passed",
        "cli smoke: notes --help, notes add --help, notes list-all --help ran as on the base",
    )
    status, detail = _stage(root, "tool.py", TOOL.replace("len(path)", "len(str(path))"))
    assert (status, detail) == (
        "passed",
        "cli smoke: python -m tool --help, python -m tool --dry-run ran as on the base",
    )


def test_a_help_text_that_breaks_argparse_rejects(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    percent = TOOL.replace('help="where to count"', 'help="where to count (at 100%)"')
    status, detail = _stage(root, "tool.py", percent)
    assert status == "failed"
    assert detail.startswith("cli smoke: python -m tool --help: ran on the base, raised ValueError")


def test_a_dry_run_that_now_recurses_rejects(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    recursing = TOOL.replace("    return len(path)", "    return count(path)")
    assert _stage(root, "tool.py", recursing) == (
        "failed",
        "cli smoke: python -m tool --dry-run: ran on the base, raised RecursionError: maximum "
        "recursion depth exceeded with the patch",
    )


def test_nothing_reached_is_a_skip(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "lib.py").write_text("X = 1\n")
    assert _stage(root, "lib.py", "X = 2\n") == (
        "skipped",
        "cli smoke: no command-line entry point reached",
    )
