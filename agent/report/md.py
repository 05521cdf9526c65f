"""Markdown pieces every report shares: escaped text, code spans, tables, fenced details."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "DETAIL_LINES",
    "DETAIL_WIDTH",
    "fenced",
    "md_code",
    "md_table",
    "md_text",
    "trim_detail",
]

DETAIL_LINES = 8
DETAIL_WIDTH = 200
_MD_SPECIAL = re.compile(r"([\\`|<>*_\[\]])")


def md_text(text: str) -> str:
    """Text from code, safe in a table cell or a line: markdown specials and pipes escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_code(text: str) -> str:
    """An inline code span that survives backticks inside ``text``; pipes escaped for tables."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}".replace("|", "\\|")


def md_table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A GitHub table; cells must already be escaped."""
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def trim_detail(detail: str, lines: int = DETAIL_LINES, width: int = DETAIL_WIDTH) -> str:
    """The first ``lines`` lines of ``detail``, each cut to ``width`` characters."""
    all_lines = detail.strip().splitlines()
    kept = [ln if len(ln) <= width else ln[: width - 1] + "…" for ln in all_lines[:lines]]
    if len(all_lines) > lines:
        kept.append(f"… ({len(all_lines) - lines} more lines)")
    return "\n".join(kept)


def fenced(text: str) -> str:
    """A fenced code block longer than any backtick run inside ``text``."""
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"
