"""Dollar prices of model calls, from agent/data/pricing.toml plus the user's overrides.

Prices are per million tokens. A model spec is ``provider/model``; dated snapshots map to
their base entry; models of local providers (ollama, vllm, ...) cost 0. ``price`` returns
``None`` for a model it does not know: the caller records "unknown", never a guess.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import ConfigError
from agent.llm.base import Usage

__all__ = ["ModelPrice", "Pricing"]

_PER = 1_000_000
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


class ModelPrice(BaseModel):
    """Dollars per million tokens; cached_input and cache_write default to input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None

    def cost(self, usage: Usage) -> float:
        cached, written = usage.cached_input_tokens, usage.cache_write_tokens
        uncached = max(usage.input_tokens - cached - written, 0)
        dollars = (
            uncached * self.input
            + cached * _or(self.cached_input, self.input)
            + written * _or(self.cache_write, self.input)
            + usage.output_tokens * self.output
        )
        return dollars / _PER


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def base_model_name(model: str) -> str:
    """``gpt-4.1-mini-2025-04-14`` -> ``gpt-4.1-mini``; ``claude-x-20250929`` -> ``claude-x``."""
    return _DATE_SUFFIX.sub("", model)


def _read_table() -> dict[str, Any]:
    text = resources.files("agent").joinpath("data/pricing.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(
    base: Mapping[str, ModelPrice], overrides: Mapping[str, Mapping[str, float]]
) -> dict[str, ModelPrice]:
    merged = dict(base)
    for spec, fields in overrides.items():
        known = merged[spec].model_dump(exclude_none=True) if spec in merged else {}
        try:
            merged[spec] = ModelPrice.model_validate({**known, **fields})
        except ValidationError as exc:
            raise ConfigError(
                f'[tool.harden.pricing."{spec}"] is invalid: give numbers for input and '
                f"output (and optionally cached_input, cache_write) per million tokens ({exc})"
            ) from None
    return merged


class Pricing:
    """The price table: ``Pricing.load()``, then ``price(spec, usage)``."""

    def __init__(self, models: Mapping[str, ModelPrice], free_providers: frozenset[str]) -> None:
        self.models = dict(models)
        self.free_providers = free_providers

    @classmethod
    def load(cls, overrides: Mapping[str, Mapping[str, float]] | None = None) -> Pricing:
        table = _read_table()
        base = {spec: ModelPrice.model_validate(p) for spec, p in table["models"].items()}
        free = frozenset(table["meta"]["free_providers"])
        return cls(_merge(base, overrides or {}), free)

    def lookup(self, model_spec: str) -> ModelPrice | None:
        """The price entry for ``provider/model`` (dated names use their base), or None."""
        provider, _, model = model_spec.partition("/")
        if provider in self.free_providers:
            return ModelPrice(input=0.0, output=0.0)
        for name in (model, base_model_name(model)):
            found = self.models.get(f"{provider}/{name}")
            if found is not None:
                return found
        return None

    def price(self, model_spec: str, usage: Usage) -> float | None:
        """Dollars for ``usage`` on ``model_spec``; None when the model is unknown."""
        found = self.lookup(model_spec)
        return None if found is None else found.cost(usage)
