"""Score one sample of one case through the run loop of ``harden run`` (agent.run.fixing).

The case is copied into a fresh git repo and checked out on a branch in a worktree, as a
run does; the scan's findings of the case's rules in the case's files are grouped by
enclosing symbol and handed to ``fix_groups`` with the sample's fixers, against a
baseline run of the repo's tests. The sample watches every attempt (``_Watch``) and
scores the last one of each group; then the hidden tests, the kept tests and the
patterns decide whether the case is resolved.
"""

from __future__ import annotations

import difflib
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from agent.config import DEFAULT_IGNORE
from agent.evals.case import Case, materialise, pattern_problems
from agent.evals.case_checks import run_hidden
from agent.evals.fixers import CaseFixer
from agent.evals.scoring import CHECKS, CheckStatus, SampleScore
from agent.git.repo import open_repo
from agent.git.worktree import Worktree
from agent.models import FileEdit, Finding, Patch, Priority, Stage, StageStatus, Verdict
from agent.run.branch import FixBranch
from agent.run.fixing import fix_groups
from agent.run.observe import Attempt
from agent.run.worklist import rank_findings, work_groups
from agent.sandbox.baseline import run_suite
from agent.sandbox.suite import Suite, find_suite
from agent.scan import scan
from agent.scan.files import is_test_file
from agent.testgen import coverage_targets
from agent.validate.funnel import FunnelContext, finding_key

__all__ = ["SampleEnv", "run_sample"]

_FUNNEL_CHECKS = {
    Stage.APPLIES: "applies",
    Stage.SCOPE: "scope",
    Stage.PARSES: "parses",
    Stage.LINT: "lint",
    Stage.FINDING_GONE: "finding-gone",
    Stage.SMOKE: "smoke",
    Stage.TESTS: "tests",
}
_BRANCH = "harden-eval"


@dataclass(frozen=True)
class SampleEnv:
    python: str
    timeout_s: float


@dataclass(frozen=True)
class _Group:
    verdict: Verdict | None  # the funnel's last verdict; None when no patch was made
    no_patch: str  # why the last attempt made no patch
    schema_ok: bool = True  # the last reply matched the schema (model fixers)


class _Watch:
    """The attempts of the run loop, and each group's last word (by path and symbol)."""

    def __init__(self, fixer: CaseFixer) -> None:
        self.fixer = fixer
        self.attempts: list[Attempt] = []
        self.groups: dict[tuple[str, str], _Group] = {}

    def attempted(self, attempt: Attempt) -> None:
        self.fixer.check(attempt)
        self.attempts.append(attempt)
        key = _group_key(attempt.findings)
        last = self.groups.get(key, _Group(None, ""))
        if attempt.verdict is not None:
            self.groups[key] = _Group(attempt.verdict, "")
        else:
            self.groups[key] = _Group(last.verdict, attempt.reason, attempt.schema_ok)


@dataclass
class _Outcome:
    """What the sample learned, check by check."""

    checks: dict[str, CheckStatus] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    patches: list[Patch] = field(default_factory=list)

    def set(self, check: str, ok: bool | None, reason: str = "") -> None:
        self.checks[check] = "skipped" if ok is None else "passed" if ok else "failed"
        if ok is False and check not in self.reasons:
            self.reasons[check] = reason


def run_sample(case: Case, fixer: CaseFixer, sample: int, env: SampleEnv) -> SampleScore:
    """Score ``fixer`` on ``case`` in a throw-away copy of the case's repo."""
    start = time.monotonic()
    watch = _Watch(fixer)
    with tempfile.TemporaryDirectory(prefix=f"harden-eval-{case.id}-") as tmp:
        root = materialise(case, Path(tmp) / "repo")
        repo = open_repo(root)
        wt = Worktree.create(repo, _BRANCH)
        try:
            outcome = _Sample(case, env, wt, Path(tmp) / "work", watch).run()
        finally:
            wt.remove(keep_branch=False)
    usage = fixer.usage(watch.attempts)
    reason = next((f"{c}: {outcome.reasons[c]}" for c in CHECKS if c in outcome.reasons), "")
    return SampleScore(
        case_id=case.id,
        priority=case.priority.value,
        sample=sample,
        fixer=fixer.name,
        resolved=not reason and bool(outcome.patches),
        reason=reason,
        checks={c: outcome.checks[c] for c in CHECKS if c in outcome.checks},
        diff_lines=sum(_diff_lines(p) for p in outcome.patches),
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=usage.cost_usd,
        calls=usage.calls,
        latency_s=round(usage.latency_s, 3),
        duration_s=round(time.monotonic() - start, 3),
    )


