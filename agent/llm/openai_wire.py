"""What the OpenAI SDK hands back, read the same way by every OpenAI request harden makes:
its errors classified into agent.llm.base's tree, its usage normalised, its raw body.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import openai
import pydantic

from agent.llm.base import FatalError, ProviderError, TransientError, Usage, reported_usage
from agent.llm.providers import status_error

if TYPE_CHECKING:  # the raw-response wrapper's type is not exported by the SDK
    from openai._legacy_response import LegacyAPIResponse

__all__ = ["UNPARSABLE", "body_of", "classify", "usage_of"]

UNPARSABLE = (
    openai.LengthFinishReasonError,
    openai.ContentFilterFinishReasonError,
    openai.APIResponseValidationError,
    pydantic.ValidationError,
    json.JSONDecodeError,
)


def classify(exc: openai.APIError) -> ProviderError:
    """Map an OpenAI SDK error onto TransientError / FatalError / InvalidRequestError."""
    if isinstance(exc, openai.APIStatusError):
        quota = exc.status_code == 429 and _error_code(exc.body) == "insufficient_quota"
        headers = exc.response.headers
        detail = f"{exc.message} {exc.body}"
        return status_error(exc.status_code, exc.message, headers, quota=quota, detail=detail)
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return TransientError(f"{type(exc).__name__}: {exc}")
    return FatalError(f"{type(exc).__name__}: {exc}")


def usage_of(body: dict[str, Any]) -> Usage:
    """Normalise either API's usage: cached tokens are already inside the prompt count."""
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return reported_usage(input_tokens=None, output_tokens=None)
    if "prompt_tokens" in usage:  # Chat Completions
        details = _dict(usage.get("prompt_tokens_details"))
        prompt, output = usage.get("prompt_tokens"), usage.get("completion_tokens")
    else:  # Responses
        details = _dict(usage.get("input_tokens_details"))
        prompt, output = usage.get("input_tokens"), usage.get("output_tokens")
    return reported_usage(
        input_tokens=prompt, cached_input_tokens=details.get("cached_tokens"), output_tokens=output
    )


def body_of(raw: LegacyAPIResponse[Any]) -> dict[str, Any]:
    """The reply's JSON body as a dict ({} when it is not one)."""
    try:
        body = raw.http_response.json()
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _error_code(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error", body)
    code = error.get("code") or error.get("type") if isinstance(error, dict) else None
    return str(code) if code else None
