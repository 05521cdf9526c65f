"""The shape every codemod shares: a libcst command limited to its findings' lines.

A codemod is data (see ``CodemodSpec``): metadata, the rules it fixes, and a command.
The command rewrites only nodes whose span holds a targeted finding's line, records
which findings it fixed, and may propose companion edits (a dependency line, an
.env.example entry). When it cannot fix a case safely it leaves the code alone, and may
say why with ``refuse`` (the plan and the report show the reason).

What a codemod's decisions read of the module beyond its targets is declared too
(``Reads``): a codemod that reads only its targets' surroundings runs on a copy of the
module whose other function bodies are elided (see agent/fix/elide.py); ``full_source``
gives any codemod the whole module's text for a fact that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider

from agent.models import FileEdit, Finding

__all__ = ["FULL_SOURCE", "LOCAL", "CodemodSpec", "HardenCommand", "Reads"]

FULL_SOURCE = "harden.full_source"  # the context's scratch key of the whole module's text


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

    def full_source(self, module: cst.Module) -> str:
        """The whole module's text: ``module`` may be a copy with function bodies elided."""
        text = self.context.scratch.get(FULL_SOURCE)
        return text if isinstance(text, str) else module.code

    def companion_edits(self, root: Path) -> list[FileEdit]:
        """Edits to other files that this fix needs; none by default."""
        return []


@dataclass(frozen=True)
class Reads:
    """What of the module a codemod's decisions read, besides its targeted statements.

    The default is the whole module. ``local``: only the targets' enclosing functions
    (whole), their classes, the module's top-level statements and its global names (scope
    analysis): the codemod may then run on a copy in which the other functions' bodies are
    elided. ``names``: words whose mention keeps a body in that copy, for the facts the
    codemod gathers over the whole module (imports anywhere, every use of a name).
    ``module_at_top_level``: a target outside any function reads its scope, the whole
    module (then no body is elided).
    """

    local: bool = False
    names: frozenset[str] = frozenset()
    module_at_top_level: bool = False


LOCAL = Reads(local=True)


@dataclass(frozen=True)
class CodemodSpec:
    """A codemod as data: what it is called, why it exists, what it fixes, how."""

    id: str
    title: str
    rationale: str
    rules: frozenset[str]
    command: type[HardenCommand]
    dependencies: tuple[str, ...] = field(default=())
    reads: Reads = field(default=Reads())

    def handles(self, finding: Finding) -> bool:
        return finding.rule in self.rules or bool(set(finding.aliases) & self.rules)
