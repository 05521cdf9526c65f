"""The one pair of consoles every command prints through: results on stdout, notes on stderr.

Both soft-wrap: a command, branch name or path printed for the user stays copyable (rich
would otherwise fold it at the terminal width). ``echo`` and ``note`` print a text exactly
as it is (JSON, a line with a path in it): no markup, highlighting, emoji or wrapping.
Logging is not output: it stays with ``agent.log``'s handler.
"""

from __future__ import annotations

from rich.console import Console

__all__ = ["echo", "err", "note", "out"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def echo(text: str) -> None:
    """``text`` and a newline on stdout, byte for byte (as ``click.echo`` would)."""
    out.out(text, highlight=False)


def note(text: str) -> None:
    """``text`` and a newline on stderr, byte for byte."""
    err.out(text, highlight=False)
