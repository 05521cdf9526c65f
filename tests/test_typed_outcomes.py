"""Outcomes are typed: a call's ``CallOutcome`` and a model outcome's ``ModelOutcomeKind``.

Their values are the strings the ledger, report.json and the eval files always held, so
nothing written changes; a value outside them is refused where it is made.
"""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from agent.llm.base import FatalError, ProviderError, TransientError, UnparsableError, Usage
from agent.llm.call import CallOutcome, CallResult, OverBudget, outcome_of
from agent.models import ModelOutcome, ModelOutcomeKind


class _Reply(BaseModel):
    text: str


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (TransientError("503", usage=Usage()), "error: TransientError"),
        (FatalError("401", usage=Usage()), "error: FatalError"),
        (ProviderError("odd", usage=Usage()), "error: ProviderError"),
        (UnparsableError("not json", usage=Usage()), "unparsable"),
        (OverBudget("budget: spent", usage=Usage()), "refused-budget"),
    ],
)
def test_each_provider_error_ends_a_call_with_its_old_outcome_string(
    error: ProviderError, outcome: str
) -> None:
    typed = outcome_of(error)
    assert isinstance(typed, CallOutcome) and typed.value == outcome
    assert typed.is_error == outcome.startswith("error: ")


def test_only_unreadable_replies_are_retried() -> None:
    retried = {o.value for o in CallOutcome if o.retryable}
    assert retried == {"unparsable", "schema-invalid"}


def test_a_call_result_refuses_an_outcome_that_does_not_exist() -> None:
    result = CallResult[_Reply](outcome="ok")
    assert result.outcome is CallOutcome.OK and result.ok
    with pytest.raises(ValidationError):
        CallResult[_Reply](outcome="error: Whatever")


def test_model_outcome_kinds_are_typed_and_written_as_before() -> None:
    outcome = ModelOutcome(finding_ids=("f1",), kind="budget", reason="spent")
    assert outcome.kind is ModelOutcomeKind.BUDGET
    assert json.loads(outcome.model_dump_json())["kind"] == "budget"
    assert {k.value for k in ModelOutcomeKind} == {"abstained", "failed", "budget"}
    with pytest.raises(ValidationError):
        ModelOutcome(finding_ids=("f1",), kind="exploded", reason="?")
