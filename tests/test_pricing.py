"""Prices from the shipped table, dated names, local models, overrides."""

from __future__ import annotations

import pytest

from agent.errors import ConfigError
from agent.llm.base import Usage
from agent.llm.pricing import Pricing

MILLION = 1_000_000


def test_every_listed_model_has_a_price() -> None:
    pricing = Pricing.load()
    usage = Usage(input_tokens=MILLION, output_tokens=MILLION)
    for spec in (
        "openai/gpt-4.1",
        "openai/gpt-4.1-mini",
        "openai/gpt-4.1-nano",
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
        "openai/o4-mini",
        "openai/gpt-5",
        "openai/gpt-5-mini",
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-opus-4-1",
        "anthropic/claude-haiku-4-5",
        "anthropic/claude-3-5-haiku",
    ):
        cost = pricing.price(spec, usage)
        assert cost is not None
        assert cost > 0, spec


def test_cost_formula_splits_cached_and_written_input() -> None:
    pricing = Pricing.load(
        {"x/m": {"input": 2, "cached_input": 0.5, "cache_write": 3, "output": 8}}
    )
    usage = Usage(
        input_tokens=1_000, cached_input_tokens=300, cache_write_tokens=200, output_tokens=100
    )
    expected = (500 * 2 + 300 * 0.5 + 200 * 3 + 100 * 8) / MILLION
    assert pricing.price("x/m", usage) == pytest.approx(expected)


def test_dated_snapshots_use_their_base_entry() -> None:
    pricing = Pricing.load()
    usage = Usage(input_tokens=1_000, output_tokens=1_000)
    assert pricing.price("openai/gpt-4.1-mini-2025-04-14", usage) == pricing.price(
        "openai/gpt-4.1-mini", usage
    )
    assert pricing.price("anthropic/claude-sonnet-4-5-20250929", usage) == pricing.price(
        "anthropic/claude-sonnet-4-5", usage
    )


def test_local_models_are_free_and_unknown_models_are_none() -> None:
    pricing = Pricing.load()
    usage = Usage(input_tokens=1_000, output_tokens=1_000)
    for spec in ("ollama/qwen2.5-coder", "vllm/Qwen/Qwen2.5-7B", "lmstudio/x", "llamacpp/y"):
        assert pricing.price(spec, usage) == 0.0
    assert pricing.price("openai/gpt-9-ultra", usage) is None
    assert pricing.price("gpt-4.1", usage) is None


def test_overrides_change_one_field_or_add_a_model() -> None:
    pricing = Pricing.load(
        {"openai/gpt-4.1-mini": {"output": 100.0}, "acme/coder": {"input": 1, "output": 1}}
    )
    one_million_out = Usage(output_tokens=MILLION)
    assert pricing.price("openai/gpt-4.1-mini", one_million_out) == pytest.approx(100.0)
    assert pricing.price("openai/gpt-4.1-mini", Usage(input_tokens=MILLION)) == pytest.approx(0.4)
    assert pricing.price("acme/coder", Usage(cached_input_tokens=0, input_tokens=MILLION)) == 1.0


def test_a_bad_override_is_a_config_error_naming_the_model() -> None:
    with pytest.raises(ConfigError, match="acme/coder"):
        Pricing.load({"acme/coder": {"input": 1}})
    with pytest.raises(ConfigError, match=r"gpt-4\.1"):
        Pricing.load({"openai/gpt-4.1": {"ouput": 1}})


def test_the_table_ships_as_package_data() -> None:
    from importlib import resources

    text = resources.files("agent").joinpath("data/pricing.toml").read_text(encoding="utf-8")
    assert "as_of" in text
    assert "source" in text
