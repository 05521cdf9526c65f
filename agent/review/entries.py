"""Each commit of a reviewed branch with what a reviewer needs: the finding(s) it fixes
(rule, CWE, risk), the validation evidence (the commit's trailers, the run's verdict), and
the diff."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.git.records import Commit, FileDiff
from agent.git.repo import Repo
from agent.models import Finding, RunReport, StageResult, Verdict
from agent.review.runs import Reviewed

__all__ = ["Entry", "read_entries", "rules_of"]


class Entry(BaseModel):
    """One commit of the branch, numbered from 1 in branch order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    sha: str
    title: str
    trailers: tuple[tuple[str, str], ...]
    findings: tuple[Finding, ...]
    rules: tuple[str, ...]
    stages: tuple[StageResult, ...] = ()
    tests_run: str = ""
    evidence: tuple[str, ...] = ()  # the message's "Evidence:" lines
    diff: str

    def trailer_values(self, key: str) -> tuple[str, ...]:
        return tuple(v for k, v in self.trailers if k.lower() == key.lower())


def read_entries(repo: Repo, reviewed: Reviewed) -> list[Entry]:
    """The branch's commits since its base, oldest first."""
    commits = repo.log(reviewed.base, reviewed.branch)
    return [_entry(repo, n, c, reviewed.report) for n, c in enumerate(commits, start=1)]


def rules_of(entry: Entry) -> set[str]:
    """Every rule name the entry's findings go by (their aliases too)."""
    names = {r for f in entry.findings for r in (f.rule, *f.aliases)}
    return names | set(entry.rules)


def _entry(repo: Repo, number: int, commit: Commit, report: RunReport | None) -> Entry:
    ids = commit.trailer_values("Harden-Finding")
    by_id = {f.id: f for f in report.findings} if report else {}
    verdict = _verdict(report, ids, commit.title) if report else None
    return Entry(
        number=number,
        sha=commit.sha,
        title=commit.title,
        trailers=commit.trailers,
        findings=tuple(by_id[i] for i in ids if i in by_id),
        rules=commit.trailer_values("Harden-Rule"),
        stages=verdict.stages if verdict else (),
        tests_run=verdict.tests_run if verdict else "",
        evidence=_evidence_lines(repo.message(commit.sha)),
        diff=_diff_text(repo.diff(f"{commit.sha}^", commit.sha)),
    )


def _verdict(report: RunReport, ids: tuple[str, ...], title: str) -> Verdict | None:
    """The accepted verdict behind a commit: the same findings, the same title if any."""
    same = [v for v in report.verdicts if v.accepted and sorted(v.patch.finding_ids) == sorted(ids)]
    titled = [v for v in same if v.patch.title == title]
    return (titled or same)[-1] if same else None


def _evidence_lines(message: str) -> tuple[str, ...]:
    """The ``- stage: ok`` lines under the message's ``Evidence:`` heading."""
    lines = message.splitlines()
    if "Evidence:" not in lines:
        return ()
    after = lines[lines.index("Evidence:") + 1 :]
    taken = []
    for line in after:
        if not line.startswith("- "):
            break
        taken.append(line[2:])
    return tuple(taken)


def _diff_text(diffs: list[FileDiff]) -> str:
    """A unified diff of the files, with ``--- a/`` / ``+++ b/`` headers."""
    parts = []
    for d in diffs:
        old = f"a/{d.old_path}" if d.old_path else "/dev/null"
        new = f"b/{d.new_path}" if d.new_path else "/dev/null"
        parts.append(f"--- {old}\n+++ {new}\n{d.hunks.rstrip()}\n")
    return "".join(parts)
