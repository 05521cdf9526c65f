"""The scan cache: a file's findings are kept, and an unchanged file is not scanned again.

A file's findings depend on its bytes and path, and on what else ``scan`` reads: the
configuration (``ignore``, ``select``), the code of harden and the versions of ruff,
bandit and Python, the repository's facts (entry points, ``.gitattributes``; they are
hashed whole, so a change to either rescans every file), whether the file is executable,
and which of its folders hold an ``__init__.py`` (a folder of scripts). Each of these is
in the file's key; nothing else in ``scan`` crosses files (merging and finding ids are per
file), so the findings of the files a scan gets from the cache plus those of a scan of the
rest are the findings of one cold scan, in the same order.

Entries are JSON files named by their key under ``<cache dir>/scan`` (mode 0700). An
entry is used only if it parses as an entry, names its own key and path, and holds
findings of that path only; anything else (a corrupt file, one planted under another
key, a symlink) is a miss and the file is scanned. The cache keeps at most
``MAX_ENTRIES`` entries, dropping the oldest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

from agent.models import Finding, Priority, SkippedFile
from agent.scan import ScanResult, scan
from agent.scan.entry_store import EntryStore, KeyedEntry, private_dir, sha256
from agent.scan.fingerprint import code_fingerprint
from agent.scan.repo_facts import RepoFacts

__all__ = ["MAX_ENTRIES", "CachedScan", "ScanCache", "cached_scan"]

MAX_ENTRIES = 50_000
_log = logging.getLogger("harden.scan")


class _Entry(KeyedEntry):
    """One file's scan result: its findings, or why it was skipped."""

    path: str
    findings: tuple[Finding, ...]
    skipped: str | None


@dataclass(frozen=True)
class CachedScan:
    """A scan's result and which files were scanned (the rest came from the cache)."""

    result: ScanResult
    scanned: tuple[str, ...]


class ScanCache(EntryStore[_Entry]):
    """Files' scan results by key; an entry of another path is a miss."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, _Entry, "scan")

    def get_of(self, key: str, path: str) -> _Entry | None:
        entry = self.get(key)
        if entry is None:
            return None
        if entry.path != path or any(f.path != path for f in entry.findings):
            _log.warning("scan cache: entry %s is not %s's; ignored", key[:12], path)
            return None
        return entry

    def trim(self, limit: int = MAX_ENTRIES) -> None:
        super().trim(limit)


def cached_scan(
    root: Path,
    paths: Sequence[str],
    cache_dir: Path,
    ignore: Collection[str] = (),
    select: Collection[str] = (),
    priorities: Collection[Priority] | None = None,
) -> CachedScan:
    """``scan(root, paths, ignore, select, priorities=...)``, with only the files not in the
    cache scanned (a scan of some priorities is kept apart from a scan of all)."""
    cache = ScanCache(private_dir(cache_dir / "scan"))
    facts = RepoFacts.load(root, paths)
    config = _config_key(facts, ignore, select, priorities)
    keys = {p: k for p in paths if (k := _file_key(root, p, config, facts)) is not None}
    found = {p: e for p, k in keys.items() if (e := cache.get_of(k, p)) is not None}
    missing = [p for p in paths if p not in found]
    fresh = (
        scan(root, missing, ignore=ignore, select=select, priorities=priorities)
        if missing
        else ScanResult((), ())
    )
    stored = [_entry(keys[p], p, fresh) for p in missing if p in keys]
    cache.put_all(stored, MAX_ENTRIES)
    found.update((e.path, e) for e in stored)
    _log.info("scan: %d of %d file(s) scanned, the rest from the cache", len(missing), len(paths))
    return CachedScan(_combined(paths, found, fresh), tuple(missing))


def _config_key(
    facts: RepoFacts,
    ignore: Collection[str],
    select: Collection[str],
    priorities: Collection[Priority] | None,
) -> str:
    """What every file's findings depend on besides its own bytes, path and mode."""
    shared = {f.name: getattr(facts, f.name) for f in fields(facts) if f.name != "executables"}
    parts = {
        "harden": code_fingerprint(),
        "ignore": sorted(ignore),
        "select": sorted(select),
        "priorities": None if priorities is None else sorted(priorities),
        "facts": shared,
    }
    return sha256(json.dumps(parts, sort_keys=True, default=_jsonable))


def _jsonable(value: object) -> object:
    """A set as a sorted list (its order is not the set's), anything else as text."""
    return sorted(map(str, value)) if isinstance(value, set | frozenset) else str(value)


def _file_key(root: Path, path: str, config: str, facts: RepoFacts) -> str | None:
    """The key of ``path``'s findings; None when the file cannot be read (it is scanned)."""
    try:
        content = sha256((root / path).read_bytes())
    except OSError:
        return None
    folders = [p.as_posix() for p in PurePosixPath(path).parents if p.name]
    packages = [f for f in folders if (root / f / "__init__.py").exists()]
    parts = [config, path, content, path in facts.executables, packages]
    return sha256(json.dumps(parts))


def _entry(key: str, path: str, fresh: ScanResult) -> _Entry:
    skipped = next((s.reason for s in fresh.skipped if s.path == path), None)
    findings = tuple(f for f in fresh.findings if f.path == path)
    return _Entry(key=key, path=path, findings=findings, skipped=skipped)


def _combined(paths: Sequence[str], found: dict[str, _Entry], fresh: ScanResult) -> ScanResult:
    """Findings in ``scan``'s order (by path, then as the file's scan left them)."""
    by_path = {p: list(e.findings) for p, e in found.items()}
    for finding in fresh.findings:
        if finding.path not in found:
            by_path.setdefault(finding.path, []).append(finding)
    findings = tuple(f for p in sorted(by_path) for f in by_path[p])
    reasons = {p: e.skipped for p, e in found.items() if e.skipped is not None}
    reasons.update((s.path, s.reason) for s in fresh.skipped if s.path not in found)
    skipped = tuple(SkippedFile(path=p, reason=reasons[p]) for p in paths if p in reasons)
    return ScanResult(findings, skipped)
