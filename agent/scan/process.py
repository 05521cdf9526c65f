"""Run an analyser as a subprocess and read its JSON, or fail with one clear line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from agent.errors import ToolError

__all__ = ["run_json_tool"]

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
    if done.returncode not in ok_codes or (done.returncode and not done.stdout.strip()):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolError(f"{' '.join(argv[:3])} failed (exit {done.returncode}): {tail}")
    try:
        return json.loads(done.stdout or "null")
    except json.JSONDecodeError as exc:
        raise ToolError(f"{' '.join(argv[:3])} printed output that is not JSON") from exc
