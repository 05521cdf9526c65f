"""The built-in fixer: run every codemod that handles a group's findings, in turn.

The result is a Patch claiming exactly the findings the codemods say they fixed, or
None when no codemod changed anything (the findings then need a model), with the reason
each finding left unfixed was refused (``CodemodAttempt``). ``harden plan`` runs the same
function on the base commit's files, so the plan predicts what the run's codemods do.

When every codemod of the group reads only its targets' surroundings (``Reads``), they run
on a copy of the module whose untargeted function bodies are elided (``elide.reduce``),
and each change is spliced back into the whole text; ``tidy_imports`` and the patch work
on the whole text. A copy that libcst cannot parse, or a change that touches an elided
body, falls back to the whole module (parsed once per run: ``parse_cached``).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from agent.fix import elide
from agent.fix.codemods import codemods_for
from agent.fix.codemods._lib.imports import tidy_imports
from agent.fix.codemods.base import FULL_SOURCE, CodemodSpec
from agent.fix.parsed import parse_cached
from agent.models import FileEdit, Finding, Patch
from agent.scan.source import read_source

__all__ = ["CodemodAttempt", "attempt_codemods", "fix_with_codemods", "has_codemod"]

NO_SAFE_REWRITE = "it does not rewrite this form of the code safely"
_log = logging.getLogger("harden.fix")


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


def attempt_codemods(
    root: Path, path: str, findings: Sequence[Finding], *, elided: bool = True
) -> CodemodAttempt:
    """The codemods' patch for ``findings`` in ``path`` under ``root``, and their refusals
    (``elided=False``: on the whole module even where a copy would do)."""
    before = read_source(root / path)
    specs = _specs_for(findings)
    copy = _reduced(path, before, findings, specs) if elided else None
    done = _run(root, path, findings, specs, before, copy) if copy is not None else None
    done = done or _whole(root, path, findings, specs, before)
    after = tidy_imports(before, done.text, path) if done.fixed else before
    if not done.fixed or after == before:
        return CodemodAttempt(None, _unfixed(findings, set(), done.refused))
    patch = _patch(path, before, after, findings, done.fixed, done.used, done.companions)
    return CodemodAttempt(patch, _unfixed(findings, done.fixed, done.refused))


@dataclass
class _Done:
    """What a group's codemods did, gathered as they run: the findings fixed, why the
    others were refused, the codemods that fixed something, their companion edits, and
    the whole module's new text."""

    text: str
    fixed: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)
    used: list[CodemodSpec] = field(default_factory=list)
    companions: dict[str, FileEdit] = field(default_factory=dict)


def _whole(
    root: Path, path: str, findings: Sequence[Finding], specs: Sequence[CodemodSpec], before: str
) -> _Done:
    done = _run(root, path, findings, specs, before, None)
    if done is None:  # the whole module is parsed by parse_cached, which raises instead
        raise AssertionError("codemods on the whole module cannot fall back")
    return done


def _run(
    root: Path,
    path: str,
    findings: Sequence[Finding],
    specs: Sequence[CodemodSpec],
    before: str,
    copy: elide.Reduced | None,
) -> _Done | None:
    """Run the codemods in turn on the whole module, or on ``copy`` with each change
    spliced into the whole text (None: the copy cannot be used)."""
    module = _parsed(path, before, copy)
    if module is None:
        return None
    done = _Done(before)
    for spec in specs:
        pending = [f for f in findings if spec.handles(f) and f.id not in done.fixed]
        targets = _reanchor(pending, before, done.text) if done.text != before else pending
        context = CodemodContext(filename=path, scratch={FULL_SOURCE: done.text})
        command = spec.command(context, targets)
        try:
            module = command.transform_module(module)
        except SkipFile as exc:
            done.refused.update({f.id: f"{spec.id}: {exc}" for f in pending})
            continue
        done.refused.update({f.id: _why(spec, command.refusals, f) for f in pending})
        new = module.code if copy is None else elide.splice(copy, module.code)
        if new is None:
            _log.debug("%s: a change touches an elided body; codemods rerun on it whole", path)
            return None
        done.text = new
        if command.fixed_ids:
            done.fixed |= command.fixed_ids
            done.used.append(spec)
            done.companions.update({e.path: e for e in command.companion_edits(root)})
    return done


def _parsed(path: str, before: str, copy: elide.Reduced | None) -> cst.Module | None:
    """The libcst module the codemods start from: the copy's, or the whole file's."""
    if copy is None:
        return parse_cached(path, before)
    try:
        return cst.parse_module(copy.text)
    except cst.ParserSyntaxError:
        _log.debug("%s: libcst cannot parse the elided copy; codemods run on it whole", path)
        return None


def _reduced(
    path: str, before: str, findings: Sequence[Finding], specs: Sequence[CodemodSpec]
) -> elide.Reduced | None:
    """The copy of ``before`` the codemods of ``specs`` can run on, if they all can."""
    if not specs or not all(s.reads.local for s in specs):
        return None
    targets = [(f.line, max(f.line, f.end_line)) for f in findings]
    if any(s.reads.module_at_top_level for s in specs) and elide.has_top_level(before, targets):
        return None
    names = frozenset(n for s in specs for n in s.reads.names)
    copy = elide.reduce(before, targets, names)
    if copy is not None:
        total = len(copy.original)
        _log.debug("%s: codemods run with %d of %d lines elided", path, copy.elided, total)
    return copy


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
