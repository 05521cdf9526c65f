"""Split a decomposed shell command into argv words, only when no shell is needed.

``["ls -la ", Value(path)]`` -> ``["ls", "-la", Value(path)]``. None (leave the call
alone) when the literal text holds anything a shell would interpret (metacharacters,
quotes, globs, redirections, comments, escapes, non-printable characters), when an
interpolated value touches literal text or another value (``--out={p}``, ``{a}{b}``),
when the program is itself interpolated, or when it is a shell builtin or keyword
(``cd``, ``export``, ``if``) or a variable assignment (``FOO=1 cmd``).
"""

from __future__ import annotations

import re

from agent.fix.codemods._lib.template import Part, Value

__all__ = ["split_command"]

_SHELL_CHARS = frozenset("|&;<>()$`*?[]~{}!\"'\\#\n")
_BLANKS = " \t"
_WORD_BREAK = re.compile(r"[ \t]+")
_BUILTINS = frozenset(
    [
        "cd",
        "export",
        "source",
        ".",
        "alias",
        "unalias",
        "set",
        "unset",
        "exit",
        "exec",
        "eval",
        "ulimit",
        "umask",
        "read",
        "wait",
        "trap",
        "shift",
        "type",
        "hash",
        "return",
        "break",
        "continue",
        "readonly",
        "local",
        "declare",
        "typeset",
        "let",
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "function",
        "select",
        "time",
        "coproc",
        "jobs",
        "fg",
        "bg",
        "builtin",
        "command",
        "getopts",
        "history",
    ]
)


def split_command(parts: list[Part]) -> list[str | Value] | None:
    """The argv a shell would build from ``parts``, or None if a shell could matter."""
    if not all(_is_plain(p) for p in parts if isinstance(p, str)):
        return None
    if not all(_stands_alone(parts, i) for i, p in enumerate(parts) if isinstance(p, Value)):
        return None
    words: list[str | Value] = []
    for part in parts:
        if isinstance(part, str):
            words.extend(w for w in _WORD_BREAK.split(part) if w)
        else:
            words.append(part)
    return words if words and _is_program(words[0]) else None


def _is_plain(text: str) -> bool:
    """Literal text a shell passes through unchanged apart from splitting on blanks."""
    if _SHELL_CHARS & set(text):
        return False
    return all(ch.isprintable() or ch == "\t" for ch in text)


def _stands_alone(parts: list[Part], index: int) -> bool:
    """An interpolated value is a whole word: blanks (or the ends) on both sides."""
    before = parts[index - 1] if index > 0 else " "
    after = parts[index + 1] if index + 1 < len(parts) else " "
    if not isinstance(before, str) or not isinstance(after, str):
        return False
    return before[-1:] != "" and before[-1] in _BLANKS and after[:1] != "" and after[0] in _BLANKS


def _is_program(word: str | Value) -> bool:
    return isinstance(word, str) and "=" not in word and word not in _BUILTINS
