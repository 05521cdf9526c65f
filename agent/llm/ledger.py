"""The ledger: one sqlite row per model call, with its tokens, dollars, cache hit and outcome.

Every call is recorded, failed and refused ones too (a failed call can still be billed).
The schema is an append-only list of migrations; ``PRAGMA user_version`` counts how many
have been applied, so opening an old ledger upgrades it and never rewrites history.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict, Field

from agent.config import read_environment
from agent.llm.cache import private_dir

__all__ = ["MIGRATIONS", "CallRecord", "Ledger", "SpendRow", "default_data_dir"]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        run_id TEXT NOT NULL,
        finding_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        latency_s REAL NOT NULL,
        attempts INTEGER NOT NULL,
        cache_hit INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        sample INTEGER NOT NULL,
        saved_usd REAL NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX calls_run ON calls (run_id, provider, model, prompt)",
    # Why a call's reported usage was not trusted, e.g. "usage missing; settled at the
    # estimate" (agent.llm.settle); empty when it was.
    "ALTER TABLE calls ADD COLUMN usage_note TEXT NOT NULL DEFAULT ''",
    # The structured-output mode an OpenAI-compatible server answered in (json_schema,
    # json_object, prompt: agent.llm.structured); empty for other providers and failures.
    "ALTER TABLE calls ADD COLUMN structured_mode TEXT NOT NULL DEFAULT ''",
)

_COLUMNS = (
    "time, run_id, finding_id, provider, model, prompt, prompt_hash, input_tokens, "
    "cached_tokens, cache_write_tokens, output_tokens, cost_usd, latency_s, attempts, "
    "cache_hit, outcome, sample, saved_usd, usage_note, structured_mode"
)

_SUMMARY = """
SELECT run_id, provider, model, prompt, COUNT(*), SUM(cache_hit), SUM(input_tokens),
       SUM(cached_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(cost_usd),
       SUM(cost_usd IS NULL AND cache_hit = 0 AND outcome != 'refused-budget'), SUM(saved_usd),
       SUM(usage_note != '')
FROM calls GROUP BY run_id, provider, model, prompt ORDER BY MIN(id)
"""


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$HARDEN_DATA_DIR``, else ``$XDG_DATA_HOME/harden``, else ``~/.local/share/harden``."""
    return read_environment(env).data_dir


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CallRecord(BaseModel):
    """One model call as the ledger stores it. ``prompt`` is ``id@vN``."""

    model_config = ConfigDict(frozen=True)

    time: str = Field(default_factory=_now)
    run_id: str
    finding_id: str
    provider: str
    model: str
    prompt: str
    prompt_hash: str
    input_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None
    latency_s: float = 0.0
    attempts: int = 0
    cache_hit: bool = False
    outcome: str
    sample: int = 0
    saved_usd: float = 0.0
    usage_note: str = ""  # why the reported usage was not trusted; "" when it was
    structured_mode: str = ""  # json_schema / json_object / prompt on compatible servers


class SpendRow(BaseModel):
    """Spend of one run x model x prompt version. ``cost_usd`` sums the priced calls."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    provider: str
    model: str
    prompt: str
    calls: int
    cache_hits: int
    input_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int
    cost_usd: float
    unpriced_calls: int
    saved_usd: float
    odd_usage_calls: int = 0  # calls whose reported usage was missing or impossible


class Ledger:
    """The sqlite ledger at ``path`` (created with a 0700 parent); safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._migrate()

    @classmethod
    def default(cls, env: Mapping[str, str] | None = None) -> Ledger:
        return cls(default_data_dir(env) / "ledger.sqlite")

    def _migrate(self) -> None:
        """Apply the migrations not yet applied, one transaction each (safe across processes)."""
        with self._lock:
            while self._apply_next():
                pass

    def _apply_next(self) -> bool:
        self._db.execute("BEGIN IMMEDIATE")
        applied: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        try:
            if applied < len(MIGRATIONS):
                self._db.execute(MIGRATIONS[applied])
                self._db.execute(f"PRAGMA user_version = {applied + 1:d}")
        except sqlite3.Error:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return applied < len(MIGRATIONS)

    @property
    def schema_version(self) -> int:
        with self._lock:
            version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    def record(self, call: CallRecord) -> None:
        values = call.model_dump()
        names = [name.strip() for name in _COLUMNS.split(",")]
        row = [int(values[n]) if n == "cache_hit" else values[n] for n in names]
        marks = ", ".join("?" for _ in names)
        with self._lock:
            self._db.execute(f"INSERT INTO calls ({_COLUMNS}) VALUES ({marks})", row)  # noqa: S608

    def summary(self) -> list[SpendRow]:
        with self._lock:
            rows = self._db.execute(_SUMMARY).fetchall()
        fields = list(SpendRow.model_fields)
        return [SpendRow(**dict(zip(fields, _zero_nulls(row), strict=True))) for row in rows]

    def count(self, run_id: str | None = None) -> int:
        query, args = "SELECT COUNT(*) FROM calls", []
        if run_id is not None:
            query, args = query + " WHERE run_id = ?", [run_id]
        with self._lock:
            total: int = self._db.execute(query, args).fetchone()[0]
        return total

    def records(self, run_id: str | None = None) -> list[CallRecord]:
        """The recorded calls in order, of one run or all."""
        query, args = f"SELECT {_COLUMNS} FROM calls", []  # noqa: S608
        if run_id is not None:
            query, args = query + " WHERE run_id = ?", [run_id]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        names = [name.strip() for name in _COLUMNS.split(",")]
        return [CallRecord(**dict(zip(names, row, strict=True))) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _zero_nulls(row: tuple[object, ...]) -> list[object]:
    return [0 if value is None else value for value in row]
