"""``harden checklist``: the repository scored against the productionalization checklist.

Each item (``ItemId``) is pass, fail or not applicable, with its evidence (files, lines,
findings) and, for a fail, the harden priority or manual step that addresses it. The
items are judged from the same scan a run makes (``agent.scan``) plus a few cheap facts
of the tracked files (``Facts``: environment variables read, web framework, routes, auth,
rate limits, logging, LLM calls and their caps, tests, documents, committed secrets),
which a PRODUCTION.md draft can read as well.

``score_repo`` reads the repository at HEAD (a ``git archive`` export in a temp dir) and
changes nothing; ``score_tree`` scores a tree already checked out (a run's worktree) from
findings already made.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.checklist.facts import EnvRead, ExternalCall, Facts, LlmCall, SourceFacts
from agent.checklist.gather import gather_facts
from agent.checklist.items_code import (
    auth,
    external_errors,
    input_validation,
    secrets,
    structured_logging,
)
from agent.checklist.items_project import (
    env_documented,
    integration_test,
    llm_cost,
    rate_limiting,
    rollback,
)
from agent.checklist.model import Checklist, Evidence, ItemId, ItemResult, ItemStatus
from agent.checklist.verdict import Item, Scored
from agent.config import read_environment
from agent.errors import NoPythonFilesError
from agent.git.repo import open_repo
from agent.models import Finding
from agent.scan.cache import cached_scan
from agent.scan.files import select_files

__all__ = [
    "ITEMS",
    "Checklist",
    "EnvRead",
    "Evidence",
    "ExternalCall",
    "Facts",
    "ItemId",
    "ItemResult",
    "ItemStatus",
    "LlmCall",
    "SourceFacts",
    "Survey",
    "gather_facts",
    "score_facts",
    "score_repo",
    "score_tree",
    "survey_repo",
]

ITEMS: tuple[Item, ...] = (
    input_validation,
    auth,
    external_errors,
    structured_logging,
    integration_test,
    env_documented,
    rate_limiting,
    llm_cost,
    rollback,
    secrets,
)


@dataclass(frozen=True)
class Survey:
    """A repository at one commit: its scorecard, and the facts and findings behind it."""

    checklist: Checklist
    facts: Facts
    findings: tuple[Finding, ...]


def score_repo(path: Path, exclude: Sequence[str] = ()) -> Checklist:
    """Score the repository at ``path`` as committed at HEAD; nothing is written to it."""
    return survey_repo(path, exclude).checklist


def survey_repo(path: Path, exclude: Sequence[str] = ()) -> Survey:
    """Scan and score the repository at ``path`` as committed at HEAD; nothing is written."""
    repo = open_repo(path)
    tracked = repo.files_in_scope()
    with tempfile.TemporaryDirectory(prefix="harden-checklist-") as tmp:
        snapshot = Path(tmp)
        repo.extract(repo.base_commit, snapshot)
        modules = select_files(tracked, snapshot, exclude)
        if not modules:
            raise NoPythonFilesError(f"no Python files to check in {path}")
        findings = cached_scan(snapshot, modules, read_environment().cache_dir).result.findings
        facts = gather_facts(snapshot, tracked, modules)
    checklist = score_facts(facts, findings, repo=str(repo.root), commit=repo.base_commit)
    return Survey(checklist, facts, findings)


def score_tree(
    root: Path, tracked: Sequence[str], modules: Sequence[str], findings: Sequence[Finding]
) -> Checklist:
    """Score the tree at ``root`` from the scan's ``findings`` of its ``modules``."""
    return score_facts(gather_facts(root, tracked, modules), findings, repo=str(root))


def score_facts(
    facts: Facts, findings: Sequence[Finding], repo: str = "", commit: str = ""
) -> Checklist:
    """The scorecard of facts already gathered and the scan's ``findings``."""
    scored = Scored(tuple(findings), facts)
    return Checklist(repo=repo, commit=commit, items=tuple(item(scored) for item in ITEMS))
