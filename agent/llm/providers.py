"""The lazy provider registry: ``provider/model`` → a Provider, importing only its SDK.

Known providers: ``openai`` and ``anthropic`` (cloud, need an API key), and the local
OpenAI-compatible servers ``ollama``, ``vllm``, ``lmstudio`` and ``llamacpp``. An
``openai/<model>`` with an explicit ``base_url`` talks to any OpenAI-compatible server.

Also the HTTP facts every adapter classifies by (``status_error``, ``retry_after``), kept
here because this module imports no SDK.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from agent.errors import ConfigError, UsageError
from agent.llm.base import (
    FatalError,
    InvalidRequestError,
    Provider,
    ProviderError,
    TransientError,
    Usage,
)
from agent.llm.structured import ModeMemory

__all__ = [
    "KNOWN_PROVIDERS",
    "is_local",
    "is_validation_error",
    "make_provider",
    "retry_after",
    "status_error",
]

CLOUD_TIMEOUT_S = 60.0
LOCAL_TIMEOUT_S = 300.0  # a local model on a laptop can take minutes for one patch
OLLAMA_NUM_CTX = 16384  # Ollama's default 2,048-token context silently truncates prompts
TRANSIENT_STATUSES = frozenset({408, 409, 429})
INVALID_STATUSES = frozenset({400, 422})
_VALIDATION = re.compile(
    r"validation error|Input should be|literal_error|Field required|"
    r"Extra inputs are not permitted|unprocessable entity",
    re.IGNORECASE,
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104


class LocalServer(NamedTuple):
    base_url: str
    api_key: str


LOCAL_SERVERS: dict[str, LocalServer] = {
    "ollama": LocalServer("http://localhost:11434/v1", "ollama"),
    "vllm": LocalServer("http://localhost:8000/v1", "EMPTY"),
    "lmstudio": LocalServer("http://localhost:1234/v1", "lm-studio"),
    "llamacpp": LocalServer("http://localhost:8080/v1", "no-key"),
}
KNOWN_PROVIDERS = ("openai", "anthropic", *LOCAL_SERVERS)


def make_provider(
    spec: str,
    *,
    base_url: str | None,
    env: Mapping[str, str],
    timeout_s: float | None = None,
    modes: ModeMemory | None = None,
) -> Provider:
    """Build the provider named by ``spec`` (``provider/model``); import only its SDK.

    The timeout of one request: ``timeout_s``, else ``$HARDEN_MODEL_TIMEOUT``, else the
    provider's default (longer for a server on this machine). ``modes`` remembers the
    structured-output mode of each OpenAI-compatible server (in memory when None).
    """
    name, model = split_spec(spec)
    timeout_s = timeout_s or env_timeout(env)
    modes = modes or ModeMemory()
    if name == "anthropic":
        return _anthropic(model, base_url, env, timeout_s or CLOUD_TIMEOUT_S)
    if name == "openai":
        return _openai(model, base_url, env, timeout_s, modes)
    return _local(name, model, base_url, timeout_s or LOCAL_TIMEOUT_S, modes)


def env_timeout(env: Mapping[str, str]) -> float | None:
    """Seconds from ``HARDEN_MODEL_TIMEOUT``; None when unset; ConfigError when not positive."""
    raw = env.get("HARDEN_MODEL_TIMEOUT", "").strip()
    if not raw:
        return None
    seconds = _number(raw)
    if not seconds:
        raise ConfigError(f"HARDEN_MODEL_TIMEOUT={raw!r} is not a positive number of seconds")
    return seconds


def split_spec(spec: str) -> tuple[str, str]:
    """``"ollama/qwen2.5-coder:7b"`` → ``("ollama", "qwen2.5-coder:7b")``, or ConfigError."""
    name, _, model = spec.partition("/")
    known = ", ".join(f"{p}/<model>" for p in KNOWN_PROVIDERS)
    if not model or not name:
        raise UsageError(f"model {spec!r} is not provider/model: use one of {known}")
    if name not in KNOWN_PROVIDERS:
        raise UsageError(f"unknown model provider {name!r} in {spec!r}: use one of {known}")
    return name, model


def is_local(spec: str, base_url: str | None = None) -> bool:
    """True when calls go to a server on this machine (they cost nothing)."""
    name = spec.partition("/")[0]
    if base_url is not None:
        return urlsplit(base_url).hostname in LOCAL_HOSTS
    return name in LOCAL_SERVERS


def _key(env: Mapping[str, str], var: str) -> str:
    key = env.get(var, "").strip()
    if not key:
        raise ConfigError(f"{var} is not set: export it, or put it in .env (see .env.example)")
    return key


def _anthropic(
    model: str, base_url: str | None, env: Mapping[str, str], timeout: float
) -> Provider:
    from agent.llm.anthropic_provider import AnthropicProvider

    key = _key(env, "ANTHROPIC_API_KEY")
    url = base_url or env.get("ANTHROPIC_BASE_URL") or None
    return AnthropicProvider(model, api_key=key, base_url=url, timeout_s=timeout)


def _openai(
    model: str,
    base_url: str | None,
    env: Mapping[str, str],
    timeout: float | None,
    modes: ModeMemory,
) -> Provider:
    from agent.llm.openai_provider import OpenAIProvider

    if base_url is not None:  # any OpenAI-compatible server: a key only if it wants one
        key = env.get("OPENAI_API_KEY") or "no-key"
        wait = timeout or (LOCAL_TIMEOUT_S if is_local("openai", base_url) else CLOUD_TIMEOUT_S)
        return OpenAIProvider(
            model, api_key=key, base_url=base_url, compatible=True, timeout_s=wait, modes=modes
        )
    key = _key(env, "OPENAI_API_KEY")
    url = env.get("OPENAI_BASE_URL") or None
    return OpenAIProvider(model, api_key=key, base_url=url, timeout_s=timeout or CLOUD_TIMEOUT_S)


def _local(
    name: str, model: str, base_url: str | None, timeout: float, modes: ModeMemory
) -> Provider:
    from agent.llm.openai_provider import OpenAIProvider

    server = LOCAL_SERVERS[name]
    extra = {"options": {"num_ctx": OLLAMA_NUM_CTX}} if name == "ollama" else None
    return OpenAIProvider(
        model,
        api_key=server.api_key,
        base_url=base_url or server.base_url,
        compatible=True,
        timeout_s=timeout,
        extra_body=extra,
        modes=modes,
    )


def status_error(
    status: int,
    message: str,
    headers: Mapping[str, str],
    *,
    quota: bool = False,
    usage: Usage | None = None,
    detail: str = "",
) -> ProviderError:
    """Classify an HTTP error reply: 408/409/429/5xx retry (unless out of quota), else fatal.

    A rejected request is never retried: 400/422, or a 500 whose text (``message`` and the
    body's ``detail``) is a validation error, as llama-cpp-python answers an unsupported
    ``response_format``: InvalidRequestError.
    """
    if quota:
        return FatalError(f"out of quota ({status}): {message}", status=status, usage=usage)
    if status in INVALID_STATUSES or (status >= 500 and is_validation_error(message + detail)):
        return InvalidRequestError(message, status=status, usage=usage)
    if status in TRANSIENT_STATUSES or status >= 500:
        wait = retry_after(headers)
        return TransientError(message, status=status, retry_after=wait, usage=usage)
    return FatalError(message, status=status, usage=usage)


def is_validation_error(text: str) -> bool:
    """True when an error text says the request failed validation (pydantic, FastAPI...)."""
    return _VALIDATION.search(text) is not None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, else ``retry-after``."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    return seconds if seconds is not None else _seconds_until(value)


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number >= 0 else None


def _seconds_until(http_date: str) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
