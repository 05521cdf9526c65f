"""Run an analyser as a subprocess and read its JSON, or fail with one clear line.

``start_json_tool`` starts one and returns at once, so that the scan's own work runs while
the tool does (bandit beside harden's AST checks); ``RunningTool.result`` waits for it.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from agent.errors import ToolError

__all__ = ["RunningTool", "run_json_tool", "start_json_tool"]

_TIMEOUT_S = 300


def run_json_tool(
    argv: list[str], cwd: Path, ok_codes: tuple[int, ...], stdin: str | None = None
) -> Any:
    """Run ``argv`` in ``cwd`` (``stdin`` as its input) and parse its stdout as JSON."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{' '.join(argv[:3])} did not finish in {_TIMEOUT_S}s") from exc
    return _parsed(argv, done.returncode, done.stdout, done.stderr, ok_codes)


def start_json_tool(argv: list[str], cwd: Path, ok_codes: tuple[int, ...]) -> RunningTool:
    """Start ``argv`` in ``cwd``; its JSON is read by ``result()``."""
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    return RunningTool(argv, process, ok_codes, time.monotonic() + _TIMEOUT_S)


class RunningTool:
    """A started analyser: ``result()`` waits for its JSON, ``stop()`` ends it unread."""

    def __init__(
        self,
        argv: list[str],
        process: subprocess.Popen[str],
        ok_codes: tuple[int, ...],
        deadline: float,
    ) -> None:
        self.argv, self.process, self.ok_codes, self.deadline = argv, process, ok_codes, deadline

    def result(self) -> Any:
        left = max(0.0, self.deadline - time.monotonic())
        try:
            stdout, stderr = self.process.communicate(timeout=left)
        except subprocess.TimeoutExpired as exc:
            self.stop()
            raise ToolError(f"{' '.join(self.argv[:3])} did not finish in {_TIMEOUT_S}s") from exc
        return _parsed(self.argv, self.process.returncode, stdout, stderr, self.ok_codes)

    def stop(self) -> None:
        if self.process.returncode is None:  # not read yet: killed and reaped
            self.process.kill()
            self.process.communicate()


def _parsed(argv: list[str], code: int, stdout: str, stderr: str, ok: tuple[int, ...]) -> Any:
    """A tool's JSON; a failing exit, or one with nothing printed (a crash), is an error."""
    if code not in ok or (code and not stdout.strip()):
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolError(f"{' '.join(argv[:3])} failed (exit {code}): {tail}")
    try:
        return json.loads(stdout or "null")
    except json.JSONDecodeError as exc:
        raise ToolError(f"{' '.join(argv[:3])} printed output that is not JSON") from exc
