"""ruff as a detector: its S (flake8-bandit) rules, JSON output, one subprocess."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from agent.scan.process import run_json_tool
from agent.scan.raw import RawFinding

__all__ = ["ruff_argv", "ruff_findings", "ruff_text_findings"]


def ruff_argv(select: str, paths: list[str], stdin_filename: str | None = None) -> list[str]:
    """A ruff invocation that ignores the repo's own ruff config (its ignores hide risks).
    ``-P``: the scanned repo's own modules (a ``typing.py``) must not shadow the stdlib's.

    With ``stdin_filename`` ruff reads the source from stdin and names it so.
    """
    argv = [sys.executable, "-P", "-m", "ruff", "check", "--isolated", "--no-cache", "--exit-zero"]
    argv += ["--output-format", "json", "--select", select]
    if stdin_filename is not None:
        return [*argv, "--stdin-filename", stdin_filename, "-"]
    return [*argv, "--", *paths]


def ruff_findings(root: Path, paths: list[str], select: str = "S") -> list[RawFinding]:
    if not paths:
        return []
    report = run_json_tool(ruff_argv(select, paths), cwd=root, ok_codes=(0,))
    return [_to_raw(item, root) for item in report or [] if item.get("code")]


def ruff_text_findings(root: Path, path: str, text: str, select: str = "S") -> list[RawFinding]:
    """ruff on decoded ``text`` of ``path``: ruff reads files only as UTF-8 (PEP 263 aside)."""
    argv = ruff_argv(select, [], stdin_filename=path)
    report = run_json_tool(argv, cwd=root, ok_codes=(0,), stdin=text)
    return [_to_raw(item, root) for item in report or [] if item.get("code")]


def _to_raw(item: dict[str, Any], root: Path) -> RawFinding:
    path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
    end = item.get("end_location") or item["location"]
    return RawFinding(
        tool="ruff",
        rule=item["code"],
        path=path,
        line=int(item["location"]["row"]),
        column=int(item["location"]["column"]),
        end_line=int(end["row"]),
        message=item["message"],
    )
