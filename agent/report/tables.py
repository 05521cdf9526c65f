"""Print a rich table whole: a branch name, path or id is never folded mid-word.

rich fits a table to the console width (80 columns when stdout is not a terminal) by
folding cells, which breaks ``harden/security/20261130-...`` over two lines and makes it
impossible to copy. Here the table is printed at its natural width instead (up to
``_MAX_WIDTH``); a wider terminal line wraps in the terminal, not in the text.
"""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

__all__ = ["print_table"]

_MAX_WIDTH = 400


def print_table(console: Console, table: Table) -> None:
    natural = Measurement.get(console, console.options.update_width(_MAX_WIDTH), table).maximum
    width = console.width
    console.width = max(width, min(natural, _MAX_WIDTH))
    try:
        console.print(table)
    finally:
        console.width = width
