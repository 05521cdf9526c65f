"""The lazy provider registry: specs, missing keys, unknown providers, lazy SDK imports."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.llm.anthropic_provider import AnthropicProvider
from agent.llm.base import FatalError, TransientError
from agent.llm.openai_provider import OpenAIProvider
from agent.llm.providers import is_local, make_provider, retry_after, status_error

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"OPENAI_API_KEY": "sk-test", "ANTHROPIC_API_KEY": "ak-test"}


def test_openai_spec_builds_a_cloud_provider() -> None:
    provider = make_provider("openai/gpt-5-mini", base_url=None, env=KEYS)
    assert isinstance(provider, OpenAIProvider)
    assert (provider.model, provider.compatible) == ("gpt-5-mini", False)
    assert provider.client.max_retries == 0


def test_openai_base_url_env_is_honoured_and_stays_cloud() -> None:
    env = {**KEYS, "OPENAI_BASE_URL": "https://proxy.example.invalid/v1"}
    provider = make_provider("openai/gpt-5-mini", base_url=None, env=env)
    assert isinstance(provider, OpenAIProvider)
    assert str(provider.client.base_url).startswith("https://proxy.example.invalid/v1")
    assert not provider.compatible


def test_openai_with_an_explicit_base_url_is_compatible_and_needs_no_key() -> None:
    provider = make_provider("openai/my-model", base_url="http://10.0.0.5:9000/v1", env={})
    assert isinstance(provider, OpenAIProvider)
    assert provider.compatible


def test_anthropic_spec_builds_an_anthropic_provider() -> None:
    provider = make_provider("anthropic/claude-sonnet-5", base_url=None, env=KEYS)
    assert isinstance(provider, AnthropicProvider)
    assert provider.model == "claude-sonnet-5"
    assert provider.client.max_retries == 0


@pytest.mark.parametrize(
    ("spec", "url"),
    [
        ("ollama/qwen2.5-coder:7b", "http://localhost:11434/v1"),
        ("vllm/Qwen/Qwen2.5-Coder-7B", "http://localhost:8000/v1"),
        ("lmstudio/qwen", "http://localhost:1234/v1"),
        ("llamacpp/any", "http://localhost:8080/v1"),
    ],
)
def test_local_servers_have_default_urls_and_need_no_key(spec: str, url: str) -> None:
    provider = make_provider(spec, base_url=None, env={})
    assert isinstance(provider, OpenAIProvider)
    assert provider.compatible
    assert str(provider.client.base_url).rstrip("/") == url
    assert provider.model == spec.partition("/")[2]
    assert is_local(spec)


def test_only_ollama_gets_num_ctx() -> None:
    ollama = make_provider("ollama/m", base_url=None, env={})
    vllm = make_provider("vllm/m", base_url=None, env={})
    assert isinstance(ollama, OpenAIProvider)
    assert isinstance(vllm, OpenAIProvider)
    assert ollama.extra_body == {"options": {"num_ctx": 16384}}
    assert vllm.extra_body is None


def test_a_base_url_overrides_the_local_default() -> None:
    provider = make_provider("ollama/m", base_url="http://gpu-box:11434/v1", env={})
    assert isinstance(provider, OpenAIProvider)
    assert str(provider.client.base_url).startswith("http://gpu-box:11434/v1")


@pytest.mark.parametrize(
    ("spec", "var"), [("openai/gpt-5-mini", "OPENAI_API_KEY"), ("anthropic/c", "ANTHROPIC_API_KEY")]
)
def test_a_missing_key_names_the_fix(spec: str, var: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_provider(spec, base_url=None, env={var: "  "})
    assert info.value.message == (
        f"{var} is not set: export it, or put it in .env (see .env.example)"
    )


@pytest.mark.parametrize("spec", ["gpt-5-mini", "openai/", "/gpt", "mistral/large"])
def test_a_bad_spec_lists_the_known_providers(spec: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_provider(spec, base_url=None, env=KEYS)
    for name in ("openai/", "anthropic/", "ollama/", "vllm/", "lmstudio/", "llamacpp/"):
        assert name in info.value.message


def test_is_local() -> None:
    assert not is_local("openai/gpt-5-mini")
    assert not is_local("anthropic/claude")
    assert is_local("openai/m", base_url="http://127.0.0.1:8000/v1")
    assert not is_local("ollama/m", base_url="https://ollama.example.com/v1")


def test_retry_after_parses_ms_seconds_and_http_dates() -> None:
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after({"retry-after": later})
    assert seconds is not None
    assert 25 < seconds <= 30


def test_status_error_classes() -> None:
    assert isinstance(status_error(503, "busy", {}), TransientError)
    assert isinstance(status_error(429, "slow down", {}), TransientError)
    assert isinstance(status_error(429, "no money", {}, quota=True), FatalError)
    assert isinstance(status_error(403, "no", {}), FatalError)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )


def test_importing_the_registry_imports_no_sdk() -> None:
    code = (
        "import sys, agent.llm.providers\n"
        "loaded = [m for m in ('openai', 'anthropic', 'httpx2') if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == ""


def test_making_an_anthropic_provider_does_not_import_openai() -> None:
    code = (
        "import sys\n"
        "from agent.llm.providers import make_provider\n"
        "make_provider('anthropic/c', base_url=None, env={'ANTHROPIC_API_KEY': 'k'})\n"
        "print('openai' in sys.modules, 'anthropic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["False", "True"]
