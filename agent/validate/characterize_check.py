"""Whether a characterization file is kept: it must be harmless and pass 3 runs on the base.

In order, stopping at the first refusal, each outcome a fate (``CharacterizationFateKind``):

- refused: the file breaks the patch scope policy for a new test (a path outside tests/ or
  one that exists already: existing tests are never edited; reaching for the test runner;
  a secret's placeholder; agent.validate.policy), or it replaces the function it pins
  (``monkeypatch.setattr(module, "name", ...)``, ``mock.patch("module.name")``,
  ``module.name = ...``), or it imports harden's outcome plugin: such a file passes
  whatever a patch does;
- did not run / failed / flaky: the generated-test checks (agent.testgen.checks) on the
  file alone, sandboxed: it must collect, pass, and pass ``RUNS`` runs in a row;
- refused as well when a run changed a code or configuration file of the worktree;
- kept.

The file is written to the worktree for the check and removed after it: kept files live in
``Characterized`` (the run's registry, which the funnel's characterization stage reads)
until the run offers them on its branch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agent.models import CharacterizationFate, FileEdit, Patch, StageStatus
from agent.sandbox.runner import unconfined_refusal
from agent.scan.checks._names import dotted_name
from agent.scan.parse import parse_python
from agent.testgen.characterize import Candidate
from agent.testgen.checks import GeneratedTestRunner, check_generated_test
from agent.testgen.target_chunk import module_name
from agent.validate.fingerprint import changed_files, fingerprint
from agent.validate.policy.check import policy_violations

__all__ = ["Characterized", "KeptCharacterization", "case_functions", "check_candidate"]

_VERDICT_MODULES = ("harden_outcomes", "agent")


@dataclass(frozen=True)
class KeptCharacterization:
    """A kept file: the function it pins, the findings it was written for, its cases."""

    target_path: str
    symbol: str
    finding_ids: frozenset[str]
    test_path: str
    content: str
    vulnerable: tuple[str, ...]

    @property
    def target(self) -> str:
        return f"{self.target_path}::{self.symbol}"


@dataclass
class Characterized:
    """The run's characterization files: those kept, and every file's fate."""

    kept: list[KeptCharacterization] = field(default_factory=list)
    fates: list[CharacterizationFate] = field(default_factory=list)
    cost_usd: float = 0.0  # of the model calls that asked for them


def check_candidate(candidate: Candidate, runner: GeneratedTestRunner) -> CharacterizationFate:
    """The candidate's fate at the base commit; the worktree is left as it was."""
    refused = _refusal(candidate, runner.root)
    if refused:
        return _fate(candidate, "refused", refused)
    unconfined = unconfined_refusal()
    if unconfined:
        return _fate(candidate, "did not run", unconfined)
    edit = FileEdit(path=candidate.path, before=None, after=candidate.content)
    target = runner.root / candidate.path
    target.parent.mkdir(parents=True, exist_ok=True)
    before = fingerprint(runner.root)
    target.write_text(candidate.content, encoding="utf-8")
    try:
        result = check_generated_test(_test_patch(edit), (), runner)
    finally:
        target.unlink(missing_ok=True)
    changed = changed_files(before, fingerprint(runner.root))
    if changed:
        return _fate(candidate, "refused", f"its run changed files of the worktree: {changed}")
    fate, _, detail = result.detail.partition(": ")
    if result.status is StageStatus.PASSED:
        return _fate(candidate, "kept", detail)
    known = "did not run" if fate == "did not run" else "flaky" if fate == "flaky" else "failed"
    return _fate(candidate, known, detail)


def _test_patch(edit: FileEdit) -> Patch:
    return Patch(finding_ids=(), fixer="characterize", title="", rationale="", edits=(edit,))


def _fate(candidate: Candidate, fate: str, detail: str) -> CharacterizationFate:
    names = set(case_functions(candidate.content))
    return CharacterizationFate.model_validate(
        {
            "target": candidate.target,
            "test_path": candidate.path,
            "fate": fate,
            "detail": detail,
            "vulnerable_cases": tuple(n for n in candidate.vulnerable if n in names),
        }
    )


def _refusal(candidate: Candidate, root: Path) -> str | None:
    if (root / candidate.path).exists() or (root / candidate.path).is_symlink():
        return f"{candidate.path} exists: a characterization test is a new file"
    edit = FileEdit(path=candidate.path, before=None, after=candidate.content)
    violations = policy_violations(_test_patch(edit), root, ())
    if violations:
        return "; ".join(violations)
    try:
        tree = parse_python(candidate.content)
    except SyntaxError as exc:
        return f"it does not parse: line {exc.lineno}: {exc.msg}"
    module = module_name(root, candidate.findings[0].path)
    name = candidate.findings[0].symbol.split(".")[-1]
    return _reaches_verdict(tree) or _replaces(tree, module, name)


def _reaches_verdict(tree: ast.Module) -> str | None:
    for node in ast.walk(tree):
        names = _imported(node)
        hit = next((n for n in names if n.split(".")[0] in _VERDICT_MODULES), None)
        if hit:
            return f"it imports {hit}: a test may not reach harden or its outcome plugin"
    return None


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    return []


def _replaces(tree: ast.Module, module: str, name: str) -> str | None:
    """A test that swaps out the function it should pin, so it passes whatever a patch does."""
    why = f"it replaces {module}.{name}, the function it should pin"
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == name for t in targets):
                return why
        if isinstance(node, ast.Call) and _replacing_call(node, module, name):
            return why
    return None


def _replacing_call(node: ast.Call, module: str, name: str) -> bool:
    called = dotted_name(node.func) or ""
    if called.split(".")[-1] not in {"setattr", "patch", "object"}:
        return False
    texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return any(t == name or t == f"{module}.{name}" or t.endswith(f".{name}") for t in texts)


def case_functions(content: str) -> list[str]:
    """The names of the file's top-level test functions."""
    try:
        tree = parse_python(content)
    except SyntaxError:
        return []
    return [n.name for n in _top_level_tests(tree)]


def _top_level_tests(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node
