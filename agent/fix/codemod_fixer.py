"""The built-in fixer: run every codemod that handles a group's findings, in turn.

The result is a Patch claiming exactly the findings the codemods say they fixed, or
None when no codemod changed anything (the findings then need a model), with the reason
each finding left unfixed was refused (``CodemodAttempt``). ``harden plan`` runs the same
function on the base commit's files, so the plan predicts what the run's codemods do.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from libcst.codemod import CodemodContext, SkipFile

from agent.fix.codemods import codemods_for
from agent.fix.codemods._lib.imports import tidy_imports
from agent.fix.codemods.base import CodemodSpec
from agent.fix.parsed import parse_cached
from agent.models import FileEdit, Finding, Patch
from agent.scan.source import read_source

__all__ = ["CodemodAttempt", "attempt_codemods", "fix_with_codemods", "has_codemod"]

NO_SAFE_REWRITE = "it does not rewrite this form of the code safely"


@dataclass(frozen=True)
class CodemodAttempt:
    """What the codemods made of a group: a patch (or None) and why the rest was refused."""

    patch: Patch | None
    refused: Mapping[str, str] = field(default_factory=dict)  # finding id -> why


def has_codemod(finding: Finding) -> bool:
    return bool(codemods_for(finding))


def fix_with_codemods(root: Path, path: str, findings: Sequence[Finding]) -> Patch | None:
    """Apply the codemods for ``findings`` (all in ``path``) to the file under ``root``."""
    return attempt_codemods(root, path, findings).patch


def attempt_codemods(root: Path, path: str, findings: Sequence[Finding]) -> CodemodAttempt:
    """The codemods' patch for ``findings`` in ``path`` under ``root``, and their refusals."""
    before = read_source(root / path)
    module = parse_cached(path, before)
    fixed: set[str] = set()
    refused: dict[str, str] = {}
    used: list[CodemodSpec] = []
    companions: dict[str, FileEdit] = {}
    for spec in _specs_for(findings):
        pending = [f for f in findings if spec.handles(f) and f.id not in fixed]
        targets = _reanchor(pending, before, module.code) if module.code != before else pending
        command = spec.command(CodemodContext(filename=path), targets)
        try:
            module = command.transform_module(module)
        except SkipFile as exc:
            refused.update({f.id: f"{spec.id}: {exc}" for f in pending})
            continue
        refused.update({f.id: _why(spec, command.refusals, f) for f in pending})
        if command.fixed_ids:
            fixed |= command.fixed_ids
            used.append(spec)
            companions.update({e.path: e for e in command.companion_edits(root)})
    after = tidy_imports(before, module.code, path) if fixed else before
    if not fixed or after == before:
        return CodemodAttempt(None, _unfixed(findings, set(), refused))
    patch = _patch(path, before, after, findings, fixed, used, companions)
    return CodemodAttempt(patch, _unfixed(findings, fixed, refused))


def _why(spec: CodemodSpec, refusals: Mapping[str, str], finding: Finding) -> str:
    return f"{spec.id}: {refusals.get(finding.id, NO_SAFE_REWRITE)}"


def _unfixed(
    findings: Sequence[Finding], fixed: set[str], refused: Mapping[str, str]
) -> dict[str, str]:
    """The reason for each finding no codemod fixed (the last codemod that tried says)."""
    return {f.id: refused.get(f.id, NO_SAFE_REWRITE) for f in findings if f.id not in fixed}


def _reanchor(findings: Sequence[Finding], before: str, after: str) -> list[Finding]:
    """Move each finding to its line in ``after``, once an earlier codemod shifted lines.

    Lines are mapped through a diff of the two versions: an unchanged line keeps its
    content, a rewritten one maps to the same offset inside its rewritten block.
    """
    old, new = before.splitlines(), after.splitlines()
    blocks = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    return [f.model_copy(update=_moved(f, blocks)) for f in findings]


def _moved(finding: Finding, blocks: Sequence[tuple[str, int, int, int, int]]) -> dict[str, int]:
    def move(line: int) -> int:
        for _, i1, i2, j1, j2 in blocks:
            if i1 < line <= i2:
                return min(j1 + (line - i1), max(j2, j1 + 1))
        return line

    return {"line": move(finding.line), "end_line": move(finding.end_line)}


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
    priority = findings[0].priority.value
    title = used[0].title if len(used) == 1 else f"Fix {len(claimed)} {priority} findings"
    symbol = findings[0].symbol
    return Patch(
        finding_ids=claimed,
        fixer="+".join(s.id for s in used),
        title=f"{title} in {symbol}" if symbol != "<module>" else f"{title} in {path}",
        rationale="\n".join(f"- {s.rationale}" for s in used),
        edits=(FileEdit(path=path, before=before, after=after), *companions.values()),
        dependencies=tuple(sorted({d for s in used for d in s.dependencies})),
    )
