"""What the model side of an eval shares across samples: provider, ledger, budget, prices.

Each sample gets its own ``MeteredClient`` with no response cache, so every sample is a
real call (or a replayed one) and its sample index is in the cache key and the ledger
row. A replay needs no API key (a placeholder is used; cassettes hold no credentials),
records to a throw-away ledger (replayed calls cost nothing) and never retries: a request
its cassette does not hold fails at once. The cost estimate shown before any call:
per case, the prompt and the case's files in tokens plus a typical reply, times samples.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.config import read_environment
from agent.evals.case import Case
from agent.evals.cassettes import CassetteMode
from agent.evals.errors import EvalError
from agent.evals.fixers import SAMPLE_STRIDE, LlmCaseFixer, MeteredClient
from agent.fix.llm_fixer import LlmFixer
from agent.llm.base import Provider, Usage
from agent.llm.budget import Budget
from agent.llm.client import estimate_cost
from agent.llm.ledger import Ledger
from agent.llm.pricing import Pricing
from agent.llm.prompts import PromptVersion
from agent.llm.providers import make_provider
from agent.llm.retry import RetryPolicy
from agent.llm.tokens import count_tokens
from agent.run.plan import OUTPUT_TOKENS_ESTIMATE
from agent.testgen import TESTS_PROMPT, GeneratedTestWriter

__all__ = ["Estimate", "LlmKit", "estimate", "open_kit"]

_PLACEHOLDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")


@dataclass
class LlmKit:
    model: str
    provider: Provider
    ledger: Ledger
    budget: Budget
    pricing: Pricing
    retry: RetryPolicy
    run_id: str

    def fixer(self, prompt: PromptVersion, sample: int) -> LlmCaseFixer:
        client = MeteredClient(
            self.provider,
            ledger=self.ledger,
            cache=None,
            budget=self.budget,
            pricing=self.pricing,
            retry=self.retry,
            run_id=self.run_id,
            model_spec=self.model,
            sample_base=sample * SAMPLE_STRIDE,
        )
        # The tests prompt gets the test writer's chunk: the target, its import, a test.
        kind = GeneratedTestWriter if prompt.ref.id == TESTS_PROMPT else LlmFixer
        return LlmCaseFixer(kind(client, prompt, self.model), client)


@contextmanager
def open_kit(
    model: str, base_url: str | None, budget: float | None, mode: CassetteMode, run_id: str
) -> Iterator[LlmKit]:
    """The eval's kit; its ledger (and a replay's throw-away one) is closed on exit."""
    environment = read_environment()
    env: Mapping[str, str] = environment.provider
    if mode == "replay":
        env = {**{k: "replay-no-key" for k in _PLACEHOLDER_KEYS}, **env}
    provider = make_provider(model, base_url=base_url, env=env)
    pricing = Pricing.load()
    if budget is not None and pricing.price(model, Usage()) is None:
        raise EvalError(f"the price of {model} is unknown, so --budget cannot be enforced")
    with contextlib.ExitStack() as stack:
        data = environment.data_dir
        if mode == "replay":
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="harden-eval-")))
        yield LlmKit(
            model=model,
            provider=provider,
            ledger=stack.enter_context(Ledger(data / "ledger.sqlite")),
            budget=Budget(budget),
            pricing=pricing,
            retry=RetryPolicy(max_attempts=1) if mode == "replay" else RetryPolicy(),
            run_id=run_id,
        )


@dataclass(frozen=True)
class Estimate:
    calls: int
    input_tokens: int
    usd: float | None

    def line(self, samples: int) -> str:
        cost = "unknown (no price for the model)" if self.usd is None else f"~${self.usd:.4f}"
        return (
            f"estimate: {self.calls} call(s) ({samples} sample(s) per case), "
            f"~{self.input_tokens:,} input tokens, {cost}; up to twice that with retries"
        )


def estimate(
    model: str, pairs: Sequence[tuple[Case, PromptVersion]], samples: int, pricing: Pricing
) -> Estimate:
    """The expected cost of one call per case and sample, before any call is made."""
    tokens = [_prompt_tokens(case, prompt) for case, prompt in pairs]
    costs = [estimate_cost(model, t, OUTPUT_TOKENS_ESTIMATE, pricing) for t in tokens]
    usd = None if None in costs else sum(c or 0.0 for c in costs) * samples
    return Estimate(calls=len(pairs) * samples, input_tokens=sum(tokens) * samples, usd=usd)


def _prompt_tokens(case: Case, prompt: PromptVersion) -> int:
    code = "".join((case.repo_dir / f).read_text(encoding="utf-8") for f in case.files)
    return count_tokens(prompt.system) + count_tokens(prompt.user) + count_tokens(code)
