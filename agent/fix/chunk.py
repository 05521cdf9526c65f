"""The code around a finding that a model sees: imports, called signatures, the symbol.

A chunk's text is, in order: the module's import lines; the signatures (def line and the
first line of the docstring) of the functions and classes of the same module that the
enclosing symbol calls; and the enclosing function or class, or about 40 lines around a
module-level finding. Code lines are never modified: context headers are comment lines
starting with ``# harden:`` and name the file, the line range and the finding's line.

The text is sized with ``o200k_base`` (agent/llm/tokens.py). Over ``max_tokens``, the
signatures go first, then the imports, then the symbol is trimmed around the finding's line;
``truncated`` says that something was left out.

Exception tree::

    HardenError
    └── ChunkError      the finding's file is outside the repository or unreadable
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.errors import HardenError
from agent.llm.tokens import count_tokens
from agent.models import Finding
from agent.scan.parse import parse_python
from agent.scan.source import SourceDecodeError, read_source

__all__ = ["Chunk", "ChunkError", "build_chunk"]

HEADER = "# harden:"
MODULE_WINDOW = 20  # lines each side of a module-level finding
_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


class ChunkError(HardenError):
    pass


class Chunk(BaseModel):
    """The context sent for one finding; ``start_line``..``end_line`` is the code shown."""

    model_config = ConfigDict(frozen=True)

    path: str
    symbol: str
    start_line: int
    end_line: int
    text: str
    tokens: int
    truncated: bool


@dataclass(frozen=True)
class _Parts:
    finding: Finding
    lines: Sequence[str]
    symbol: str
    kind: str
    start: int
    end: int
    imports: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    truncated: bool = False


def build_chunk(root: Path, finding: Finding, max_tokens: int = 3000) -> Chunk:
    """The chunk for ``finding``, at most ``max_tokens`` unless one line alone is longer."""
    source = _read(root, finding.path)
    lines = source.splitlines()
    try:
        tree: ast.Module | None = parse_python(source)
    except SyntaxError:
        tree = None
    chain = _enclosing(tree, finding.line) if tree else []
    parts = _parts(finding, lines, chain, tree.body if tree else [])
    if tree is not None:
        parts = replace(
            parts, imports=_imports(tree, parts), signatures=_signatures(tree, chain, parts)
        )
    return _fit(parts, max_tokens)


def _read(root: Path, relative: str) -> str:
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ChunkError(f"{relative} is outside the repository {root}")
    try:
        return read_source(path)
    except SourceDecodeError:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise ChunkError(f"cannot read {relative}: {e.strerror}") from e


def _enclosing(tree: ast.AST, line: int) -> list[_Def]:
    """The defs and classes containing ``line``, outermost first."""
    chain: list[_Def] = []
    node: ast.AST = tree
    while inner := next((c for c in _defs_in(node) if _start(c) <= line <= _end(c)), None):
        chain.append(inner)
        node = inner
    return chain


def _defs_in(node: ast.AST) -> Iterator[_Def]:
    """The defs and classes directly inside ``node``, looking through if/try/with blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _Def):
            yield child
        else:
            yield from _defs_in(child)


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _end(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _parts(
    finding: Finding, lines: Sequence[str], chain: list[_Def], top: list[ast.stmt]
) -> _Parts:
    if chain:
        node = chain[-1]
        symbol = ".".join(n.name for n in chain)
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        return _Parts(finding, lines, symbol, kind, _start(node), _end(node))
    start, end = _module_window(top, finding.line, len(lines))
    return _Parts(finding, lines, "<module>", "module-level code", start, end)


def _module_window(top: list[ast.stmt], line: int, count: int) -> tuple[int, int]:
    """About 40 lines around ``line``, narrowed to whole top-level statements."""
    line = min(max(line, 1), max(count, 1))
    start, end = max(1, line - MODULE_WINDOW), min(count, line + MODULE_WINDOW)
    starts = [s.lineno for s in top if start <= _start(s) <= line]
    ends = [_end(s) for s in top if line <= _end(s) <= end]
    return min(starts, default=start), max(max(ends, default=end), min(starts, default=start))


def _imports(tree: ast.Module, parts: _Parts) -> tuple[str, ...]:
    """Top-level import statements, verbatim, except those already in the code shown."""
    return tuple(
        _source(parts.lines, node.lineno, _end(node))
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not parts.start <= node.lineno <= parts.end
    )


def _signatures(tree: ast.Module, chain: list[_Def], parts: _Parts) -> tuple[str, ...]:
    """Signatures of the module's functions and classes (and ``self.`` methods) it calls."""
    if not chain:
        return ()
    candidates = {n.name: n for n in _defs_in(tree)}
    owner = next((n for n in reversed(chain[:-1]) if isinstance(n, ast.ClassDef)), None)
    methods = {n.name: n for n in _defs_in(owner)} if owner else {}
    called = [_callee(call, candidates, methods) for call in _calls(chain[-1])]
    outside = {n for n in called if n and not parts.start <= n.lineno <= parts.end}
    return tuple(_signature(parts.lines, n) for n in sorted(outside, key=lambda n: n.lineno))


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    return (n for n in ast.walk(node) if isinstance(n, ast.Call))


def _callee(call: ast.Call, functions: dict[str, _Def], methods: dict[str, _Def]) -> _Def | None:
    func = call.func
    if isinstance(func, ast.Name):
        return functions.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return methods.get(func.attr) if func.value.id in ("self", "cls") else None
    return None


def _signature(lines: Sequence[str], node: _Def) -> str:
    """The def (or class) line(s) and the first line of its docstring."""
    body_line = node.body[0].lineno if node.body else node.lineno + 1
    header = _source(lines, node.lineno, max(node.lineno, body_line - 1))
    doc = ast.get_docstring(node)
    if not doc:
        return header
    indent = lines[node.lineno - 1][: node.col_offset] + "    "
    return f'{header}\n{indent}"""{doc.splitlines()[0]}"""'


def _source(lines: Sequence[str], start: int, end: int) -> str:
    return "\n".join(lines[start - 1 : end])


def _fit(parts: _Parts, max_tokens: int) -> Chunk:
    """Drop signatures, then imports, then trim around the finding until the text fits."""
    no_signatures = replace(parts, signatures=(), truncated=bool(parts.signatures))
    no_context = replace(
        no_signatures, imports=(), truncated=bool(parts.signatures or parts.imports)
    )
    smaller = (parts, no_signatures, no_context)
    for candidate in smaller:
        chunk = _chunk(candidate)
        if chunk.tokens <= max_tokens:
            return chunk
    return _trimmed(replace(smaller[-1], truncated=True), max_tokens)


def _trimmed(parts: _Parts, max_tokens: int) -> Chunk:
    """The widest window of lines around the finding that fits (at least its own line)."""
    line = min(max(parts.finding.line, parts.start), parts.end)
    low, high = 0, max(line - parts.start, parts.end - line)
    while low < high:
        radius = (low + high + 1) // 2
        if _chunk(_window(parts, line, radius)).tokens <= max_tokens:
            low = radius
        else:
            high = radius - 1
    return _chunk(_window(parts, line, low))


def _window(parts: _Parts, line: int, radius: int) -> _Parts:
    return replace(parts, start=max(parts.start, line - radius), end=min(parts.end, line + radius))


def _chunk(parts: _Parts) -> Chunk:
    text = _render(parts)
    return Chunk(
        path=parts.finding.path,
        symbol=parts.symbol,
        start_line=parts.start,
        end_line=parts.end,
        text=text,
        tokens=count_tokens(text),
        truncated=parts.truncated,
    )


def _render(parts: _Parts) -> str:
    finding, lines = parts.finding, parts.lines
    flagged = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    out = [f"{HEADER} context for {finding.path} (headers like this are not part of the file)"]
    if parts.imports:
        out += [f"{HEADER} the module's imports", *parts.imports]
    if parts.signatures:
        out += [f"{HEADER} signatures of what the code below calls (bodies omitted)"]
        out += parts.signatures
    out += [
        f"{HEADER} {finding.path} lines {parts.start}-{parts.end}, {parts.kind} {parts.symbol}",
        f"{HEADER} the finding is on line {finding.line}: {flagged[:200]}",
        _source(lines, parts.start, parts.end),
    ]
    return "\n".join(out) + "\n"
