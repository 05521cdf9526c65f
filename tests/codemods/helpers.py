"""Run one codemod on a source snippet the way the pipeline does: real scan, real fix.

Every fix made through ``run_fix`` is also made on the whole module and on the copy with
untargeted function bodies elided (agent/fix/elide.py), and both must give the same patch
and refusals; likewise with the snippet appended once more as an untargeted function's
body (the same names, imports and calls, elided on one path only).
"""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.fix.codemod_fixer import CodemodAttempt, attempt_codemods, fix_with_codemods
from agent.models import Finding, Patch
from agent.scan import scan


@dataclass(frozen=True)
class Outcome:
    before: str
    after: str
    patch: Patch | None
    findings_before: tuple[Finding, ...]
    findings_after: tuple[Finding, ...]

    def rules_after(self) -> set[str]:
        return {f.rule for f in self.findings_after}


def run_fix(tmp_path: Path, source: str, rules: set[str], path: str = "app.py") -> Outcome:
    """Scan ``source``, fix its findings of ``rules`` with the codemods, rescan the result.

    Extra files (requirements.txt, .env.example) can be written to ``tmp_path`` first.
    """
    source = textwrap.dedent(source)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    before = scan(tmp_path, [path]).findings
    chosen = [f for f in before if f.rule in rules or set(f.aliases) & rules]
    if chosen:
        assert_elision_exact(tmp_path, path, chosen)
    patch = fix_with_codemods(tmp_path, path, chosen) if chosen else None
    after_text = source
    if patch is not None:
        after_text = next(e.after for e in patch.edits if e.path == path)
        target.write_text(after_text, encoding="utf-8")
    after = scan(tmp_path, [path]).findings
    target.write_text(source, encoding="utf-8")
    return Outcome(source, after_text, patch, tuple(before), tuple(after))


def assert_elision_exact(root: Path, path: str, findings: list[Finding]) -> None:
    """The elided copy and the whole module give the same attempt, with and without an
    untargeted copy of the module appended as a function (which only one path sees)."""
    assert _attempt(root, path, findings, True) == _attempt(root, path, findings, False)
    target = root / path
    source = target.read_text(encoding="utf-8")
    padded = source + "\n\n" + padding(source)
    if not _parses(padded):
        return
    target.write_text(padded, encoding="utf-8")
    try:
        assert _attempt(root, path, findings, True) == _attempt(root, path, findings, False)
    finally:
        target.write_text(source, encoding="utf-8")


def padding(source: str) -> str:
    """``source`` as the body of a function nothing targets (``__future__`` imports left out)."""
    lines = [line for line in source.splitlines() if not line.startswith("from __future__")]
    body = "".join(f"    {line}\n" if line.strip() else "\n" for line in lines)
    return f"def _untargeted_copy():\n    _ = 0\n{body}"


def _attempt(root: Path, path: str, findings: list[Finding], elided: bool) -> CodemodAttempt:
    return attempt_codemods(root, path, findings, elided=elided)


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def new_findings(out: Outcome) -> list[str]:
    """Rules reported more often after the fix than before (a fix must add none)."""
    before = Counter(f.rule for f in out.findings_before)
    after = Counter(f.rule for f in out.findings_after)
    return sorted(rule for rule, count in after.items() if count > before[rule])


def ruff_formatted(source: str) -> str:
    """``source`` as ``ruff format`` (default settings) writes it."""
    argv = [sys.executable, "-m", "ruff", "format", "--isolated", "--stdin-filename", "x.py", "-"]
    done = subprocess.run(argv, input=source, capture_output=True, text=True, check=True)
    return done.stdout


def load_fixed(tmp_path: Path, out: Outcome, name: str = "fixed_module") -> dict[str, Any]:
    """Run the fixed source as module ``name`` and return its globals."""
    path = tmp_path / f"{name}.py"
    path.write_text(out.after, encoding="utf-8")
    return runpy.run_path(str(path), run_name=name)
