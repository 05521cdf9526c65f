"""The plan's codemod cache: an unchanged group's dry run is not made again.

``harden plan`` runs each group's codemods in memory (``attempt_codemods``) only to learn
which findings a patch would claim, by which codemods, why the rest were refused, and which
symbols the patch changes. That outcome depends on harden's code and its libcst
(``code_fingerprint``), the file's path and bytes, the group's findings as the codemods see
them (every field), the priority, and the files beside it a codemod reads for its companion
edits (``COMPANION_FILES``); each is in the key. The run does not use this cache: it needs
the patch itself.

Entries are JSON under ``<cache dir>/plan`` (mode 0700), hardened as the scan cache's
(``EntryStore``): an entry is used only if it names its own key and path and claims or
refuses only the group's findings; anything else is a miss and the codemods run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from agent.models import Finding, Patch, Priority
from agent.run.touched import touched_by_patch
from agent.run.worklist import uses_codemods
from agent.scan.entry_store import EntryStore, KeyedEntry, private_dir, sha256
from agent.scan.fingerprint import code_fingerprint

__all__ = ["COMPANION_FILES", "MAX_ENTRIES", "CodemodOutcome", "PlanCache", "codemod_outcome"]

# Every file other than the fixed one that a codemod reads (dependency_files, hardcoded_secret).
COMPANION_FILES = ("requirements.txt", "pyproject.toml", ".env.example")
MAX_ENTRIES = 50_000
_log = logging.getLogger("harden.plan")


class CodemodOutcome(KeyedEntry):
    """What the plan reads of a group's codemod attempt (``fixer`` None: no patch)."""

    path: str
    fixer: str | None = None
    finding_ids: tuple[str, ...] = ()
    refused: dict[str, str] = {}
    touched: tuple[tuple[str, str], ...] = ()  # (path, symbol) the patch changes


class PlanCache:
    """Codemod outcomes by key, for one snapshot of a repository."""

    def __init__(self, cache_dir: Path, root: Path) -> None:
        self.store = EntryStore(private_dir(cache_dir / "plan"), CodemodOutcome, "plan")
        self.root = root
        self._contents: dict[str, str | None] = {}
        self.fresh: list[CodemodOutcome] = []

    def key(self, path: str, findings: Sequence[Finding], priority: Priority) -> str | None:
        """The key of a group's outcome; None when its file cannot be read (no cache)."""
        content = self._content(path)
        if content is None:
            return None
        beside = {name: self._content(name) for name in COMPANION_FILES}
        group = [f.model_dump(mode="json") for f in findings]
        parts = [code_fingerprint(), path, content, priority.value, group, beside]
        return sha256(json.dumps(parts, sort_keys=True))

    def get(self, key: str, path: str, findings: Sequence[Finding]) -> CodemodOutcome | None:
        entry = self.store.get(key)
        if entry is None:
            return None
        ids = {f.id for f in findings}
        if entry.path != path or not _within(entry, ids, path):
            _log.warning("plan cache: entry %s is not this group's; ignored", key[:12])
            return None
        return entry

    def add(self, outcome: CodemodOutcome) -> None:
        self.fresh.append(outcome)

    def save(self) -> None:
        """Write the outcomes computed in this plan (a write error only costs a rerun)."""
        self.store.put_all(self.fresh, MAX_ENTRIES)
        self.fresh = []

    def _content(self, path: str) -> str | None:
        if path not in self._contents:
            try:
                self._contents[path] = sha256((self.root / path).read_bytes())
            except OSError:
                self._contents[path] = None
        return self._contents[path]


def codemod_outcome(
    cache: PlanCache, group: Sequence[Finding], priority: Priority
) -> CodemodOutcome:
    """The run's codemod attempt for a group on the snapshot's file, from the cache if the
    same group was attempted on the same inputs before (the key covers the whole group, so
    a hit needs neither the codemods' registry nor libcst)."""
    path = group[0].path
    key = cache.key(path, group, priority)
    hit = cache.get(key, path, group) if key is not None else None
    if hit is not None:
        return hit
    outcome = _attempted(cache.root, group, priority, key or "")
    if key is not None:
        cache.add(outcome)
    return outcome


def _attempted(
    root: Path, group: Sequence[Finding], priority: Priority, key: str
) -> CodemodOutcome:
    from agent.fix import codemod_fixer  # libcst and the codemods: only on a miss

    path = group[0].path
    fixable = [f for f in group if codemod_fixer.has_codemod(f)] if uses_codemods(priority) else []
    if not fixable:
        return CodemodOutcome(key=key, path=path)
    attempt = codemod_fixer.attempt_codemods(root, path, fixable)
    return _outcome_of(key, path, attempt.patch, dict(attempt.refused))


def _outcome_of(
    key: str, path: str, patch: Patch | None, refused: dict[str, str]
) -> CodemodOutcome:
    if patch is None:
        return CodemodOutcome(key=key, path=path, refused=refused)
    touched = tuple(sorted(touched_by_patch(patch)))
    return CodemodOutcome(
        key=key,
        path=path,
        fixer=patch.fixer,
        finding_ids=patch.finding_ids,
        refused=refused,
        touched=touched,
    )


def _within(entry: CodemodOutcome, ids: set[str], path: str) -> bool:
    """The entry claims and refuses only the group's findings, and touches only its file."""
    return (
        set(entry.finding_ids) <= ids
        and set(entry.refused) <= ids
        and all(p == path for p, _ in entry.touched)
    )
