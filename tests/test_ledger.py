"""The ledger: migrations, persistence, summaries, default location."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from agent.llm.ledger import MIGRATIONS, CallRecord, Ledger, default_data_dir
from agent.report.spend import cost_table


def record(**changes: object) -> CallRecord:
    fields: dict[str, object] = {
        "run_id": "run-1",
        "finding_id": "f1",
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "prompt": "fix/security@v1",
        "prompt_hash": "ab" * 32,
        "input_tokens": 1000,
        "cached_tokens": 200,
        "output_tokens": 100,
        "cost_usd": 0.01,
        "latency_s": 1.5,
        "attempts": 1,
        "outcome": "ok",
    }
    return CallRecord.model_validate({**fields, **changes})


def test_migrations_are_applied_once_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ledger.sqlite"
    with Ledger(path) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        ledger.record(record())
    with Ledger(path) as again:
        assert again.schema_version == len(MIGRATIONS)
        assert again.count() == 1
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_older_ledger_is_upgraded_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    db = sqlite3.connect(path)
    db.execute(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        ledger.record(record())
        assert ledger.count() == 1


def test_summary_groups_by_run_model_and_prompt(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record(record())
        ledger.record(record(cost_usd=0.0, cache_hit=True, saved_usd=0.01, input_tokens=0))
        ledger.record(record(prompt="fix/security@v2", cost_usd=None, outcome="error: X"))
        ledger.record(record(run_id="run-2"))
        rows = ledger.summary()
        assert ledger.count("run-1") == 3
    first = rows[0]
    assert (first.run_id, first.prompt, first.calls, first.cache_hits) == (
        "run-1",
        "fix/security@v1",
        2,
        1,
    )
    assert first.cost_usd == pytest.approx(0.01)
    assert first.saved_usd == pytest.approx(0.01)
    assert first.input_tokens == 1000
    assert (rows[1].prompt, rows[1].unpriced_calls, rows[1].cost_usd) == ("fix/security@v2", 1, 0)
    assert [r.run_id for r in rows] == ["run-1", "run-1", "run-2"]


def test_cost_table_has_a_row_per_group_and_a_total(tmp_path: Path) -> None:
    from rich.console import Console

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record(record())
        ledger.record(record(prompt="fix/security@v2", cost_usd=None))
        table = cost_table(ledger)
    assert table.row_count == 3
    console = Console(width=200, record=True)
    console.print(table)
    text = console.export_text()
    assert "unknown" in text
    assert "total" in text
    assert "$0.0100" in text


def test_default_data_dir_order() -> None:
    assert default_data_dir({"HARDEN_DATA_DIR": "/a", "XDG_DATA_HOME": "/b"}) == Path("/a")
    assert default_data_dir({"XDG_DATA_HOME": "/b", "HOME": "/h"}) == Path("/b/harden")
    assert default_data_dir({"HOME": "/h"}) == Path("/h/.local/share/harden")