class _Sample:
    def __init__(self, case: Case, env: SampleEnv, wt: Worktree, work: Path, watch: _Watch):
        self.case, self.env, self.wt, self.watch = case, env, wt, watch
        self.root = wt.path
        self.work = work
        self.out = _Outcome()

    def run(self) -> _Outcome:
        before = scan(self.root, list(self.case.files), ignore=DEFAULT_IGNORE).findings
        if self.case.priority is Priority.TESTS:  # as in a run: the functions no test reaches
            before = (*before, *self._untested())
        targets = [f for f in before if self._targeted(f)]
        self.out.set("detected", bool(targets), self._not_detected())
        if not targets:
            return self.out
        groups = self._fix(work_groups(self.case.priority, rank_findings(targets)), before)
        if self.watch.fixer.fixers.model is not None:  # a model: did its replies match?
            bad = next((g.no_patch for g in groups if not g.schema_ok), "")
            self.out.set("schema", not bad, bad)
        no_patch = next((g.no_patch for g in groups if g.verdict is None), "")
        self.out.set("patch", not no_patch, no_patch)
        self._funnel_checks([g.verdict for g in groups if g.verdict is not None])
        if all(g.verdict is not None and g.verdict.accepted for g in groups):
            self._after_fix(before)
        return self.out

    def _fix(self, groups: list[list[Finding]], before: Sequence[Finding]) -> list[_Group]:
        """Each group's last attempt, from the run loop on the sample's branch."""
        branch = FixBranch(self.wt, self._context(), before)
        fix_groups(groups, branch, self.watch.fixer.fixers, _quiet, self.watch)
        landed = branch.landed()
        self.out.patches += [v.patch for v in landed.verdicts if v.accepted]
        tried = self.watch.groups
        return [tried[k] for g in groups if (k := _group_key(g)) in tried]

    @cached_property
    def _files(self) -> list[str]:
        return open_repo(self.root).tracked_files()

    @cached_property
    def _plan(self) -> Suite:
        return find_suite(None, self.env.python, self._files)

    def _untested(self) -> tuple[Finding, ...]:
        env = self.env
        found = coverage_targets(self.root, self._files, self._plan, env.python, env.timeout_s)
        return found.findings

    def _targeted(self, finding: Finding) -> bool:
        in_files = finding.path in self.case.files
        return in_files and any(finding.matches_rule(rule) for rule in self.case.rules)

    def _not_detected(self) -> str:
        return f"the scan found no {', '.join(self.case.rules)} in {', '.join(self.case.files)}"

    def _context(self) -> FunnelContext:
        plan = self._plan
        baseline = None
        if plan.argv is not None:
            baseline = run_suite(plan, self.root, self.env.timeout_s)
        self.work.mkdir(exist_ok=True)
        return FunnelContext(
            root=self.root,
            findings=(),
            plan=plan,
            baseline=baseline,
            python=self.env.python,
            timeout_s=self.env.timeout_s,
            ignore=DEFAULT_IGNORE,
            workdir=self.work,
        )

    def _funnel_checks(self, verdicts: Sequence[Verdict]) -> None:
        """Each stage the funnel reached: failed in any group, else passed, else skipped."""
        for stage, check in _FUNNEL_CHECKS.items():
            results = [s for v in verdicts for s in v.stages if s.stage is stage]
            failed = next((r for r in results if r.status is StageStatus.FAILED), None)
            if failed is not None:
                self.out.set(check, False, _first_line(failed.detail))
            elif results:
                passed = all(r.status is StageStatus.PASSED for r in results)
                self.out.set(check, True if passed else None)

    def _after_fix(self, before: Sequence[Finding]) -> None:
        after = scan(self.root, list(self.case.files), ignore=DEFAULT_IGNORE).findings
        left = [f for f in after if self._targeted(f)]
        self.out.set("finding-gone", not left, f"{len(left)} finding(s) of the case remain")
        new = Counter(map(finding_key, after)) - Counter(map(finding_key, before))
        self.out.set("no-new-findings", not new, "new: " + ", ".join(sorted(k[0] for k in new)))
        self._hidden()
        problems = pattern_problems(self.case, self.root)
        self.out.set("patterns", not problems, "; ".join(problems))

    def _hidden(self) -> None:
        patches = self.out.patches
        new_tests = [e.path for p in patches for e in p.edits if _is_new_test(e)]
        is_tests = self.case.priority is Priority.TESTS
        if is_tests and not new_tests:
            self.out.set("mutants", False, "the fix adds no test file")
            return
        result = run_hidden(self.case, self.root, self.env.python, self.env.timeout_s, new_tests)
        if self.case.fail_to_pass:
            failing = [n for n, ok in result.fail_to_pass.items() if not ok]
            self.out.set("fail-to-pass", not failing, "still failing: " + ", ".join(failing))
        failing = [n for n, ok in result.pass_to_pass.items() if not ok]
        self.out.set("pass-to-pass", not failing, "now failing: " + ", ".join(failing))
        if is_tests:
            alive = [m for m, killed in result.mutants_killed.items() if not killed]
            self.out.set("mutants", not alive, "mutants not killed: " + ", ".join(alive))


def _quiet(message: str) -> None:
    """The eval shows its own progress, not the run loop's."""


def _group_key(findings: Sequence[Finding]) -> tuple[str, str]:
    return findings[0].path, findings[0].symbol


def _is_new_test(edit: FileEdit) -> bool:
    return edit.before is None and edit.path.endswith(".py") and is_test_file(edit.path)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _diff_lines(patch: Patch) -> int:
    """Lines added plus lines removed, over the patch's files."""
    total = 0
    for edit in patch.edits:
        old = (edit.before or "").splitlines()
        diff = difflib.unified_diff(old, edit.after.splitlines(), lineterm="", n=0)
        total += sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return total
