"""What each command does, between the CLI's parsing and the pipeline's work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from agent.config import Settings, load_settings
from agent.costs import cost_table
from agent.errors import NoPythonFilesError, ToolError
from agent.fix.codemods import codemods_for
from agent.ledger import Ledger
from agent.models import Finding, Priority, RunReport
from agent.pipeline import run
from agent.prompts import check_lock, list_prompts
from agent.repo import git, open_repo
from agent.report import print_summary
from agent.resources import bundled_dir
from agent.scan import scan
from agent.selection import rank_findings, select_files

__all__ = ["demo_action", "plan_action", "run_action"]

_out = Console(soft_wrap=True)  # commands and paths must stay copyable: no hard wraps
_err = Console(stderr=True, soft_wrap=True)


def run_action(settings: Settings) -> int:
    """``harden run``: exit 0 when the run completed, whatever it fixed."""
    if settings.all_priorities:
        _err.print("harden: only the security priority is available yet; running it")
    elif settings.priority is not Priority.SECURITY:
        _err.print(
            f"harden: the {settings.priority} priority is not available yet; "
            "only security produces patches in this version"
        )
        return 0
    _run_and_show(settings)
    return 0


def _run_and_show(settings: Settings) -> RunReport:
    with _err.status("starting") as spinner:
        report = run(settings, lambda text: spinner.update(text))
    if settings.json_output:
        click.echo(report.model_dump_json(indent=2))
    else:
        print_summary(report, _out)
        _out.print(f"reports: {Path(report.repo) / '.harden' / 'runs' / report.run_id}")
    for note in report.notes:
        _err.print(f"note: {note}")
    return report


def plan_action(settings: Settings) -> int:
    """``harden plan``: scan a snapshot of the base commit; write nothing anywhere."""
    repo = open_repo(settings.repo)
    with tempfile.TemporaryDirectory(prefix="harden-plan-") as tmp:
        snapshot = Path(tmp)
        _export(repo.root, repo.base_commit, snapshot)
        files = select_files(repo.files_in_scope(), snapshot, settings.exclude)
        if not files:
            raise NoPythonFilesError(f"no Python files to scan in {repo.root}")
        result = scan(snapshot, files, ignore=settings.ignore)
    ranked = rank_findings(result.findings)[: settings.max_findings]
    if settings.json_output:
        click.echo(_plan_json(ranked))
    else:
        _print_plan(ranked)
    for skipped in result.skipped:
        _err.print(f"warning: skipped {skipped.path}: {skipped.reason}")
    return 0


def _export(root: Path, commit: str, dest: Path) -> None:
    archive = dest / "base.tar"
    git("archive", "--format=tar", "-o", str(archive), commit, cwd=root)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()


def _fixer_of(finding: Finding) -> str:
    specs = codemods_for(finding)
    return specs[0].id if specs else "needs a model"


def _plan_json(findings: list[Finding]) -> str:
    rows = [{**f.model_dump(mode="json"), "fixer": _fixer_of(f)} for f in findings]
    return json.dumps(rows, indent=2)


def _print_plan(findings: list[Finding]) -> None:
    table = Table(title=f"{len(findings)} findings")
    for column in ("severity", "rule", "CWE", "location", "symbol", "fixer"):
        table.add_column(column, overflow="fold")
    for f in findings:
        cwe = f"CWE-{f.cwe}" if f.cwe else ""
        table.add_row(f.severity, f.rule, cwe, f.location, f.symbol, _fixer_of(f))
    _out.print(table)
    fixable = sum(1 for f in findings if codemods_for(f))
    _out.print(
        f"{fixable} can be fixed by a built-in codemod; "
        f"{len(findings) - fixable} need a model. Nothing was changed."
    )


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
    flags = {"json_output": json_output, "python": sys.executable}
    report = _run_and_show(load_settings(target, flags))
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


def cost_action() -> int:
    """``harden cost``: the ledger's spend per run, model and prompt version."""
    with Ledger.default() as ledger:
        if ledger.count() == 0:
            _out.print("no model call has been recorded yet")
            return 0
        _out.print(cost_table(ledger))
    return 0


def prompts_action() -> int:
    """``harden prompts``: the shipped prompt versions and whether each matches the lock."""
    changed = {m.ref for m in check_lock()}
    table = Table(title="prompts")
    for column in ("prompt", "description", "sha256", "lock"):
        table.add_column(column, overflow="fold")
    for prompt in list_prompts():
        ref = str(prompt.ref)
        status = "changed!" if ref in changed else "ok"
        table.add_row(ref, prompt.description, prompt.content_hash[:16], status)
    _out.print(table)
    return 1 if changed else 0
