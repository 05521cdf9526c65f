"""The response cache: replies of earlier identical calls, stored as JSON text only.

diskcache's default ``Disk`` unpickles values on read (CVE-2025-69872, no fixed release),
so anyone who can write the cache directory could run code in harden. ``JSONDisk`` stores
keys as plain strings and values as JSON text, and refuses every other storage mode on
read: a pickled row is a miss, never unpickled. The directory is kept at mode 0700.

Exception tree::

    HardenError (agent.errors)
    └── UnsafeCacheValue  a cache row not stored as JSON text (caught here: it is a miss)
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import stat
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import diskcache  # type: ignore[import-untyped]
from diskcache.core import MODE_RAW, MODE_TEXT, UNKNOWN  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.config import read_environment
from agent.errors import HardenError
from agent.llm.base import ProviderReply, RenderedPrompt

__all__ = [
    "CachedReply",
    "JSONDisk",
    "ResponseCache",
    "UnsafeCacheValue",
    "cache_key",
    "default_cache_dir",
]

_log = logging.getLogger("harden.llm")


class UnsafeCacheValue(HardenError):
    """A cache key or value that is not plain text; it is never deserialised."""


class JSONDisk(diskcache.Disk):  # type: ignore[misc]
    """A diskcache ``Disk`` for str keys and JSON-text values; it never unpickles."""

    def put(self, key: object) -> tuple[object, bool]:
        if type(key) is not str:
            raise UnsafeCacheValue(f"cache keys are strings, not {type(key).__name__}")
        return key, True

    def get(self, key: object, raw: bool) -> str:
        if not raw or type(key) is not str:
            raise UnsafeCacheValue("refusing a cache key that is not stored as text")
        return key

    def store(self, value: object, read: bool, key: object = UNKNOWN) -> tuple[Any, ...]:
        if read or type(value) is not str:
            raise UnsafeCacheValue("the response cache stores JSON text only")
        json.loads(value)  # refuse text that is not JSON before it is written
        return super().store(value, False, key=key)  # type: ignore[no-any-return]

    def fetch(self, mode: int, filename: str | None, value: object, read: bool) -> str:
        if read or mode not in (MODE_RAW, MODE_TEXT):
            raise UnsafeCacheValue(f"refusing a cache value stored in mode {mode}")
        if mode == MODE_RAW and type(value) is not str:
            raise UnsafeCacheValue("refusing a raw cache value that is not text")
        text: str = super().fetch(mode, filename, value, False)
        return text


class CachedReply(BaseModel):
    """A stored reply and what it cost when it was made (the dollars a hit saves)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reply: ProviderReply
    cost_usd: float | None


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$HARDEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/harden``, else ``~/.cache/harden``."""
    return read_environment(env).cache_dir


def private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700, or narrow it to 0700 if it is open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)
    return path


def cache_key(
    provider: str,
    model: str,
    prompt: RenderedPrompt,
    schema: type[BaseModel],
    temperature: float,
    sample: int,
) -> str:
    """sha256 of exactly what can change the reply, as canonical JSON."""
    parts = {
        "provider": provider,
        "model": model,
        "prompt": [prompt.ref.id, prompt.ref.version, prompt.ref.content_hash],
        "messages": [prompt.messages.system, prompt.messages.user],
        "schema": schema.model_json_schema(),
        "temperature": temperature,
        "sample": sample,
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Replies by ``cache_key``; ``get`` returns None on a miss or an unsafe row.

    A context manager. diskcache keeps one sqlite connection per thread and ``close`` ends
    only the calling thread's, so each read and write opens and closes its own: the model
    calls run in worker threads, and none of their connections outlives its call.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = private_dir(directory)
        self._cache = diskcache.Cache(str(directory), disk=JSONDisk)

    @classmethod
    def default(cls, env: Mapping[str, str] | None = None) -> ResponseCache:
        return cls(default_cache_dir(env))

    key = staticmethod(cache_key)

    def get(self, key: str) -> CachedReply | None:
        try:
            with self._cache as cache:  # this thread's connection, closed after the read
                text = cache.get(key)
        except (UnsafeCacheValue, sqlite3.Error, OSError) as exc:
            _log.warning("response cache: ignoring entry %s: %s", key[:12], exc)
            return None
        return None if text is None else self._parse(key, text)

    def _parse(self, key: str, text: str) -> CachedReply | None:
        try:
            return CachedReply.model_validate_json(text)
        except ValidationError:
            _log.warning("response cache: entry %s is not a stored reply; ignored", key[:12])
            return None

    def put(self, key: str, reply: ProviderReply, cost_usd: float | None) -> None:
        with self._cache as cache:
            cache.set(key, CachedReply(reply=reply, cost_usd=cost_usd).model_dump_json())

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
