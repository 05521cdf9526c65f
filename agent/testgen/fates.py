"""What became of each generated test, read from the verdict of the patch that carried it.

The generated-test stage names the fate itself; a patch rejected before that stage never
ran its test ("did not run"), and one rejected after it (the repo's whole suite failed
with the new file in it) counts as "failed".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from agent.models import (
    Finding,
    GeneratedTestFate,
    GeneratedTestFateKind,
    Stage,
    StageStatus,
    Verdict,
)
from agent.testgen.checks import new_test_file

__all__ = ["FATES", "fate_of"]

FATES: tuple[GeneratedTestFateKind, ...] = get_args(GeneratedTestFateKind)


def fate_of(verdict: Verdict, findings: Sequence[Finding] = ()) -> GeneratedTestFate | None:
    """The fate of the verdict's generated test; None when the patch adds no test file.

    ``findings`` (any superset of the patch's) name the target as ``path::symbol``.
    """
    test = new_test_file(verdict.patch)
    if test is None:
        return None
    fate, detail = _fate(verdict)
    return GeneratedTestFate(
        test_path=test.path, target=_target(verdict, findings), fate=fate, detail=detail
    )


def _fate(verdict: Verdict) -> tuple[GeneratedTestFateKind, str]:
    stages = {s.stage: s for s in verdict.stages}
    own = stages.get(Stage.GENERATED_TEST)
    failed = verdict.failed_stage
    if own is not None and own.status is not StageStatus.SKIPPED:
        fate, _, detail = own.detail.partition(": ")
        known = next((f for f in FATES if f == fate), None)
        if known is not None and (failed is None or failed is own):
            return known, detail
    if failed is None:
        return "kept", "accepted"
    where = f"rejected at the {failed.stage} stage"
    if own is None:
        return "did not run", f"{where} before it ran: {_first_line(failed.detail)}"
    return "failed", f"{where}: {_first_line(failed.detail)}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _target(verdict: Verdict, findings: Sequence[Finding]) -> str:
    claimed = [f for f in findings if f.id in verdict.patch.finding_ids]
    if claimed:
        return ", ".join(dict.fromkeys(f"{f.path}::{f.symbol}" for f in claimed))
    return ", ".join(verdict.patch.finding_ids)
