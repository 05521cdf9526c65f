"""The built-in fixer: run every codemod that handles a group's findings, in turn.

The result is a Patch claiming exactly the findings the codemods say they fixed, or
None when no codemod changed anything (the findings then need a model).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from agent.fix.codemods import codemods_for
from agent.fix.codemods.base import CodemodSpec
from agent.models import FileEdit, Finding, Patch

__all__ = ["fix_with_codemods", "has_codemod"]


def has_codemod(finding: Finding) -> bool:
    return bool(codemods_for(finding))


def fix_with_codemods(root: Path, path: str, findings: Sequence[Finding]) -> Patch | None:
    """Apply the codemods for ``findings`` (all in ``path``) to the file under ``root``."""
    before = (root / path).read_text(encoding="utf-8")
    module = cst.parse_module(before)
    fixed: set[str] = set()
    used: list[CodemodSpec] = []
    companions: dict[str, FileEdit] = {}
    for spec in _specs_for(findings):
        pending = [f for f in findings if spec.handles(f) and f.id not in fixed]
        targets = _reanchor(pending, module.code) if module.code != before else pending
        command = spec.command(CodemodContext(filename=path), targets)
        try:
            module = command.transform_module(module)
        except SkipFile:
            continue
        if command.fixed_ids:
            fixed |= command.fixed_ids
            used.append(spec)
            companions.update({e.path: e for e in command.companion_edits(root)})
    if not fixed or module.code == before:
        return None
    return _patch(path, before, module.code, findings, fixed, used, companions)


def _reanchor(findings: Sequence[Finding], code: str) -> list[Finding]:
    """Move each finding to its line in ``code``, after an earlier codemod shifted lines.

    A finding is found again by its normalised source line, nearest to where it was; one
    whose line no longer exists is dropped (it stays unfixed rather than risk a wrong edit).
    """
    lines = [" ".join(line.split()) for line in code.splitlines()]
    moved = []
    for finding in findings:
        wanted = " ".join(finding.source_line.split())
        candidates = [n for n, text in enumerate(lines, start=1) if text == wanted]
        if candidates:
            line = min(candidates, key=lambda n: abs(n - finding.line))
            shift = line - finding.line
            moved.append(
                finding.model_copy(update={"line": line, "end_line": finding.end_line + shift})
            )
    return moved


def _specs_for(findings: Sequence[Finding]) -> list[CodemodSpec]:
    specs: dict[str, CodemodSpec] = {}
    for finding in findings:
        specs.update({s.id: s for s in codemods_for(finding)})
    return list(specs.values())


def _patch(
    path: str,
    before: str,
    after: str,
    findings: Sequence[Finding],
    fixed: set[str],
    used: list[CodemodSpec],
    companions: dict[str, FileEdit],
) -> Patch:
    claimed = tuple(f.id for f in findings if f.id in fixed)
    title = used[0].title if len(used) == 1 else f"Fix {len(claimed)} security findings"
    symbol = findings[0].symbol
    return Patch(
        finding_ids=claimed,
        fixer="+".join(s.id for s in used),
        title=f"{title} in {symbol}" if symbol != "<module>" else f"{title} in {path}",
        rationale="\n".join(f"- {s.rationale}" for s in used),
        edits=(FileEdit(path=path, before=before, after=after), *companions.values()),
        dependencies=tuple(sorted({d for s in used for d in s.dependencies})),
    )
