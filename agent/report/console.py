"""The one pair of consoles every command prints through: results on stdout, notes on stderr.

Both soft-wrap: a command, branch name or path printed for the user stays copyable (rich
would otherwise fold it at the terminal width).
"""

from __future__ import annotations

from rich.console import Console

__all__ = ["err", "out"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
