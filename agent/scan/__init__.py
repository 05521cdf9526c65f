"""Detectors: ruff, bandit and harden's AST checks, merged into ranked Findings."""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.models import Finding, SkippedFile
from agent.scan.bandit import bandit_findings
from agent.scan.checks import ast_findings, dropped
from agent.scan.merge import SourceFile, merge_findings
from agent.scan.raw import RawFinding
from agent.scan.ruff import ruff_findings, ruff_text_findings
from agent.scan.rules import RUFF_SELECT, rule_number
from agent.scan.symbols import SymbolIndex
from agent.source_io import SourceDecodeError, is_utf8_source, read_source

__all__ = ["ScanResult", "scan"]


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...]


def scan(root: Path, paths: Sequence[str], ignore: Collection[str] = ()) -> ScanResult:
    """Scan ``paths`` (relative to ``root``); unreadable or unparsable files are skipped."""
    sources: dict[str, SourceFile] = {}
    texts: dict[str, str] = {}
    trees: dict[str, ast.Module] = {}
    skipped: list[SkippedFile] = []
    raw: list[RawFinding] = []
    for path in paths:
        loaded = _load(root, path)
        if isinstance(loaded, SkippedFile):
            skipped.append(loaded)
            continue
        trees[path], texts[path] = loaded
        sources[path] = SourceFile(texts[path].splitlines(), SymbolIndex(trees[path]))
        raw.extend(ast_findings(path, trees[path]))
    good = sorted(sources)
    tools = [*_ruff(root, good, texts), *bandit_findings(root, good)]
    raw.extend(r for r in tools if r.path not in trees or not dropped(r.path, trees[r.path], r))
    ignored = _with_aliases(ignore)
    findings = merge_findings([r for r in raw if r.rule not in ignored], sources)
    return ScanResult(tuple(findings), tuple(skipped))


def _ruff(root: Path, paths: list[str], texts: dict[str, str]) -> list[RawFinding]:
    """ruff reads UTF-8 files itself; the others (a PEP 263 coding line) as decoded text."""
    utf8 = [p for p in paths if is_utf8_source(root / p)]
    found = ruff_findings(root, utf8, RUFF_SELECT)
    for path in sorted(set(paths) - set(utf8)):
        found += ruff_text_findings(root, path, texts[path], RUFF_SELECT)
    return found


def _with_aliases(ignore: Collection[str]) -> set[str]:
    """Ignoring S506 also ignores bandit's B506 (and back): they are one rule."""
    numbers = {n for n in map(rule_number, ignore) if n}
    return {*ignore, *(f"S{n}" for n in numbers), *(f"B{n}" for n in numbers)}


def _load(root: Path, path: str) -> tuple[ast.Module, str] | SkippedFile:
    try:
        text = read_source(root / path)
    except SourceDecodeError as exc:
        return SkippedFile(path=path, reason=str(exc))
    except OSError as exc:
        return SkippedFile(path=path, reason=f"unreadable: {exc.strerror}")
    try:
        return ast.parse(text, filename=path), text
    except SyntaxError as exc:
        return SkippedFile(path=path, reason=f"syntax error at line {exc.lineno}")
    except ValueError as exc:
        return SkippedFile(path=path, reason=f"cannot parse: {exc}")
