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
    llm_sdks,
    qualified,
    usage_reads,
)

__all__ = ["keyword_text", "llm_calls", "qualified", "string_constants", "usage_reads"]

At = Callable[[ast.AST], Evidence]


def llm_calls(nodes: list[ast.AST], at: At, names: dict[str, str]) -> Iterator[LlmCall]:
    """Each LLM request among a module's ``nodes``; ``names`` maps local names to imported
    ones."""
    sdks = llm_sdks(names)
    if not sdks:
        return
    client_timeout = _first(keyword_text(c, "timeout") for c in client_calls(nodes, names))
    constants = string_constants(nodes)
    for node in nodes:
        if isinstance(node, ast.Call) and (called := endpoint(node.func)):
            own = _first(keyword_text(c, "timeout") for c in chain_calls(node))
            timeout = own or client_timeout
            cap = keyword_text(node, *CAPS)
            yield LlmCall(
                sdk=_sdk(called, sdks),
                site=at(node),
                timeout=timeout is not None,
                capped=cap is not None,
                model=_model(node, constants),
                cap=cap,
                timeout_value=timeout,
            )


def _literal(expr: ast.expr) -> object:
    return expr.value if isinstance(expr, ast.Constant) else None


def keyword_text(call: ast.Call, *keywords: str) -> str | None:
    """``name=value`` as written for the first of ``keywords`` the call passes, else None."""
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return f"{keyword.arg}={ast.unparse(keyword.value)}"
    return None


def _first(texts: Iterator[str | None]) -> str | None:
    return next((t for t in texts if t is not None), None)


def _model(call: ast.Call, constants: dict[str, str]) -> str | None:
    """The ``model=`` argument: its value if a literal string or a name bound once to one
    (``MODEL = "gpt-4o"``), else the expression as written."""
    value = next((k.value for k in call.keywords if k.arg == "model"), None)
    if value is None:
        return None
    literal = _literal(value)
    if isinstance(literal, str):
        return literal
    bound = constants.get(value.id) if isinstance(value, ast.Name) else None
    return bound if bound is not None else ast.unparse(value)


def string_constants(nodes: list[ast.AST]) -> dict[str, str]:
    """Names bound exactly once in the module, to a string literal: ``URL = "https://..."``
    (a parameter, loop variable or second assignment of the same name rules it out)."""
    seen: dict[str, list[object]] = {}
    for node in nodes:
        for name, value in _bindings(node):
            seen.setdefault(name, []).append(_literal(value) if value else None)
    return {k: v[0] for k, v in seen.items() if len(v) == 1 and isinstance(v[0], str)}


def _bindings(node: ast.AST) -> list[tuple[str, ast.expr | None]]:
    targets: list[tuple[ast.expr, ast.expr | None]] = []
    if isinstance(node, ast.Assign):
        targets = [(t, node.value) for t in node.targets]
    elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
        targets = [(node.target, node.value)]
    elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
        targets = [(node.target, None)]
    elif isinstance(node, ast.arg):
        return [(node.arg, None)]
    return [(t.id, v) for t, v in targets if isinstance(t, ast.Name)]


def _sdk(endpoint: str, sdks: list[str]) -> str:
    if len(sdks) == 1:
        return sdks[0]
    return "anthropic" if endpoint.startswith("messages.") else "openai"
