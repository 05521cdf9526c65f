"""The data that flows through a run: frozen pydantic models, never untyped dicts.

Finding -> (grouped) Patch -> Verdict -> RunReport. A rejected patch is a Verdict with
``accepted=False``, not an exception.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "PRIORITY_ORDER",
    "CharacterizationFate",
    "CharacterizationFateKind",
    "CommitRecord",
    "Confidence",
    "FileEdit",
    "Finding",
    "FindingStatus",
    "GeneratedTestFate",
    "GeneratedTestFateKind",
    "ModelOutcome",
    "ModelOutcomeKind",
    "Patch",
    "Priority",
    "RunReport",
    "RuntimeEvidence",
    "SetAside",
    "SetAsideKind",
    "Severity",
    "SkippedFile",
    "Stage",
    "StageResult",
    "StageStatus",
    "SuiteRunCount",
    "Unfixed",
    "Verdict",
    "stable_finding_id",
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Priority(StrEnum):
    SECURITY = "security"
    ERRORS = "errors"
    OBSERVABILITY = "observability"
    AI = "ai"
    PERFORMANCE = "performance"
    TESTS = "tests"


PRIORITY_ORDER: tuple[Priority, ...] = tuple(Priority)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Finding(Frozen):
    """One problem at one place, whichever detectors reported it."""

    id: str
    rule: str
    aliases: tuple[str, ...] = ()
    tools: tuple[str, ...]
    message: str
    cwe: int | None = None
    severity: Severity
    confidence: Confidence
    priority: Priority
    path: str
    line: int
    column: int = 0
    end_line: int
    symbol: str
    source_line: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def matches_rule(self, rule: str) -> bool:
        return rule == self.rule or rule in self.aliases


def stable_finding_id(rule: str, path: str, symbol: str, source_line: str, occurrence: int) -> str:
    """Hash what identifies a finding independently of its line number.

    Editing other parts of the file moves the line but keeps the id; ``occurrence``
    separates identical lines inside the same symbol.
    """
    normalised = " ".join(source_line.split())
    key = "\x1f".join((rule, path, symbol, normalised, str(occurrence)))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class SkippedFile(Frozen):
    path: str
    reason: str


class FileEdit(Frozen):
    """The whole new content of one file; ``before`` is None for a new file."""

    path: str
    before: str | None
    after: str


class Patch(Frozen):
    """A proposed change that claims to fix some findings."""

    finding_ids: tuple[str, ...]
    fixer: str
    title: str
    rationale: str
    edits: tuple[FileEdit, ...]
    dependencies: tuple[str, ...] = ()
    cost_usd: float = 0.0
    model: str | None = None  # provider/model for a model fixer's patch; None for codemods


class Stage(StrEnum):
    APPLIES = "applies"
    SCOPE = "scope"
    PARSES = "parses"
    LINT = "lint"
    FINDING_GONE = "finding-gone"
    DEPENDENCIES = "dependencies"
    SMOKE = "smoke"
    APP_SMOKE = "app-smoke"
    CHARACTERIZATION = "characterization"
    GENERATED_TEST = "generated-test"
    TESTS = "tests"


class StageStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class StageResult(Frozen):
    stage: Stage
    status: StageStatus
    detail: str = ""


class RuntimeEvidence(StrEnum):
    """What ran the patched code: the repo's tests, characterization tests harden had
    written and kept at the base, the smoke only (import, web routes, CLI), or nothing."""

    TESTS = "tests"
    CHARACTERIZATION = "characterization"
    SMOKE = "smoke"
    NONE = "none"


class Verdict(Frozen):
    patch: Patch
    stages: tuple[StageResult, ...]
    tests_run: str = ""
    evidence: RuntimeEvidence = RuntimeEvidence.NONE

    @property
    def accepted(self) -> bool:
        return all(s.status is not StageStatus.FAILED for s in self.stages)

    @property
    def failed_stage(self) -> StageResult | None:
        return next((s for s in self.stages if s.status is StageStatus.FAILED), None)


class CommitRecord(Frozen):
    sha: str
    title: str
    finding_ids: tuple[str, ...]


class ModelOutcomeKind(StrEnum):
    """Why model work produced no commit."""

    ABSTAINED = "abstained"  # the model declined (false positive, no safe fix)
    FAILED = "failed"  # no reply, or its patch was rejected after the retry
    BUDGET = "budget"  # the budget left the group unsent


class ModelOutcome(Frozen):
    """What became of model work that produced no commit: an abstention or a failure."""

    finding_ids: tuple[str, ...]
    kind: ModelOutcomeKind
    reason: str


SetAsideKind = Literal["codemod refused", "skipped"]


class SetAside(Frozen):
    """Findings the run made no patch for, and why: a codemod refused them, or the run
    skipped them (the finding limit, code an earlier priority's branch changed)."""

    finding_ids: tuple[str, ...]
    kind: SetAsideKind
    reason: str


class FindingStatus(StrEnum):
    """What a run did about one finding; a fix that landed wins over a rejected attempt."""

    FIXED = "fixed"
    REJECTED = "rejected"
    NEEDS_MODEL = "needs-model"
    NOT_ATTEMPTED = "not-attempted"


class Unfixed(Frozen):
    """Why one finding is not fixed on the run's branch, in one line."""

    finding_id: str
    status: FindingStatus
    reason: str


GeneratedTestFateKind = Literal[
    "did not run", "failed", "flaky", "no coverage gain", "passes on pre-patch code", "kept"
]


class GeneratedTestFate(Frozen):
    """What became of one generated test file, as in TestGen-LLM's funnel."""

    test_path: str
    target: str  # path::symbol of the function it tests, or the finding id(s)
    fate: GeneratedTestFateKind
    detail: str = ""


CharacterizationFateKind = Literal["no reply", "refused", "did not run", "failed", "flaky", "kept"]


class CharacterizationFate(Frozen):
    """What became of the characterization test file asked for one untested function."""

    target: str  # path::symbol
    test_path: str
    fate: CharacterizationFateKind
    detail: str = ""
    vulnerable_cases: tuple[str, ...] = ()  # the cases the model marked as pinning the bug
    dropped_cases: tuple[str, ...] = ()  # marked cases that flipped with the fix
    duration_s: float = 0.0  # the model call and the base runs
    commit: str | None = None  # the commit that offers the kept file on the run's branch


class SuiteRunCount(Frozen):
    """Test suite runs of a run: in full (baseline and branch checks) and of selected tests."""

    full: int = 0
    selected: int = 0


class RunReport(Frozen):
    """Everything a run did, written to report.json and printed by ``--json``."""

    run_id: str
    repo: str
    base_commit: str
    priority: Priority
    branch: str | None
    started_at: str
    duration_s: float
    test_command: str | None
    baseline_failures: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    skipped_files: tuple[SkippedFile, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    commits: tuple[CommitRecord, ...] = ()
    fixed_ids: tuple[str, ...] = ()
    needs_model_ids: tuple[str, ...] = ()
    model: str | None = None
    model_outcomes: tuple[ModelOutcome, ...] = ()
    # On an OpenAI-compatible server: the structured-output modes its replies came in, and
    # those it rejected (agent.llm.structured: json_schema, json_object, prompt).
    structured_output: tuple[str, ...] = ()
    structured_rejected: tuple[str, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    unfixed: tuple[Unfixed, ...] = ()  # every finding not fixed, with its reason
    generated_tests: tuple[GeneratedTestFate, ...] = ()
    characterization: tuple[CharacterizationFate, ...] = ()
    cost_usd: float = 0.0
    suite_runs: SuiteRunCount = SuiteRunCount()
    checklist: str = ""  # report.md's production checklist of the base commit (markdown)
    # the PRODUCTION.md draft of the base commit, written beside report.md (not in the JSON)
    production_md: str = Field(default="", exclude=True)
    notes: tuple[str, ...] = Field(default=())
