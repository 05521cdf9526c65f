"""``harden demo``: the bundled example app, copied to a temp git repo, hardened."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from agent.commands.run import run_and_show
from agent.config import load_settings
from agent.errors import ToolError
from agent.report.console import err as _err
from agent.report.console import note
from agent.resources import bundled_dir
from agent.sandbox.depenv import bundled_python

__all__ = ["demo_action"]


def demo_action(json_output: bool) -> int:
    """Copy the bundled example to a temp git repo and run the security job on it."""
    target = Path(tempfile.mkdtemp(prefix="harden-demo-")) / "notes-app"
    shutil.copytree(
        bundled_dir("examples"),
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"),
    )
    _init_repo(target)
    _err.print(f"harden demo: example app copied to {target} and committed")
    flags = {"json_output": json_output, "python": bundled_python("harden demo", note)}
    report = run_and_show(load_settings(target, flags))
    if report.branch:
        _err.print(f"review the fixes: cd {target} && git log -p main..{report.branch}")
    return 0


def _init_repo(path: Path) -> None:
    ident = ["-c", "user.name=harden demo", "-c", "user.email=demo@harden.invalid"]
    try:
        for args in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            [*ident, "commit", "-q", "-m", "example"],
        ):
            subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        raise ToolError(f"could not create the demo repo: {exc.stderr.decode().strip()}") from exc
