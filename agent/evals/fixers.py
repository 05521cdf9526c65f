"""The two fixers an eval scores, behind one interface: codemods, or a prompt on a model.

``attempt`` returns a Patch or why there is none (and whether telling the model why is
worth one more try), exactly as a run would get it: the builtin fixer is
``fix_with_codemods``; the model fixer is ``LlmFixer`` with the prompt version under
test. Each sample gets its own ``MeteredClient``: its calls carry the sample's index in
the cache key (k samples are k real calls) and it adds up their tokens, dollars and time.

Exception tree::

    HardenError
    └── EvalError (agent.evals.errors)
        ├── ProviderFailed   the provider refused the call for good (auth, bad model ...)
        └── BudgetSpent      --budget refused a call: the eval cannot finish
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from agent.evals.errors import BudgetSpent, ProviderFailed
from agent.fix.apply import ApplyError
from agent.fix.codemod_fixer import fix_with_codemods, has_codemod
from agent.fix.llm_fixer import LlmFixer
from agent.llm.base import RenderedPrompt
from agent.llm.client import CallResult, LLMClient
from agent.models import Finding, Patch

__all__ = ["Attempt", "BuiltinFixer", "CaseFixer", "LlmCaseFixer", "MeteredClient", "Usage"]

M = TypeVar("M", bound=BaseModel)
SAMPLE_STRIDE = 2  # cache-key sample indices per eval sample: the first try and one retry


@dataclass(frozen=True)
class Attempt:
    """A patch, or why there is none; ``feedback`` set when a retry could do better."""

    patch: Patch | None
    reason: str = ""
    feedback: str | None = None
    schema_ok: bool = True


@dataclass
class Usage:
    """What a sample's fixer used."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    calls: int = 0
    latency_s: float = 0.0


class CaseFixer(Protocol):
    name: str
    retries: int

    @property
    def usage(self) -> Usage: ...

    def attempt(
        self, root: Path, group: Sequence[Finding], feedback: str, attempt: int
    ) -> Attempt: ...


class BuiltinFixer:
    """The codemod engine: deterministic, free, never retried."""

    name = "builtin"
    retries = 0

    def __init__(self) -> None:
        self.usage = Usage()

    def attempt(self, root: Path, group: Sequence[Finding], feedback: str, attempt: int) -> Attempt:
        fixable = [f for f in group if has_codemod(f)]
        if not fixable:
            return Attempt(None, "no codemod")
        start = time.monotonic()
        patch = fix_with_codemods(root, group[0].path, fixable)
        self.usage.latency_s += time.monotonic() - start
        if patch is None:
            return Attempt(None, "no codemod could fix it safely")
        return Attempt(patch)


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
    """A prompt version on a model, with the one retry-with-feedback a run gives it."""

    retries = 1

    def __init__(self, fixer: LlmFixer, client: MeteredClient) -> None:
        self.fixer = fixer
        self.client = client
        self.name = f"{fixer.name} via {fixer.model}"

    @property
    def usage(self) -> Usage:
        results = self.client.results
        costs = [r.cost_usd for r in results]
        return Usage(
            input_tokens=sum(r.usage.input_tokens for r in results),
            output_tokens=sum(r.usage.output_tokens for r in results),
            cost_usd=None if None in costs else sum(c or 0.0 for c in costs),
            calls=len(results),
            latency_s=sum(r.latency_s for r in results),
        )

    def attempt(self, root: Path, group: Sequence[Finding], feedback: str, attempt: int) -> Attempt:
        proposal = self.fixer.propose(root, group, feedback=feedback, attempt=attempt)
        _raise_if_fatal(proposal.outcome, proposal.error)
        if proposal.abstention:
            return Attempt(None, proposal.abstention)
        if proposal.error:
            again = proposal.error if proposal.retryable else None
            return Attempt(None, proposal.error, again, schema_ok=not proposal.retryable)
        try:
            return Attempt(proposal.to_patch(root))
        except ApplyError as exc:
            return Attempt(None, f"edits did not apply: {exc}", f"Your edits did not apply: {exc}")


def _raise_if_fatal(outcome: str, error: str | None) -> None:
    """A provider's permanent refusal or an exhausted budget stops the whole eval."""
    if outcome == "refused-budget":
        raise BudgetSpent(error or "the budget is spent")
    if outcome.startswith("error: ") and outcome != "error: TransientError":
        raise ProviderFailed(f"the model provider failed: {error or outcome}")
