"""The run loop (agent.run.fixing) is one: `harden run` and `harden eval` both fix through it.

A real repo in a worktree on its own branch, real codemods, ruff and bandit, the real
funnel: a codemod fix is committed, a finding no codemod covers is left for a model, and an
observer sees each attempt. The phase's results are frozen data; ``live`` is a query.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import DEFAULT_IGNORE
from agent.git.repo import Repo
from agent.git.worktree import Worktree
from agent.run.branch import FixBranch
from agent.run.fixing import Fixers, fix_groups
from agent.run.observe import Attempt
from agent.run.worklist import group_findings, rank_findings
from agent.sandbox.suite import find_suite
from agent.scan import scan
from agent.validate.funnel import FunnelContext
from tests.conftest import GitRepo, git

AGENT = Path(__file__).resolve().parent.parent / "agent"
APP = """\
import pickle

import yaml


def settings(text):
    return yaml.load(text)


def session(blob):
    return pickle.loads(blob)
"""


class _Seen:
    def __init__(self) -> None:
        self.attempts: list[Attempt] = []

    def attempted(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)


@pytest.fixture
def worktree(make_repo: GitRepo) -> Iterator[Worktree]:
    root = make_repo({"app.py": APP})
    wt = Worktree.create(Repo(root, git(root, "rev-parse", "HEAD").strip()), "harden/loop")
    yield wt
    wt.remove(keep_branch=False)


def _branch(wt: Worktree, tmp: Path) -> FixBranch:
    findings = scan(wt.path, ["app.py"], ignore=DEFAULT_IGNORE).findings
    suite = find_suite(None, sys.executable, ["app.py"])
    ctx = FunnelContext(wt.path, (), suite, None, sys.executable, 60.0, DEFAULT_IGNORE, tmp)
    return FixBranch(wt, ctx, findings)


def test_the_loop_commits_a_codemod_fix_and_leaves_the_rest_for_a_model(
    worktree: Worktree, tmp_path: Path
) -> None:
    branch = _branch(worktree, tmp_path)
    security = [f for f in scan(worktree.path, ["app.py"]).findings if f.rule in {"S506", "S301"}]
    groups = group_findings(rank_findings(security))
    seen = _Seen()
    result = fix_groups(groups, branch, Fixers(codemods=True), lambda _: None, seen)
    by_symbol = {a.findings[0].symbol: a for a in seen.attempts}
    assert by_symbol["settings"].verdict is not None and by_symbol["settings"].verdict.accepted
    assert by_symbol["session"].verdict is None and by_symbol["session"].reason == "no codemod"
    landed = branch.landed()
    [commit] = landed.commits
    assert git(worktree.path, "log", "-1", "--format=%H").strip() == commit.sha
    assert "yaml.safe_load" in (worktree.path / "app.py").read_text()
    pickle_id = next(f.id for f in security if f.rule == "S301")
    assert result.model.needs_model == (pickle_id,)
    assert result.model.outcomes == () and result.model.cost_usd == 0.0


def test_live_is_a_query_and_the_results_are_frozen(worktree: Worktree, tmp_path: Path) -> None:
    branch = _branch(worktree, tmp_path)
    group = [f for f in scan(worktree.path, ["app.py"]).findings if f.rule == "S506"]
    assert branch.live(group) == branch.live(group) == group
    result = fix_groups([group], branch, Fixers(codemods=True), lambda _: None)
    assert branch.live(group) == []  # the commit fixed it; asking again changes nothing
    assert branch.landed().fixed_ids == {group[0].id}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.model.cost_usd = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        branch.landed().commits = ()  # type: ignore[misc]


def _sources(package: str) -> dict[str, str]:
    return {str(p): p.read_text(encoding="utf-8") for p in (AGENT / package).rglob("*.py")}


def test_the_eval_has_no_fix_validate_commit_loop_of_its_own() -> None:
    evals = "\n".join(_sources("evals").values())
    for copied in ("run_funnel", '"reset"', '"clean"', "was rejected at the", "ApplyError"):
        assert copied not in evals, copied
    runner = (AGENT / "evals" / "runner.py").read_text(encoding="utf-8")
    assert '"commit"' not in runner and "fix_groups(" in runner


def test_one_retry_feedback_text_and_one_finding_key_exist() -> None:
    everything = _sources(".")
    rejected = [p for p, text in everything.items() if "was rejected at the" in text]
    assert [Path(p).name for p in rejected] == ["llm_phase.py"]
    keys = [
        p
        for p, text in everything.items()
        if re.search(r"return f\.rule, f\.path, f\.symbol$", text, re.M)
    ]
    assert [Path(p).name for p in keys] == ["funnel.py"]


SAME_LINE = """\
import pickle

import yaml


def load(text, blob):
    return yaml.load(text), pickle.loads(blob)
"""


def test_a_fix_that_rewrites_a_line_leaves_its_other_finding_unfixed(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    """The codemod's yaml fix rewrites the line pickle.loads is on: that finding's id would
    change with its line, yet it is not fixed. It stays with its id, for the model."""
    root = make_repo({"app.py": SAME_LINE})
    wt = Worktree.create(Repo(root, git(root, "rev-parse", "HEAD").strip()), "harden/line")
    try:
        branch = _branch(wt, tmp_path)
        found = [f for f in scan(wt.path, ["app.py"]).findings if f.rule in {"S506", "S301"}]
        [group] = group_findings(rank_findings(found))
        result = fix_groups([group], branch, Fixers(codemods=True), lambda _: None)
        pickle_id = next(f.id for f in found if f.rule == "S301")
        assert "yaml.safe_load" in (wt.path / "app.py").read_text()
        assert result.model.needs_model == (pickle_id,)
        assert pickle_id not in result.gone | branch.landed().fixed_ids
        assert [f.id for f in branch.live(group)] == [pickle_id]
    finally:
        wt.remove(keep_branch=False)
