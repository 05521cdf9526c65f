"""A private folder of JSON entries by key: what harden's caches keep between runs.

An entry is a frozen pydantic model with a ``key`` field, stored as ``<key[:2]>/<key>.json``
under a folder of mode 0700 (files 0600, written whole then renamed into place). ``get``
returns an entry only if the file is a regular file of sane size (a symlink is refused)
that parses as the store's model and names its own key; anything else is a miss. The
store keeps at most a given number of entries, dropping the oldest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["EntryStore", "KeyedEntry", "private_dir", "sha256"]

_MAX_ENTRY_BYTES = 4_000_000
_log = logging.getLogger("harden.cache")


class KeyedEntry(BaseModel):
    """An entry names its own key (an entry copied under another key is refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str


E = TypeVar("E", bound=KeyedEntry)


class EntryStore(Generic[E]):
    """Entries of ``model`` by key in a private folder; ``get`` is None for a bad one."""

    def __init__(self, directory: Path, model: type[E], label: str) -> None:
        self.directory, self.model, self.label = directory, model, label

    def get(self, key: str) -> E | None:
        try:
            text = _read_regular(self._file(key))
        except OSError:
            return None
        try:
            entry = self.model.model_validate_json(text)
        except ValidationError:
            _log.warning("%s cache: entry %s is not an entry; ignored", self.label, key[:12])
            return None
        if entry.key != key:
            _log.warning("%s cache: entry %s is another key's; ignored", self.label, key[:12])
            return None
        return entry

    def put(self, entry: E) -> None:
        target = self._file(entry.key)
        private_dir(target.parent)
        temporary = target.with_name(f".{target.name}.{os.getpid()}")
        temporary.write_text(entry.model_dump_json(), encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(target)

    def put_all(self, entries: list[E], limit: int) -> None:
        """Write ``entries``; a store that cannot be written only costs the work again."""
        try:
            for entry in entries:
                self.put(entry)
            if entries:
                self.trim(limit)
        except OSError as exc:
            _log.warning(
                "%s cache: cannot write %s: %s", self.label, self.directory, exc.strerror or exc
            )

    def trim(self, limit: int) -> None:
        """Keep the newest ``limit`` entries (by modification time)."""
        files = list(self.directory.glob("*/*.json"))
        if len(files) <= limit:
            return
        files.sort(key=_mtime)
        for old in files[: len(files) - limit]:
            old.unlink(missing_ok=True)

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"


def _read_regular(path: Path) -> str:
    """The text of ``path`` if it is a regular file of sane size (a symlink is refused)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY_BYTES:
            raise OSError(f"{path} is not a cache entry")
        return fh.read().decode("utf-8", errors="replace")


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)
    return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def sha256(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()
