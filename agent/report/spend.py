"""``harden cost``: the ledger as a table, one row per run x model x prompt version."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.table import Table

from agent.llm.ledger import Ledger, SpendRow

__all__ = ["cost_json", "cost_table", "spend_table"]

_HEADERS = (
    "run",
    "model",
    "prompt",
    "calls",
    "cache hits",
    "input tok",
    "cached tok",
    "output tok",
    "cost",
    "saved by cache",
)
_NUMERIC = frozenset(_HEADERS[3:])


def _dollars(row: SpendRow) -> str:
    """``$0.0123``; "unknown" when no call was priced; a note when only some were."""
    if row.unpriced_calls and not row.cost_usd:
        return "unknown"
    note = f" + {row.unpriced_calls} unpriced" if row.unpriced_calls else ""
    if row.odd_usage_calls:
        note += f" ({row.odd_usage_calls} with missing or impossible usage)"
    return f"${row.cost_usd:.4f}{note}"


def _cells(row: SpendRow) -> list[str]:
    return [
        row.run_id,
        f"{row.provider}/{row.model}" if row.provider else "",
        row.prompt,
        str(row.calls),
        str(row.cache_hits),
        f"{row.input_tokens:,}",
        f"{row.cached_tokens:,}",
        f"{row.output_tokens:,}",
        _dollars(row),
        f"${row.saved_usd:.4f}",
    ]


def _total(rows: Sequence[SpendRow]) -> SpendRow:
    def total(field: str) -> int:
        return sum(getattr(row, field) for row in rows)

    return SpendRow(
        run_id="total",
        provider="",
        model="",
        prompt="",
        calls=total("calls"),
        cache_hits=total("cache_hits"),
        input_tokens=total("input_tokens"),
        cached_tokens=total("cached_tokens"),
        cache_write_tokens=total("cache_write_tokens"),
        output_tokens=total("output_tokens"),
        cost_usd=sum(row.cost_usd for row in rows),
        unpriced_calls=total("unpriced_calls"),
        saved_usd=sum(row.saved_usd for row in rows),
        odd_usage_calls=total("odd_usage_calls"),
    )


def spend_table(rows: Sequence[SpendRow]) -> Table:
    """The spend rows and a total row."""
    table = Table(title="harden: model spend")
    for header in _HEADERS:
        table.add_column(header, justify="right" if header in _NUMERIC else "left", no_wrap=True)
    for row in rows:
        table.add_row(*_cells(row))
    table.add_section()
    table.add_row(*_cells(_total(rows)), style="bold")
    return table


def cost_table(ledger: Ledger) -> Table:
    """``harden cost``: spend per run, model and prompt version, from ``ledger``."""
    return spend_table(ledger.summary())


def cost_json(ledger: Ledger) -> str:
    """``harden cost --json``: the same rows and their total, as JSON."""
    rows = ledger.summary()
    data = {"rows": [row.model_dump() for row in rows], "total": _total(rows).model_dump()}
    return json.dumps(data, indent=2)
