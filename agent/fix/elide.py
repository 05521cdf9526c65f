"""The copy of a module that codemods run on: the bodies no finding is in, elided line for line.

A codemod's libcst pass visits the whole module and computes positions for all of it,
while a group's findings sit on a handful of lines. ``reduce`` gives a copy in which the
body of every function (method, nested function) that holds no targeted line is replaced
by one string literal over the same lines, at the body's indentation: every kept line
keeps its number and its text, so the targets' lines and positions are unchanged, and the
elided body is one node for libcst to visit. (Not ``...`` and blank lines: libcst gives
blank lines after a body to the next statement, whose leading lines a codemod may count.)
Each line of the literal names its number, so no two lines of the copy's elided parts
are alike and a diff of the copy aligns them exactly. ``splice`` carries a codemod's
change of the copy back to the original text, hunk by hunk, and says it cannot (None)
when a hunk touches an elided body or the line on either side of one.

Kept whole: a function that holds a target, nested functions included (a codemod may read
its target's enclosing function), and a body that ``global`` or ``nonlocal`` (binding
names outside it), a word of ``names`` (facts a codemod gathers over the whole module,
see ``Reads``), or the def's own line holds. Functions inside a kept one that holds no
target are still elided.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agent.scan.parse import parse_python

__all__ = ["Reduced", "has_top_level", "reduce", "splice"]

MARK = "elided by harden"
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines breaks, Python's do not
_KEPT = 8
_Span = tuple[int, int]


@dataclass(frozen=True)
class _Def:
    """A function: its lines (decorators included), its body's lines and indentation when
    the body may be elided, and the functions defined inside it."""

    span: _Span
    body: _Span | None
    indent: str
    inner: tuple[_Def, ...]


@dataclass(frozen=True)
class Reduced:
    """The copy's text, the original's lines, and the elided line ranges (0-based, inclusive)."""

    text: str
    original: tuple[str, ...]
    regions: tuple[_Span, ...]

    @property
    def elided(self) -> int:
        return sum(b - a + 1 for a, b in self.regions)


_outlines: OrderedDict[str, tuple[_Def, ...] | None] = OrderedDict()


def reduce(text: str, targets: Sequence[_Span], names: frozenset[str]) -> Reduced | None:
    """The copy of ``text`` without the bodies no line of ``targets`` is in; None when
    there is nothing to elide or the text cannot be read safely."""
    defs = _outline(text)
    if defs is None:
        return None
    lines = text.splitlines(keepends=True)
    words = re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(names)))})\b") if names else None
    regions = list(_elidable(defs, targets, lines, words))
    if not regions:
        return None
    copy = list(lines)
    for (start, end), indent in regions:
        for index in range(start, end + 1):
            ending = lines[index][len(lines[index].rstrip("\r\n")) :]
            opening = f'{indent}"""' if index == start else ""
            closing = '"""' if index == end else ""
            copy[index] = f"{opening}{MARK} {index}{closing}{ending}"
    spans = tuple(span for span, _ in regions)
    return Reduced("".join(copy), tuple(lines), spans)


def has_top_level(text: str, targets: Sequence[_Span]) -> bool:
    """Whether a target lies outside every function (its scope is the module)."""
    defs = _outline(text) or ()
    return any(not any(_meets(d.span, t) for d in defs) for t in targets)


def splice(reduced: Reduced, after: str) -> str | None:
    """The original text with the change from ``reduced.text`` to ``after`` applied; None
    when a changed hunk touches an elided body or a line next to one."""
    old, new = reduced.text.splitlines(keepends=True), after.splitlines(keepends=True)
    blocks = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    guarded = [(a - 1, b + 1) for a, b in reduced.regions]
    out: list[str] = []
    for tag, i1, i2, j1, j2 in blocks:
        if tag == "equal":
            out += reduced.original[i1:i2]
            continue
        touched = (i1 - 1, i1) if i1 == i2 else (i1, i2 - 1)
        if any(_meets(region, touched) for region in guarded):
            return None
        out += new[j1:j2]
    return "".join(out)


def _meets(first: _Span, second: _Span) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def _elidable(
    defs: Sequence[_Def], targets: Sequence[_Span], lines: list[str], words: re.Pattern[str] | None
) -> Iterator[tuple[_Span, str]]:
    """The body ranges (0-based) to elide, with their indentation."""
    for d in defs:
        if any(_meets(d.span, t) for t in targets):
            continue
        if d.body is not None and not _names(words, lines[d.body[0] : d.body[1] + 1]):
            yield d.body, d.indent
        else:
            yield from _elidable(d.inner, targets, lines, words)


def _names(words: re.Pattern[str] | None, lines: list[str]) -> bool:
    return words is not None and words.search("".join(lines)) is not None


def _outline(text: str) -> tuple[_Def, ...] | None:
    """The functions of ``text`` (kept for the last few texts asked); None if unreadable."""
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if key not in _outlines:
        _outlines[key] = _read(text)
        while len(_outlines) > _KEPT:
            _outlines.popitem(last=False)
    _outlines.move_to_end(key)
    return _outlines[key]


def _read(text: str) -> tuple[_Def, ...] | None:
    if MARK in text or any(ch in text for ch in _ODD_BREAKS):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes: the scan reports them, not this
            tree = parse_python(text)
    except (SyntaxError, ValueError):
        return None
    return _defs(tree, text.splitlines())[0]


def _defs(node: ast.AST, lines: list[str]) -> tuple[tuple[_Def, ...], bool]:
    """The functions defined in ``node``'s statements (not inside other functions), and
    whether a ``global`` or ``nonlocal`` statement is among them (at any depth)."""
    found: list[_Def] = []
    binds = False
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            continue
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            defined, inner_binds = _def(child, lines)
            found.append(defined)
            binds = binds or inner_binds
        elif isinstance(child, ast.Global | ast.Nonlocal):
            binds = True
        else:
            inner, inner_binds = _defs(child, lines)
            found += inner
            binds = binds or inner_binds
    return tuple(found), binds


def _def(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> tuple[_Def, bool]:
    inner, binds = _defs(node, lines)
    first, last = node.body[0], node.body[-1]
    start, end = _first_line(first), last.end_lineno or first.lineno
    indent = lines[start - 1][: first.col_offset]
    top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    span = (top, node.end_lineno or node.lineno)
    elidable = not binds and end > start and indent.strip() == "" and indent != ""
    body = (start - 1, end - 1) if elidable else None
    return _Def(span, body, indent, inner), binds


def _first_line(statement: ast.stmt) -> int:
    """The line a statement starts on, its decorators included."""
    decorated = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    decorators = statement.decorator_list if isinstance(statement, decorated) else []
    return min([statement.lineno, *(d.lineno for d in decorators)])
