"""``harden demo``: the bundled example app, copied to a temp git repo, hardened."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from agent.commands.run import run_and_show
from agent.config import Output, load_settings
from agent.errors import ToolError
from agent.git.records import Identity
from agent.git.repo import create_repo
from agent.report.console import err as _err
from agent.report.console import note
from agent.resources import bundled_dir
from agent.sandbox.depenv import bundled_python

__all__ = ["demo_action"]


def demo_action(output: Output) -> int:
    """Copy the bundled example to a temp git repo and run the security job on it."""
    target = Path(tempfile.mkdtemp(prefix="harden-demo-")) / "notes-app"
    shutil.copytree(
        bundled_dir("examples"),
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"),
    )
    _init_repo(target)
    _err.print(f"harden demo: example app copied to {target} and committed")
    settings = load_settings(target, {"python": bundled_python("harden demo", note)})
    report = run_and_show(settings, output)
    if report.branch:
        _err.print(f"review the fixes: cd {target} && git log -p main..{report.branch}")
    return 0


def _init_repo(path: Path) -> None:
    who = Identity("harden demo", "demo@harden.invalid")
    try:
        create_repo(path, "example", who).close()
    except ToolError as exc:
        raise ToolError(f"could not create the demo repo: {exc.message}") from exc
