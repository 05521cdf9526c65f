"""The scorecard's data: one result per checklist item, with its evidence and its remedy."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field, field_validator

from agent.redaction.secrets import redact_fixed

__all__ = ["Checklist", "Evidence", "ItemId", "ItemResult", "ItemStatus"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemId(StrEnum):
    """The productionalization checklist, in the order the scorecard shows it."""

    INPUT_VALIDATION = "input-validation"
    AUTH = "auth"
    EXTERNAL_ERRORS = "external-call-errors"
    LOGGING = "structured-logging"
    INTEGRATION_TEST = "integration-test"
    ENV_DOCUMENTED = "env-documented"
    RATE_LIMITING = "rate-limiting"
    LLM_COST = "llm-cost-controls"
    ROLLBACK = "rollback-plan"
    SECRETS = "secrets-out-of-code"


class ItemStatus(StrEnum):
    PASS = "pass"  # noqa: S105  # nosec B105: a verdict, not a password
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


class Evidence(_Frozen):
    """One fact behind a verdict: where it is, and what it says (a finding names its id).

    ``text`` is often a line of the user's code: a secret in it is replaced by
    ``<redacted>`` here, once, so no output (table, JSON, report.md) can show it.
    """

    path: str
    line: int | None = None
    text: str
    finding_id: str | None = None

    @field_validator("text")
    @classmethod
    def _redacted(cls, text: str) -> str:
        return redact_fixed(text)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class ItemResult(_Frozen):
    """One item's verdict; ``remedy`` names the harden priority or manual step for a fail."""

    id: ItemId
    title: str
    status: ItemStatus
    summary: str
    evidence: tuple[Evidence, ...] = ()
    remedy: str = ""


class Checklist(_Frozen):
    """The scorecard of one repository at one commit."""

    repo: str
    commit: str
    items: tuple[ItemResult, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[ItemStatus, int]:
        """Items per status (in the JSON too, for a CI gate)."""
        tally = Counter(item.status for item in self.items)
        return {status: tally[status] for status in ItemStatus}

    def item(self, item_id: ItemId) -> ItemResult:
        return next(i for i in self.items if i.id is item_id)
