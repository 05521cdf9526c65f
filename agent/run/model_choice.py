"""Which model a run (or a plan) asks, and with which prompt: decided from the settings
and the provider keys alone, without importing any model client (``harden plan`` needs
the choice, not the client).

``--model provider/name`` wins; ``--model builtin`` means codemods only; with no choice,
a present OPENAI_API_KEY or ANTHROPIC_API_KEY picks that provider's default model.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.config import Settings
from agent.models import Priority

__all__ = ["BUILTIN", "choose_model", "prompt_for"]

BUILTIN = "builtin"
_DEFAULTS = (
    ("OPENAI_API_KEY", "openai/gpt-4.1-mini"),
    ("ANTHROPIC_API_KEY", "anthropic/claude-haiku-4-5"),
)


def choose_model(settings: Settings, env: Mapping[str, str]) -> str | None:
    if settings.model:
        return None if settings.model == BUILTIN else settings.model
    return next((model for key, model in _DEFAULTS if env.get(key)), None)


def prompt_for(settings: Settings, priority: Priority) -> str:
    """The prompt of ``priority``: the configured one if it is that priority's, else its own."""
    chosen = settings.prompt
    if chosen and chosen.partition("@")[0] == f"fix/{priority}":
        return chosen
    return f"fix/{priority}"
