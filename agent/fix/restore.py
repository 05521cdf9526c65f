"""Put the real secrets back into a model's edits, only where they stood.

The model saw placeholders instead of secrets. A placeholder in an edit's search text is
always restored (the search must match the file). One in the replacement is restored only
where the replacement keeps the search text around it: the two are aligned token by
token, and the placeholder must lie in a stretch copied unchanged from the search that
reaches back to the start of the placeholder's line in the search, with at least three
tokens before it and one after. ``password = "P"`` kept (its name, ``=`` and quote
included) on a line that may otherwise change is restored; ``log.info("creds: P")``,
``os.environ.get("X", "P")`` or the same literal under another name is new text around
it and is not. A placeholder left unrestored stays as it is, and the scope stage refuses a patch
that adds one (agent.redaction.secrets.stray_placeholders), so a secret is never written where the
original code did not have it.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from agent.fix.llm_patch import SearchReplace
from agent.redaction.secrets import Redactor

__all__ = ["restore_edit"]

_TOKEN = re.compile(r"\w+|\S")
MIN_BEFORE = 3  # tokens of kept context before a placeholder (name, "=", opening quote)
MIN_AFTER = 1  # and after it (the closing quote)


def restore_edit(edit: SearchReplace, redactor: Redactor) -> SearchReplace:
    """``edit`` with its search fully restored and its replacement restored in place."""
    return SearchReplace(
        path=edit.path,
        search=redactor.restore(edit.search),
        replace=_restore_in_place(edit.search, edit.replace, redactor),
    )


def _restore_in_place(search: str, replace: str, redactor: Redactor) -> str:
    kept = _kept_spans(search, replace, redactor)
    out, last = [], 0
    for match in redactor.pattern.finditer(replace):
        secret = redactor.secret_of(match.group(0))
        if secret is not None and match.span() in kept:
            out += [replace[last : match.start()], secret]
            last = match.end()
    return "".join([*out, replace[last:]])


def _kept_spans(search: str, replace: str, redactor: Redactor) -> set[tuple[int, int]]:
    """Spans of ``replace``'s placeholders copied from ``search`` with their context."""
    old, new = _tokens(search, redactor), _tokens(replace, redactor)
    old_words, new_words = [t for t, _ in old], [t for t, _ in new]
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    kept: set[tuple[int, int]] = set()
    for tag, i1, _, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2) if tag == "equal" else ():
            i = i1 + j - j1
            before = max(MIN_BEFORE, i - _line_start(search, old, i))
            if redactor.pattern.fullmatch(new_words[j]) and _same_around(
                old_words, new_words, (i, j), before
            ):
                kept.add(new[j][1])
    return kept


def _same_around(old: list[str], new: list[str], at: tuple[int, int], before: int) -> bool:
    """``before`` tokens before and MIN_AFTER after position ``at`` are the same in both."""
    i, j = at
    if i < before or j < before:
        return False
    after = slice(i + 1, i + 1 + MIN_AFTER), slice(j + 1, j + 1 + MIN_AFTER)
    return old[i - before : i] == new[j - before : j] and (
        len(old[after[0]]) == MIN_AFTER and old[after[0]] == new[after[1]]
    )


def _line_start(text: str, tokens: list[tuple[str, tuple[int, int]]], index: int) -> int:
    """The index of the first token on the line of ``tokens[index]``."""
    start = text.rfind("\n", 0, tokens[index][1][0]) + 1
    while index > 0 and tokens[index - 1][1][0] >= start:
        index -= 1
    return index


def _tokens(text: str, redactor: Redactor) -> list[tuple[str, tuple[int, int]]]:
    """Words and punctuation, each placeholder one token; whitespace is not a token."""
    tokens: list[tuple[str, tuple[int, int]]] = []
    last = 0
    for match in redactor.pattern.finditer(text):
        tokens += _plain(text, last, match.start())
        tokens.append((match.group(0), match.span()))
        last = match.end()
    return tokens + _plain(text, last, len(text))


def _plain(text: str, start: int, end: int) -> list[tuple[str, tuple[int, int]]]:
    return [(m.group(0), (m.start(), m.end())) for m in _TOKEN.finditer(text, start, end)]
