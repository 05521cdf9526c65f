"""Choose the model for a run and assemble its client, or say why there is none.

``--model provider/name`` wins; ``--model builtin`` means codemods only; with no choice,
a present OPENAI_API_KEY or ANTHROPIC_API_KEY picks that provider's default model.
Either way the choice is said in one line. The fixer comes from a context manager: the
sqlite ledger and the response cache it writes to are closed when the run leaves it, on
every path (an error, Ctrl-C).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from agent.config import Settings, read_environment
from agent.errors import ConfigError
from agent.fix.llm_fixer import LlmFixer
from agent.llm.base import Usage
from agent.llm.budget import Budget
from agent.llm.cache import ResponseCache
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.pricing import Pricing
from agent.llm.prompts import load_prompt
from agent.llm.providers import make_provider
from agent.llm.retry import RetryPolicy
from agent.llm.structured import MODE_FILE, ModeMemory
from agent.log import get_logger
from agent.models import Priority
from agent.run.model_choice import BUILTIN, choose_model, prompt_for

__all__ = ["BUILTIN", "NO_MODEL_NOTE", "choose_model", "open_model_fixer", "prompt_for"]

log = get_logger("model")

NO_MODEL_NOTE = (
    "no model configured: built-in codemods only; set OPENAI_API_KEY or ANTHROPIC_API_KEY, "
    "or pass --model, to send the findings no codemod fixes to a model"
)


@contextmanager
def open_model_fixer(
    settings: Settings, run_id: str, priority: Priority
) -> Iterator[LlmFixer | None]:
    """The run's model fixer, or None (codemods only); its ledger and cache close on exit."""
    env = read_environment()
    model = choose_model(settings, env.provider)
    if model is None:
        yield None
        return
    modes = ModeMemory(env.data_dir / MODE_FILE)
    provider = make_provider(model, base_url=settings.base_url, env=env.provider, modes=modes)
    pricing = _pricing(settings, model)
    prompt = load_prompt(prompt_for(settings, priority), settings.prompts_dir)
    with (
        Ledger(env.data_dir / "ledger.sqlite") as ledger,
        ResponseCache(env.cache_dir) as cache,
    ):
        client = LLMClient(
            provider,
            ledger=ledger,
            cache=cache,
            budget=Budget(settings.budget, allow_unknown=settings.allow_unknown_cost),
            pricing=pricing,
            retry=RetryPolicy(),
            run_id=run_id,
            model_spec=model,
        )
        yield LlmFixer(client, prompt, model)


def _pricing(settings: Settings, model: str) -> Pricing:
    """The price list; a model it does not price is refused under --budget, else warned of."""
    pricing = Pricing.load(settings.pricing)
    if pricing.price(model, Usage()) is None:
        if settings.budget is not None and not settings.allow_unknown_cost:
            raise ConfigError(
                f"the price of {model} is unknown, so --budget cannot be enforced; add "
                f'[tool.harden.pricing."{model}"] or pass --allow-unknown-cost'
            )
        log.warning("the price of %s is unknown: its cost will be reported as unknown", model)
    return pricing
