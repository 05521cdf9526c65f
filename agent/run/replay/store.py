"""The replay's entries: JSON files in a private folder under harden's cache directory.

The cache directory is resolved as ``agent.config.read_environment`` resolves it
(``HARDEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/harden``, else ``~/.cache/harden``);
tests/test_replay.py checks that the two agree. This module runs before harden's imports,
so it uses the standard library only (and not pathlib, whose import costs more).
"""

from __future__ import annotations

import json
import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = ["MAX_ENTRIES", "MAX_ENTRY_BYTES", "Store", "cache_dir"]

MAX_ENTRIES = 400  # two per plan: the invocation's (its PATH) and the answer
MAX_ENTRY_BYTES = 32_000_000
_FOLDER = "replay"


def cache_dir(environ: Mapping[str, str]) -> str:
    """harden's cache directory, as ``read_environment(environ).cache_dir``."""
    if environ.get("HARDEN_CACHE_DIR"):
        return environ["HARDEN_CACHE_DIR"]
    if environ.get("XDG_CACHE_HOME"):
        return os.path.join(environ["XDG_CACHE_HOME"], "harden")
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".cache", "harden")


class Store:
    """Entries by key; ``load`` is None for anything but a sound entry of this key."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.directory = os.path.join(cache_dir(environ), _FOLDER)

    def load(self, key: str) -> dict[str, Any] | None:
        if not _private(self.directory, stat.S_ISDIR, 0o700):
            return None
        try:
            entry = json.loads(_read(self._file(key)))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry

    def save(self, entry: dict[str, Any]) -> None:
        """Write ``entry`` whole, then rename it into place; keep the newest entries."""
        key = entry["key"]
        temporary = os.path.join(self.directory, f".{key}.{os.getpid()}.tmp")
        try:
            self._make()
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with os.fdopen(os.open(temporary, flags, 0o600), "w", encoding="utf-8") as out:
                json.dump(entry, out)
            os.replace(temporary, self._file(key))
            self._trim()
        except OSError:
            _remove(temporary)  # a store that cannot be written only costs the plan again

    def _file(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def _make(self) -> None:
        os.makedirs(os.path.dirname(self.directory), mode=0o700, exist_ok=True)
        if not os.path.lexists(self.directory):
            os.mkdir(self.directory, 0o700)
        if not _private(self.directory, stat.S_ISDIR, 0o700):
            raise OSError(f"{self.directory} is not a private folder of this user")

    def _trim(self) -> None:
        with os.scandir(self.directory) as scan:
            entries = [e for e in scan if e.name.endswith(".json")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=_mtime)
        for old in entries[: len(entries) - MAX_ENTRIES]:
            _remove(old.path)


def _private(path: str, kind: Callable[[int], bool], mode: int) -> bool:
    """``path`` itself (not a symlink) is of ``kind``, this user's, with exactly ``mode``."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return kind(info.st_mode) and _owned(info, mode)


def _owned(info: os.stat_result, mode: int) -> bool:
    return info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == mode


def _read(path: str) -> str:
    """A regular file of this user's, mode 0600, of sane size; a symlink is refused."""
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owned(info, 0o600):
            raise OSError(f"{path} is not an entry of this user's")
        if info.st_size > MAX_ENTRY_BYTES:
            raise OSError(f"{path} is too large")
        return source.read().decode("utf-8")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0
