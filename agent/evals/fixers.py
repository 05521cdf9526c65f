"""The two fixers an eval scores, behind one interface: codemods, or a prompt on a model.

Each names the ``Fixers`` the run loop (agent.run.fixing) fixes a sample with, exactly
as a run would: the builtin fixer is the codemods alone; the model fixer is ``LlmFixer``
with the prompt version under test, alone. ``check`` sees every attempt the loop makes.
Each sample gets its own ``MeteredClient``: its calls carry the sample's index in the
cache key (k samples are k real calls) and it adds up their tokens, dollars and time.

Exception tree::

    HardenError
    └── EvalError (agent.evals.errors)
        ├── ProviderFailed   the provider refused the call for good (auth, bad model ...)
        └── BudgetSpent      --budget refused a call: the eval cannot finish
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from agent.evals.errors import BudgetSpent, ProviderFailed
from agent.fix.llm_fixer import LlmFixer
from agent.llm.base import RenderedPrompt
from agent.llm.call import CallOutcome
from agent.llm.client import CallResult, LLMClient
from agent.run.fixing import Fixers
from agent.run.observe import Attempt

__all__ = ["BuiltinFixer", "CaseFixer", "LlmCaseFixer", "MeteredClient", "Usage"]

M = TypeVar("M", bound=BaseModel)
SAMPLE_STRIDE = 2  # cache-key sample indices per eval sample: the first try and one retry


@dataclass(frozen=True)
class Usage:
    """What a sample's fixer used."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    calls: int = 0
    latency_s: float = 0.0


class CaseFixer(Protocol):
    """What a sample is fixed with, how its attempts are metered, and which are fatal."""

    name: str
    fixers: Fixers

    def usage(self, attempts: Sequence[Attempt]) -> Usage: ...

    def check(self, attempt: Attempt) -> None: ...


class BuiltinFixer:
    """The codemod engine: deterministic, free, never retried."""

    name = "builtin"
    fixers = Fixers(codemods=True, model=None)

    def usage(self, attempts: Sequence[Attempt]) -> Usage:
        return Usage(latency_s=sum(a.latency_s for a in attempts))

    def check(self, attempt: Attempt) -> None:
        return None


class MeteredClient(LLMClient):
    """An LLMClient for one eval sample: offsets ``sample`` and meters every call."""

    def __init__(self, *args: Any, sample_base: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sample_base = sample_base
        self.results: list[CallResult[Any]] = []

    def complete(
        self,
        prompt: RenderedPrompt,
        schema: type[M],
        *,
        finding_id: str,
        sample: int = 0,
        max_tokens: int = 4096,
        estimate_input_tokens: int | None = None,
    ) -> CallResult[M]:
        result = super().complete(
            prompt,
            schema,
            finding_id=finding_id,
            sample=self.sample_base + sample,
            max_tokens=max_tokens,
            estimate_input_tokens=estimate_input_tokens,
        )
        self.results.append(result)
        return result


class LlmCaseFixer:
    """A prompt version on a model alone (no codemods), with the run's one retry."""

    def __init__(self, fixer: LlmFixer, client: MeteredClient) -> None:
        self.client = client
        self.fixers = Fixers(codemods=False, model=fixer)
        self.name = f"{fixer.name} via {fixer.model}"

    def usage(self, attempts: Sequence[Attempt]) -> Usage:
        results = self.client.results
        costs = [r.cost_usd for r in results]
        return Usage(
            input_tokens=sum(r.usage.input_tokens for r in results),
            output_tokens=sum(r.usage.output_tokens for r in results),
            cost_usd=None if None in costs else sum(c or 0.0 for c in costs),
            calls=len(results),
            latency_s=sum(r.latency_s for r in results),
        )

    def check(self, attempt: Attempt) -> None:
        """A provider's permanent refusal or an exhausted budget stops the whole eval."""
        outcome = attempt.outcome
        if outcome is CallOutcome.REFUSED_BUDGET:
            raise BudgetSpent(attempt.error or "the budget is spent")
        if outcome is not None and outcome.is_error and outcome is not CallOutcome.TRANSIENT_ERROR:
            raise ProviderFailed(f"the model provider failed: {attempt.error or outcome}")
