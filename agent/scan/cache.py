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

import hashlib
import json
import logging
import os
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.models import Finding, Priority, SkippedFile
from agent.scan import ScanResult, scan
from agent.scan.fingerprint import code_fingerprint
from agent.scan.repo_facts import RepoFacts

__all__ = ["MAX_ENTRIES", "CachedScan", "ScanCache", "cached_scan"]

MAX_ENTRIES = 50_000
_MAX_ENTRY_BYTES = 4_000_000
_log = logging.getLogger("harden.scan")


class _Entry(BaseModel):
    """One file's scan result: its findings, or why it was skipped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    path: str
    findings: tuple[Finding, ...]
    skipped: str | None


@dataclass(frozen=True)
class CachedScan:
    """A scan's result and which files were scanned (the rest came from the cache)."""

    result: ScanResult
    scanned: tuple[str, ...]


class ScanCache:
    """Entries by key in a private folder; ``get`` returns None for anything but a valid one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str, path: str) -> _Entry | None:
        try:
            text = _read_regular(self._file(key))
        except OSError:
            return None
        try:
            entry = _Entry.model_validate_json(text)
        except ValidationError:
            _log.warning("scan cache: entry %s is not a scan result; ignored", key[:12])
            return None
        if entry.key != key or entry.path != path or any(f.path != path for f in entry.findings):
            _log.warning("scan cache: entry %s is not %s's; ignored", key[:12], path)
            return None
        return entry

    def put(self, entry: _Entry) -> None:
        target = self._file(entry.key)
        _private_dir(target.parent)
        temporary = target.with_name(f".{target.name}.{os.getpid()}")
        temporary.write_text(entry.model_dump_json(), encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(target)

    def trim(self, limit: int = MAX_ENTRIES) -> None:
        """Keep the newest ``limit`` entries (by modification time)."""
        files = list(self.directory.glob("*/*.json"))
        if len(files) <= limit:
            return
        files.sort(key=_mtime)
        for old in files[: len(files) - limit]:
            old.unlink(missing_ok=True)

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"


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
    cache = ScanCache(_private_dir(cache_dir / "scan"))
    facts = RepoFacts.load(root, paths)
    config = _config_key(facts, ignore, select, priorities)
    keys = {p: k for p in paths if (k := _file_key(root, p, config, facts)) is not None}
    found = {p: e for p, k in keys.items() if (e := cache.get(k, p)) is not None}
    missing = [p for p in paths if p not in found]
    fresh = (
        scan(root, missing, ignore=ignore, select=select, priorities=priorities)
        if missing
        else ScanResult((), ())
    )
    stored = [_entry(keys[p], p, fresh) for p in missing if p in keys]
    _store(cache, stored)
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
    return _sha256(json.dumps(parts, sort_keys=True, default=_jsonable))


def _jsonable(value: object) -> object:
    """A set as a sorted list (its order is not the set's), anything else as text."""
    return sorted(map(str, value)) if isinstance(value, set | frozenset) else str(value)


def _file_key(root: Path, path: str, config: str, facts: RepoFacts) -> str | None:
    """The key of ``path``'s findings; None when the file cannot be read (it is scanned)."""
    try:
        content = _sha256((root / path).read_bytes())
    except OSError:
        return None
    folders = [p.as_posix() for p in PurePosixPath(path).parents if p.name]
    packages = [f for f in folders if (root / f / "__init__.py").exists()]
    parts = [config, path, content, path in facts.executables, packages]
    return _sha256(json.dumps(parts))


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


def _store(cache: ScanCache, entries: list[_Entry]) -> None:
    """Write the new entries; a cache that cannot be written only costs a rescan later."""
    try:
        for entry in entries:
            cache.put(entry)
        if entries:
            cache.trim()
    except OSError as exc:
        _log.warning("scan cache: cannot write %s: %s", cache.directory, exc.strerror or exc)


def _read_regular(path: Path) -> str:
    """The text of ``path`` if it is a regular file of sane size (a symlink is refused)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY_BYTES:
            raise OSError(f"{path} is not a scan cache entry")
        return fh.read().decode("utf-8", errors="replace")


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)
    return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _sha256(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()
