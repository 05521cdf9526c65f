"""LLM calls in a module as checklist facts: requests to the openai and anthropic SDKs.

Which calls are requests, and which calls make clients: :mod:`agent.scan.llm_calls`. A
call's timeout is a ``timeout=`` on the call itself, on a ``.with_options(...)`` in its
chain, or on a client made in the same module (``OpenAI(timeout=...)``); its cap is a
``max_tokens``, ``max_output_tokens`` or ``max_completion_tokens`` argument. Arguments
passed as ``**kwargs`` are not seen, so such a call counts as uncapped.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from agent.checklist.facts import LlmCall
from agent.checklist.model import Evidence
from agent.scan.llm_calls import (
    CAPS,
    chain_calls,
    client_calls,
    endpoint,
    has_keyword,
    llm_sdks,
    qualified,
    usage_reads,
)

__all__ = ["llm_calls", "qualified", "usage_reads"]

At = Callable[[ast.AST], Evidence]


def llm_calls(nodes: list[ast.AST], at: At, names: dict[str, str]) -> Iterator[LlmCall]:
    """Each LLM request among a module's ``nodes``; ``names`` maps local names to imported
    ones."""
    sdks = llm_sdks(names)
    if not sdks:
        return
    client_timeout = any(has_keyword(c, "timeout") for c in client_calls(nodes, names))
    for node in nodes:
        if isinstance(node, ast.Call) and (called := endpoint(node.func)):
            timeout = client_timeout or any(has_keyword(c, "timeout") for c in chain_calls(node))
            capped = any(k.arg in CAPS for k in node.keywords)
            yield LlmCall(sdk=_sdk(called, sdks), site=at(node), timeout=timeout, capped=capped)


def _sdk(endpoint: str, sdks: list[str]) -> str:
    if len(sdks) == 1:
        return sdks[0]
    return "anthropic" if endpoint.startswith("messages.") else "openai"
