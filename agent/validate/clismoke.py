"""The CLI smoke: run the command-line entry points a patch reaches, on the base and with it.

An entry point is a console script of the worktree's ``pyproject.toml``
(``[project.scripts] name = "module:function"``) or a module with an
``if __name__ == "__main__":`` block that builds an argparse parser or a click command. A
patch reaches one when it changes its module or a module that module imports. Each is run
in the sandbox (agent.sandbox.runner) with ``--help``, each of its click subcommands or
argparse subparsers with ``<name> --help``, and, where the CLI declares a ``--dry-run``
option, with ``--dry-run``: invocations that change nothing. An invocation that ended with
exit code 0 and no traceback on the base and fails with the patch rejects it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from agent.models import Patch, Stage, StageResult, StageStatus
from agent.sandbox.runner import run_command
from agent.scan.source import read_or_empty
from agent.validate.smoke import module_name, removed_after, reverted

__all__ = ["Entry", "cli_entries", "cli_smoke_stage"]

MAX_INVOCATIONS = 8
_CLI_TIMEOUT_S = 20.0
_MAIN = re.compile(r"""^if __name__ == ["']__main__["']\s*:""", re.MULTILINE)
_CLI = re.compile(r"argparse\.ArgumentParser|ArgumentParser\(|@click\.(?:command|group)")
_SUB = re.compile(
    r"""@\w+\.command\(\s*(?:["']([\w-]+)["'])?[^)]*\)\s*\n(?:@.*\n)*def (\w+)"""
    r"""|add_parser\(\s*["']([\w-]+)["']"""
)
_RUN_SCRIPT = "import sys, importlib; m, f = sys.argv[1].split(':'); sys.argv = sys.argv[1:]; "
_RUN_SCRIPT += "sys.exit(getattr(importlib.import_module(m), f)())"


@dataclass(frozen=True)
class Entry:
    """One entry point: a console script (``module:function``) or a module run with -m."""

    name: str
    module: str
    function: str | None = None

    def argv(self, python: str, args: list[str]) -> list[str]:
        if self.function is None:
            return [python, "-m", self.module, *args]
        return [python, "-c", _RUN_SCRIPT, f"{self.module}:{self.function}", *args]


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    why: str


def cli_smoke_stage(
    patch: Patch, root: Path, python: str, timeout_s: float, path_prefix: Path | None = None
) -> StageResult:
    """Run the entry points' harmless invocations on the base and with the patch."""
    calls = [(e, args) for e in cli_entries(patch, root) for args in _invocations(e, root)]
    calls = calls[:MAX_INVOCATIONS]
    if not calls:
        return _result(StageStatus.SKIPPED, "cli smoke: no command-line entry point reached")
    timeout = min(timeout_s, _CLI_TIMEOUT_S)
    with reverted(root, patch):
        base = [_invoke(root, e.argv(python, a), timeout, path_prefix) for e, a in calls]
    for (entry, args), old in zip(calls, base, strict=True):
        new = _invoke(root, entry.argv(python, args), timeout, path_prefix) if old.ok else old
        if old.ok and not new.ok:
            detail = f"cli smoke: {entry.name} {' '.join(args)}: ran on the base, {new.why}"
            return _result(StageStatus.FAILED, detail + " with the patch")
    held = [f"{e.name} {' '.join(a)}" for (e, a), o in zip(calls, base, strict=True) if o.ok]
    if not held:
        return _result(StageStatus.SKIPPED, "cli smoke: no invocation ran on the base")
    return _result(StageStatus.PASSED, f"cli smoke: {', '.join(held)} ran as on the base")


def _result(status: StageStatus, detail: str) -> StageResult:
    return StageResult(stage=Stage.APP_SMOKE, status=status, detail=detail)


def _invoke(root: Path, argv: list[str], timeout_s: float, prefix: Path | None) -> _Outcome:
    with removed_after(root):
        run = run_command(argv, root, timeout_s, prefix)
    if run.timed_out:
        return _Outcome(False, f"did not finish in {timeout_s:.0f}s")
    if "Traceback (most recent call last)" in run.output:
        last = run.output.rstrip().splitlines()[-1]
        return _Outcome(False, f"raised {last}")
    return _Outcome(run.exit_code == 0, f"exit code {run.exit_code}: {run.tail(1)}")


def _invocations(entry: Entry, root: Path) -> list[list[str]]:
    text = _source(entry.module, root)
    subs = [m[0] or (m[1] or "").replace("_", "-") or m[2] for m in _SUB.findall(text)]
    found = [["--help"], *([name, "--help"] for name in dict.fromkeys(subs) if name)]
    return found + ([["--dry-run"]] if "--dry-run" in text else [])


def cli_entries(patch: Patch, root: Path) -> list[Entry]:
    """The entry points whose module the patch changes or which import a changed module."""
    changed = {
        m for e in patch.edits if e.path.endswith(".py") and (m := module_name(e.path, root))
    }
    if not changed:
        return []
    entries = [*_scripts(root), *_main_modules(patch, root)]
    reached = [e for e in entries if e.module in changed or _imports(e.module, root, changed)]
    return list({(e.module, e.function): e for e in reached}.values())


def _scripts(root: Path) -> list[Entry]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    scripts = project.get("project", {}).get("scripts", {})
    found = (
        (str(name), str(target).partition(":"))
        for name, target in scripts.items()
        if isinstance(target, str) and ":" in target
    )
    return [Entry(name, module.strip(), function.strip()) for name, (module, _, function) in found]


def _main_modules(patch: Patch, root: Path) -> list[Entry]:
    """The changed modules that are command-line programs themselves."""
    found: list[Entry] = []
    for edit in patch.edits:
        module = module_name(edit.path, root) if edit.path.endswith(".py") else None
        if module and _MAIN.search(edit.after) and _CLI.search(edit.after):
            found.append(Entry(f"python -m {module}", module))
    return found


def _source(module: str, root: Path) -> str:
    for path in (f"{module.replace('.', '/')}.py", f"{module.replace('.', '/')}/__init__.py"):
        for base in (root, root / "src"):
            if (base / path).is_file():
                return read_or_empty(base / path)
    return ""


def _imports(module: str, root: Path, changed: set[str]) -> bool:
    text = _source(module, root)
    lasts = {m.rsplit(".", 1)[-1] for m in changed}
    return any(f"import {last}" in text or f"{last} import" in text for last in lasts)
