"""Detectors: ruff, bandit and harden's AST checks, merged into ranked Findings.

Generated, vendored and frozen files (see ``module_kind``) are reported as skipped, with
the reason, and not scanned: nothing in them is fixed. In command-line programs, ``print``
is the program's output, so T201 is not reported there.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.models import Finding, Priority, SkippedFile
from agent.scan.bandit import start_bandit
from agent.scan.checks import ast_findings, droppable, dropped
from agent.scan.checks._walk import ModuleWalk
from agent.scan.merge import SourceFile, merge_findings
from agent.scan.module_kind import command_line_reason, generated_reason
from agent.scan.parse import parse_python
from agent.scan.raw import RawFinding
from agent.scan.repo_facts import RepoFacts
from agent.scan.ruff import ruff_findings, ruff_text_findings
from agent.scan.rules import rule_number
from agent.scan.selection import ScanSelection
from agent.scan.source import SourceDecodeError, is_utf8_source, read_source
from agent.scan.statements import StatementIndex
from agent.scan.symbols import SymbolIndex

__all__ = ["ScanResult", "scan"]


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...]


def scan(
    root: Path,
    paths: Sequence[str],
    ignore: Collection[str] = (),
    select: Collection[str] = (),
    *,
    priorities: Collection[Priority] | None = None,
) -> ScanResult:
    """Scan ``paths`` (relative to ``root``); unreadable or unparsable files are skipped.

    ``select`` (rule codes or prefixes such as ``S`` or ``B5``), when given, keeps only the
    findings of those rules; ``ignore`` drops rules (exact codes); ``priorities``, when
    given, keeps only those priorities' findings and runs only what finds them. bandit
    runs beside harden's own checks and ruff (see ``start_bandit``).
    """
    chosen = ScanSelection.of(priorities)
    facts = RepoFacts.load(root, paths)
    bandit = start_bandit(root, sorted(paths), chosen.bandit_tests())  # skipped: dropped
    try:
        own = _own_checks(root, paths, facts, chosen)
        good = sorted(own.texts)
        tools = [*_ruff(root, good, own.texts, chosen.ruff_select()), *bandit.findings()]
    finally:
        bandit.stop()
    wanted = _Wanted(_with_aliases(ignore), _with_aliases(select), chosen)
    kept, sources = _indexed(wanted.of(own.raw), wanted.of(tools), own)
    return ScanResult(tuple(merge_findings(kept, sources)), tuple(own.skipped))


@dataclass
class _Own:
    """What the scan keeps of each module once its own checks ran: its text, no AST (a large
    repo's trees would not fit in the memory a scan may use). ``_indexed`` parses again the
    few files that have findings."""

    texts: dict[str, str] = field(default_factory=dict)
    raw: list[RawFinding] = field(default_factory=list)
    programs: set[str] = field(default_factory=set)
    skipped: list[SkippedFile] = field(default_factory=list)


def _own_checks(root: Path, paths: Sequence[str], facts: RepoFacts, chosen: ScanSelection) -> _Own:
    """Each module parsed once: its index, harden's own checks' findings, and whether it is
    a command-line program (whose prints are output; only observability asks)."""
    own = _Own()
    for path in paths:
        loaded = _load(root, path, facts)
        if isinstance(loaded, SkippedFile):
            own.skipped.append(loaded)
            continue
        tree, text = loaded
        own.texts[path] = text
        walk = ModuleWalk(tree)  # one walk of the module for every check
        own.raw.extend(ast_findings(path, walk, chosen.priorities))
        wanted = chosen.wants(Priority.OBSERVABILITY)
        if wanted and command_line_reason(root, path, text, walk, facts):
            own.programs.add(path)
    return own


@dataclass(frozen=True)
class _Wanted:
    """The rules a scan keeps: not ignored, selected, of a chosen priority."""

    ignored: set[str]
    selected: set[str]
    chosen: ScanSelection

    def of(self, found: list[RawFinding]) -> list[RawFinding]:
        return [r for r in found if self.keeps(r.rule)]

    def keeps(self, rule: str) -> bool:
        unignored = rule not in self.ignored and _selected(rule, self.selected)
        return unignored and self.chosen.wants_rule(rule)


def _selected(rule: str, select: Collection[str]) -> bool:
    """No selection keeps every rule; ``S`` selects S506 but not SIM101."""
    if not select:
        return True
    return any(rule == code or (rule.startswith(code) and rule[len(code)].isdigit())
               for code in select)  # fmt: skip


def _indexed(
    own_raw: list[RawFinding], tools: list[RawFinding], own: _Own
) -> tuple[list[RawFinding], dict[str, SourceFile]]:
    """The findings without the tools' ones a check knows to be wrong, and the index of each
    file that keeps some: each such file parsed once more, one file at a time."""
    by_path: dict[str, list[RawFinding]] = defaultdict(list)
    for raw in [*own_raw, *tools]:
        by_path[raw.path].append(raw)
    gone: set[int] = set()
    sources: dict[str, SourceFile] = {}
    for path in sorted(by_path.keys() & own.texts.keys()):
        tree = parse_python(own.texts[path], filename=path)
        gone |= {id(r) for r in _dropped(by_path[path], tree, own)}
        if any(id(r) not in gone for r in by_path[path]):
            sources[path] = _source_file(own.texts[path], tree)
    return [r for r in [*own_raw, *tools] if id(r) not in gone], sources


def _source_file(text: str, tree: ast.Module) -> SourceFile:
    return SourceFile(text.splitlines(), SymbolIndex(tree), StatementIndex(tree))


def _dropped(found: list[RawFinding], tree: ast.Module, own: _Own) -> list[RawFinding]:
    """The tools' findings in one file that are wrong there: a program's print, or one a
    check knows (over one walk of the file, made only when a check must judge one)."""
    judged = [r for r in found if r.tool != "harden" and droppable(r.rule)]
    printed = [r for r in judged if r.rule == "T201" and r.path in own.programs]
    rest = [r for r in judged if r not in printed]
    walk = ModuleWalk(tree) if rest else None
    return printed + [r for r in rest if walk and dropped(r.path, walk, r)]


def _ruff(root: Path, paths: list[str], texts: dict[str, str], rules: str) -> list[RawFinding]:
    """ruff reads UTF-8 files itself; the others (a PEP 263 coding line) as decoded text.
    No ``rules``: ruff is not needed."""
    if not rules:
        return []
    utf8 = [p for p in paths if is_utf8_source(root / p)]
    found = ruff_findings(root, utf8, rules)
    for path in sorted(set(paths) - set(utf8)):
        found += ruff_text_findings(root, path, texts[path], rules)
    return found


def _with_aliases(ignore: Collection[str]) -> set[str]:
    """Ignoring S506 also ignores bandit's B506 (and back): they are one rule."""
    numbers = {n for n in map(rule_number, ignore) if n}
    return {*ignore, *(f"S{n}" for n in numbers), *(f"B{n}" for n in numbers)}


def _load(root: Path, path: str, facts: RepoFacts) -> tuple[ast.Module, str] | SkippedFile:
    loaded = _parse(root, path)
    if isinstance(loaded, SkippedFile):
        return loaded
    why = generated_reason(path, loaded[1], loaded[0], facts)
    return SkippedFile(path=path, reason=why) if why else loaded


def _parse(root: Path, path: str) -> tuple[ast.Module, str] | SkippedFile:
    try:
        text = read_source(root / path)
    except SourceDecodeError as exc:
        return SkippedFile(path=path, reason=str(exc))
    except OSError as exc:
        return SkippedFile(path=path, reason=f"unreadable: {exc.strerror}")
    try:
        return parse_python(text, filename=path), text
    except SyntaxError as exc:
        return SkippedFile(path=path, reason=f"syntax error at line {exc.lineno}")
    except ValueError as exc:
        return SkippedFile(path=path, reason=f"cannot parse: {exc}")
