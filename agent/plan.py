"""``harden plan``: what a run would do with each finding, and what the model part would
cost, estimated from the rendered prompt's tokens. No call is made, nothing is written."""

from __future__ import annotations

import os
import tarfile
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.chunk import build_chunk
from agent.config import Settings
from agent.errors import NoPythonFilesError
from agent.fix.codemods import codemods_for
from agent.fix.llm_fixer import prompt_variables
from agent.llm.client import estimate_cost
from agent.llm.pricing import Pricing
from agent.model_setup import choose_model, prompt_for
from agent.models import PRIORITY_ORDER, Finding, Priority, SkippedFile
from agent.prompts import PromptVersion, load_prompt
from agent.redact import Redactor
from agent.repo import git, open_repo
from agent.scan import ScanResult, scan
from agent.selection import rank_findings, select_files
from agent.testgen import coverage_targets
from agent.testplan import plan_tests, resolve_python
from agent.tokens import count_tokens

__all__ = ["OUTPUT_TOKENS_ESTIMATE", "Plan", "PlanRow", "make_plan"]

OUTPUT_TOKENS_ESTIMATE = 800  # a typical search/replace patch with its rationale


class PlanRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    finding: Finding
    fixer: str
    est_input_tokens: int | None = None
    est_output_tokens: int | None = None
    est_usd: float | None = None


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str | None
    priorities: tuple[Priority, ...]
    rows: tuple[PlanRow, ...]
    skipped: tuple[SkippedFile, ...]
    notes: tuple[str, ...] = ()

    @property
    def est_usd(self) -> float | None:
        return _total(self.rows)

    def rows_of(self, priority: Priority) -> list[PlanRow]:
        return [r for r in self.rows if r.finding.priority is priority]

    def est_usd_of(self, priority: Priority) -> float | None:
        return _total(self.rows_of(priority))


def _total(rows: list[PlanRow] | tuple[PlanRow, ...]) -> float | None:
    costs = [r.est_usd for r in rows if r.est_input_tokens is not None]
    return None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)


def make_plan(settings: Settings) -> Plan:
    repo = open_repo(settings.repo)
    model = choose_model(settings, os.environ)
    chosen = settings.priority or Priority.SECURITY
    priorities = PRIORITY_ORDER if settings.all_priorities else (chosen,)
    with tempfile.TemporaryDirectory(prefix="harden-plan-") as tmp:
        snapshot = Path(tmp)
        _export(repo.root, repo.base_commit, snapshot)
        files = select_files(repo.files_in_scope(), snapshot, settings.exclude)
        if not files:
            raise NoPythonFilesError(f"no Python files to scan in {repo.root}")
        result = scan(snapshot, files, ignore=settings.ignore)
        pricing = Pricing.load(settings.pricing)
        rows: list[PlanRow] = []
        notes: list[str] = []
        for priority in priorities:
            prompt = load_prompt(prompt_for(settings, priority)) if model else None
            if priority is Priority.TESTS:
                mine = _untested(settings, snapshot, repo.tracked_files(), files, result, notes)
            else:
                mine = rank_findings(f for f in result.findings if f.priority is priority)
            rows += [
                _row(f, snapshot, model, prompt, pricing) for f in mine[: settings.max_findings]
            ]
    return Plan(
        model=model,
        priorities=priorities,
        rows=tuple(rows),
        skipped=result.skipped,
        notes=tuple(notes),
    )


def _untested(
    settings: Settings,
    snapshot: Path,
    tracked: list[str],
    files: list[str],
    result: ScanResult,
    notes: list[str],
) -> list[Finding]:
    """The tests priority's targets: the snapshot's suite runs under coverage (sandboxed)."""
    python = resolve_python(settings.python)
    tests = plan_tests(settings.test_command, python, tracked)
    risky = {(f.path, f.symbol) for f in result.findings}
    found = coverage_targets(snapshot, files, tests, python, settings.test_timeout, risky)
    if found.note:
        notes.append(f"tests: {found.note}")
    return list(found.findings)


def _row(
    finding: Finding, root: Path, model: str | None, prompt: PromptVersion | None, pricing: Pricing
) -> PlanRow:
    specs = codemods_for(finding)
    if specs:
        return PlanRow(finding=finding, fixer=specs[0].id)
    if model is None or prompt is None:
        return PlanRow(finding=finding, fixer="needs a model")
    chunk = build_chunk(root, finding)
    redactor = Redactor(chunk.text, "")
    rendered = prompt.render(prompt_variables([finding], redactor.redact(chunk.text), ""))
    tokens = count_tokens(rendered.messages.system) + count_tokens(rendered.messages.user)
    usd = estimate_cost(model, tokens, OUTPUT_TOKENS_ESTIMATE, pricing)
    return PlanRow(
        finding=finding,
        fixer=f"{prompt.ref} via {model}",
        est_input_tokens=tokens,
        est_output_tokens=OUTPUT_TOKENS_ESTIMATE,
        est_usd=usd,
    )


def _export(root: Path, commit: str, dest: Path) -> None:
    archive = dest / "base.tar"
    git("archive", "--format=tar", "-o", str(archive), commit, cwd=root)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()
