"""The shape every codemod shares: a libcst command limited to its findings' lines.

A codemod is data (see ``CodemodSpec``): metadata, the rules it fixes, and a command.
The command rewrites only nodes whose span holds a targeted finding's line, records
which findings it fixed, and may propose companion edits (a dependency line, an
.env.example entry). When it cannot fix a case safely it leaves the code alone, and may
say why with ``refuse`` (the plan and the report show the reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider

from agent.models import FileEdit, Finding

__all__ = ["CodemodSpec", "HardenCommand"]


class HardenCommand(VisitorBasedCodemodCommand):
    """Base of harden's libcst commands."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context)
        self.targets = tuple(targets)
        self.fixed_ids: set[str] = set()
        self.refusals: dict[str, str] = {}

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.get_metadata(PositionProvider, node)
        return pos.start.line, pos.end.line

    def targets_in(self, node: cst.CSTNode) -> list[Finding]:
        """The targeted findings whose line lies inside ``node``."""
        start, end = self.span(node)
        return [f for f in self.targets if start <= f.line <= end]

    def is_target(self, node: cst.CSTNode) -> bool:
        return bool(self.targets_in(node))

    def mark_fixed(self, node: cst.CSTNode) -> None:
        """Record that every targeted finding inside ``node`` (original node) is fixed."""
        self.fixed_ids.update(f.id for f in self.targets_in(node))

    def refuse(self, node: cst.CSTNode, why: str) -> None:
        """Record why the targeted findings inside ``node`` (original node) are left alone;
        a later, more specific reason (an outer node) replaces an earlier one."""
        self.refusals.update({f.id: why for f in self.targets_in(node)})

    def companion_edits(self, root: Path) -> list[FileEdit]:
        """Edits to other files that this fix needs; none by default."""
        return []


@dataclass(frozen=True)
class CodemodSpec:
    """A codemod as data: what it is called, why it exists, what it fixes, how."""

    id: str
    title: str
    rationale: str
    rules: frozenset[str]
    command: type[HardenCommand]
    dependencies: tuple[str, ...] = field(default=())

    def handles(self, finding: Finding) -> bool:
        return finding.rule in self.rules or bool(set(finding.aliases) & self.rules)
