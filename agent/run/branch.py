"""The run's branch as fixes land on it: each patch is validated, the accepted committed.

``FixBranch`` owns what the branch knows: the current findings of each file (an accepted
patch's files are rescanned by the funnel, so its scan replaces theirs), the dependencies
earlier fixes added, and what landed. ``live`` is a query; ``validate_and_commit`` the one
command; ``landed`` the frozen record the pipeline folds into its report.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.log import get_logger
from agent.models import CommitRecord, Finding, GeneratedTestFate, Patch, Verdict
from agent.run.commit_message import commit_message
from agent.run.journal import Commit, Journal
from agent.scan.files import is_test_file
from agent.testgen import fate_of
from agent.validate.funnel import FunnelContext, finding_key, run_funnel

__all__ = ["FixBranch", "Landed", "Workspace", "carry_ids", "is_source_file"]

log = get_logger("pipeline")


class Workspace(Protocol):
    """A checkout of the branch (agent.git.worktree.Worktree)."""

    @property
    def path(self) -> Path: ...

    def reset(self) -> None: ...

    def commit(self, paths: list[str], message: str) -> str: ...


@dataclass(frozen=True)
class Landed:
    """What the branch received: every verdict, the commits, the fixed and their tests."""

    verdicts: tuple[Verdict, ...] = ()
    commits: tuple[CommitRecord, ...] = ()
    generated_tests: tuple[GeneratedTestFate, ...] = ()

    @property
    def fixed_ids(self) -> frozenset[str]:
        return frozenset(i for c in self.commits for i in c.finding_ids)


class FixBranch:
    """Validate patches against the branch's current state; commit those accepted."""

    def __init__(
        self,
        wt: Workspace,
        ctx: FunnelContext,
        findings: Iterable[Finding],
        journal: Journal | None = None,
    ) -> None:
        self.wt = wt
        self._ctx = ctx
        self._journal = journal
        self._current: dict[str, list[Finding]] = {}
        for f in findings:
            self._current.setdefault(f.path, []).append(f)
        self._dependencies: set[str] = set()
        self._landed = Landed()

    @property
    def root(self) -> Path:
        return self.wt.path

    def live(self, group: Sequence[Finding]) -> list[Finding]:
        """The group's findings where they are now; those gone were fixed by a commit."""
        live = {f.id: f for f in self._current.get(group[0].path, [])}
        return [live[f.id] for f in group if f.id in live]

    def landed(self) -> Landed:
        return self._landed

    def validate_and_commit(self, patch: Patch) -> Verdict:
        findings = self._findings_around(patch)
        deps = tuple(sorted(self._dependencies))
        ctx = dataclasses.replace(self._ctx, findings=tuple(findings), dependencies=deps)
        result = run_funnel(patch, ctx)
        verdict = result.verdict
        fate = fate_of(verdict, findings)
        self._record(verdict, (fate,) if fate is not None else ())
        if not verdict.accepted:
            failed = verdict.failed_stage
            log.warning("rejected %s at %s", patch.title, failed.stage if failed else "?")
            self.wt.reset()
            return verdict
        self._commit(patch, commit_message(verdict, findings))
        # An accepted patch passed the finding-gone stage, whose scan is its files' state now.
        for path in {e.path for e in patch.edits if is_source_file(e.path)}:
            after = [f for f in result.findings_after if f.path == path]
            before = self._current.get(path, [])
            self._current[path] = carry_ids(before, after, set(patch.finding_ids))
        return verdict

    def _record(self, verdict: Verdict, fates: tuple[GeneratedTestFate, ...]) -> None:
        was = self._landed
        self._landed = dataclasses.replace(
            was, verdicts=(*was.verdicts, verdict), generated_tests=(*was.generated_tests, *fates)
        )

    def _commit(self, patch: Patch, message: str) -> None:
        sha = self.wt.commit([e.path for e in patch.edits], message)
        record = CommitRecord(sha=sha, title=patch.title, finding_ids=patch.finding_ids)
        self._landed = dataclasses.replace(self._landed, commits=(*self._landed.commits, record))
        if self._journal is not None:
            self._journal.append(Commit(sha=sha, title=patch.title, finding_ids=patch.finding_ids))
        self._dependencies.update(patch.dependencies)
        log.info("committed %s: %s", sha[:10], patch.title)

    def _findings_around(self, patch: Patch) -> list[Finding]:
        """The current findings of the files a patch edits or claims a finding in."""
        current = self._current
        claimed = {f.path for fs in current.values() for f in fs if f.id in patch.finding_ids}
        paths = sorted(claimed | {e.path for e in patch.edits})
        return [f for path in paths for f in current.get(path, [])]


def is_source_file(path: str) -> bool:
    """A Python file the scanner looks at (tests are not scanned)."""
    return path.endswith(".py") and not is_test_file(path)


def carry_ids(
    before: Sequence[Finding], after: Sequence[Finding], claimed: Collection[str]
) -> list[Finding]:
    """The findings after a commit, each keeping the id it had before it.

    A finding's id hashes its line, so a fix that rewrites a line holding a second finding
    gives that one a new id. It is the same finding, not fixed: it takes back the id of the
    unclaimed finding of the same rule, file and symbol that the commit made vanish.
    """
    after_ids = {f.id for f in after}
    vanished: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in before:
        if f.id not in after_ids and f.id not in claimed:
            vanished[finding_key(f)].append(f.id)
    before_ids = {f.id for f in before}
    kept = []
    for f in after:
        old = vanished.get(finding_key(f))
        kept.append(
            f.model_copy(update={"id": old.pop(0)}) if f.id not in before_ids and old else f
        )
    return kept
