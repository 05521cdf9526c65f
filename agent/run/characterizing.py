"""Characterization tests in a run: asked for before a function is fixed, offered at the end.

With ``--characterize`` and a model, on a repo whose tests reach nothing (none, or none
collected), each function about to be fixed (the enclosing function of a group of
findings, other than the tests priority's targets) first gets a characterization test file
from the model (agent.testgen.characterize), kept only if it passes 3 runs on the base
(agent.validate.characterize_check). The funnel's characterization stage then holds every
patch to that function to it. At the end of the run each kept file is run once on the
branch's tip; the marked cases that changed with a fix are dropped (a comment says so),
and the file is committed on its own on the run's branch, after the fixes: a commit the
user keeps or drops like any other (``harden review``).
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.llm.prompts import PromptError
from agent.log import get_logger
from agent.models import CharacterizationFate, Finding, Priority, RunReport
from agent.run.branch import Workspace
from agent.run.setup import RunSetup
from agent.sandbox.suite import collected_nothing
from agent.scan.parse import parse_python
from agent.scan.source import read_source
from agent.testgen.characterize import Asked, CharacterizationWriter, characterization_path
from agent.testgen.checks import GeneratedTestRunner
from agent.testgen.functions import find_function
from agent.validate.characterization import failing_cases
from agent.validate.characterize_check import (
    Characterized,
    KeptCharacterization,
    case_functions,
    check_candidate,
)
from agent.validate.funnel import FunnelContext

__all__ = ["Characterizer", "characterizer", "drop_cases", "with_characterization"]

log = get_logger("pipeline")


def characterizer(
    setup: RunSetup, wt: Workspace, ctx: FunnelContext, notes: list[str]
) -> Characterizer | None:
    """The run's characterizer, when wanted and possible; else None. It is on by default
    (``characterize`` None); ``notes`` say why not only when it was asked for explicitly."""
    asked = setup.settings.characterize
    if asked is False or setup.priority is Priority.TESTS:
        return None
    why_not = _why_not(setup, ctx)
    if why_not is not None or setup.fixer is None:
        if asked and why_not:
            notes.append(f"characterization: {why_not}")
        return None
    try:
        writer = CharacterizationWriter.of(setup.fixer.client, setup.settings.prompts_dir)
    except PromptError as exc:
        notes.append(f"characterization: {exc}")
        return None
    runner = GeneratedTestRunner(ctx.root, ctx.python, ctx.timeout_s)
    return Characterizer(writer, runner, ctx.characterized, wt, setup.status)


def _why_not(setup: RunSetup, ctx: FunnelContext) -> str | None:
    if setup.fixer is None:
        return "needs a model (--model); no test was asked for"
    if ctx.plan.argv is not None and not (
        ctx.baseline and collected_nothing(ctx.plan, ctx.baseline)
    ):
        return "only for repos whose tests collect nothing; these run"
    return None


def with_characterization(report: RunReport, registry: Characterized, branch: str) -> RunReport:
    """``report`` with the run's characterization files, their cost, and the branch that
    offers them (a run that committed only those still leaves its branch)."""
    offered = any(f.commit for f in registry.fates)
    update = {
        "characterization": tuple(registry.fates),
        "cost_usd": round(report.cost_usd + registry.cost_usd, 6),
        "branch": report.branch or (branch if offered else None),
    }
    return report.model_copy(update=update)


class Characterizer:
    """Asks for, checks and finally offers the run's characterization files."""

    def __init__(
        self,
        writer: CharacterizationWriter,
        runner: GeneratedTestRunner,
        registry: Characterized,
        wt: Workspace,
        status: Callable[[str], None],
    ) -> None:
        self.writer = writer
        self.runner = runner
        self.registry = registry
        self.wt = wt
        self.status = status
        self._seen: set[tuple[str, str]] = set()

    def before_fix(self, group: Sequence[Finding]) -> None:
        """Pin the behaviour of the group's function, once per function."""
        first = group[0]
        key = (first.path, first.symbol)
        if key in self._seen or not _is_function(self.runner.root, first):
            return
        self._seen.add(key)
        self.status(f"asking for characterization tests of {first.path}::{first.symbol}")
        started = time.monotonic()
        asked = self.writer.ask(self.runner.root, group)
        self.registry.cost_usd += asked.cost_usd
        fate = self._fate(asked, group)
        took = round(time.monotonic() - started, 2)
        self.registry.fates.append(fate.model_copy(update={"duration_s": took}))
        log.info("characterization tests of %s: %s", fate.target, fate.fate)

    def _fate(self, asked: Asked, group: Sequence[Finding]) -> CharacterizationFate:
        first = group[0]
        if asked.candidate is None:
            path = characterization_path(self.runner.root, first)
            target = f"{first.path}::{first.symbol}"
            return CharacterizationFate(
                target=target, test_path=path, fate="no reply", detail=asked.error
            )
        try:
            fate = check_candidate(asked.candidate, self.runner)
        finally:
            self.wt.reset()  # what its runs wrote (before any fix: the branch is clean)
        if fate.fate == "kept":
            kept = KeptCharacterization(
                target_path=first.path,
                symbol=first.symbol,
                finding_ids=frozenset(f.id for f in group),
                test_path=fate.test_path,
                content=asked.candidate.content,
                vulnerable=fate.vulnerable_cases,
            )
            self.registry.kept.append(kept)
        return fate

    def offer(self) -> None:
        """Commit each kept file on the branch, less the marked cases a fix changed."""
        kept = {k.test_path: k for k in self.registry.kept}
        for i, fate in enumerate(self.registry.fates):
            file = kept.get(fate.test_path)
            if fate.fate != "kept" or file is None:
                continue
            content, dropped, problem = self._final(file)
            if problem:
                update = {"detail": f"{fate.detail}; not offered: {problem}"}
                self.registry.fates[i] = fate.model_copy(update=update)
                continue
            written = self.wt.path / file.test_path
            written.parent.mkdir(parents=True, exist_ok=True)
            written.write_text(content, encoding="utf-8")
            sha = self.wt.commit([file.test_path], _message(file, dropped))
            offered = {"commit": sha, "dropped_cases": tuple(dropped)}
            self.registry.fates[i] = fate.model_copy(update=offered)

    def _final(self, file: KeptCharacterization) -> tuple[str, list[str], str]:
        """The file as offered at the branch's tip, its dropped cases, or why not offered."""
        target = self.runner.root / file.test_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")
        try:
            run = self.runner.run(file.test_path)
        finally:
            self.wt.reset()
        failing = failing_cases(run)
        unmarked = [c for c in failing if c not in file.vulnerable]
        if unmarked or (run.outcomes is None or not run.outcomes.finished):
            return "", [], f"on the branch's tip it fails: {', '.join(unmarked) or run.tail(3)}"
        if set(case_functions(file.content)) <= set(failing):
            return "", [], "every case changed with the fixes"
        return drop_cases(file.content, failing), failing, ""


def drop_cases(content: str, names: Sequence[str]) -> str:
    """``content`` without the top-level test functions ``names`` (decorators included)."""
    if not names:
        return content
    lines = content.splitlines(keepends=True)
    tree = parse_python(content)
    for node in reversed(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            note = f"# harden: {node.name} pinned behaviour a fix on this branch changed\n"
            lines[start : node.end_lineno] = [note]
    return "".join(lines)


def _message(file: KeptCharacterization, dropped: Sequence[str]) -> str:
    body = (
        f"A model wrote these tests of {file.target} before harden changed it; harden kept "
        "them because they passed 3 runs in a row on the base commit, and every patch to "
        "the function on this branch kept them passing."
    )
    if dropped:
        body += f" Dropped (pinned the behaviour the fix removed): {', '.join(dropped)}."
    trailer = f"Harden-Characterization: {file.target}"
    return f"Characterization tests for {file.target}\n\n{body}\n\n{trailer}\n"


def _is_function(root: Path, finding: Finding) -> bool:
    if not finding.symbol:
        return False
    try:
        tree = parse_python(read_source(root / finding.path))
    except (OSError, SyntaxError, ValueError):
        return False
    return find_function(tree, finding.symbol) is not None
