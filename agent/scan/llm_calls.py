"""Requests to the openai and anthropic SDKs in a module's AST, shared by the ai checks
and the checklist.

A request is ``<anything>.chat.completions.create(...)`` (or ``.parse``),
``.responses.create``/``.parse``/``.stream``, ``.messages.create``/``.stream``/``.parse``,
``.completions.create`` or the legacy ``openai.ChatCompletion.create``/
``openai.Completion.create``, in a module that imports openai or anthropic. A client is
``OpenAI(...)``, ``AsyncOpenAI(...)``, ``AzureOpenAI(...)``, ``Anthropic(...)`` ... by
its imported name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from agent.scan.checks._names import dotted_name

__all__ = [
    "CAPS",
    "chain_calls",
    "chain_root",
    "client_calls",
    "endpoint",
    "has_keyword",
    "is_client",
    "llm_sdks",
    "qualified",
    "usage_reads",
]

_ENDPOINTS = ("chat.completions.create", "chat.completions.parse", "responses.create",
              "responses.parse", "responses.stream", "messages.create", "messages.stream",
              "messages.parse", "completions.create", "ChatCompletion.create",
              "Completion.create", "ChatCompletion.acreate")  # fmt: skip
_CLIENTS = frozenset({"openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI",
                      "openai.AsyncAzureOpenAI", "anthropic.Anthropic",
                      "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock",
                      "anthropic.AnthropicVertex"})  # fmt: skip
CAPS = frozenset({"max_tokens", "max_output_tokens", "max_completion_tokens"})


def llm_sdks(names: dict[str, str]) -> list[str]:
    """The LLM SDKs a module imports (``names``: local name -> imported name)."""
    return sorted({q.partition(".")[0] for q in names.values()} & {"openai", "anthropic"})


def endpoint(func: ast.expr) -> str | None:
    """The SDK endpoint a call's callee names (``chat.completions.create``), or None."""
    attrs: list[str] = []
    while isinstance(func, ast.Attribute | ast.Call):
        if isinstance(func, ast.Attribute):
            attrs.append(func.attr)
            func = func.value
        else:
            func = func.func
    chain = ".".join(reversed(attrs))
    return next((e for e in _ENDPOINTS if chain == e or chain.endswith(f".{e}")), None)


def chain_calls(call: ast.Call) -> Iterator[ast.Call]:
    """The call and the calls inside its callee chain (``client.with_options(timeout=5)``)."""
    node: ast.expr = call
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            yield node
            node = node.func
        else:
            node = node.value


def chain_root(call: ast.Call) -> ast.expr:
    """What a request's callee chain starts from: a name, or a call such as ``OpenAI()``."""
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Attribute):
            return node
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node


def is_client(call: ast.Call, names: dict[str, str]) -> bool:
    """Whether ``call`` makes an SDK client, by its imported name."""
    return qualified(call.func, names) in _CLIENTS


def client_calls(nodes: list[ast.AST], names: dict[str, str]) -> Iterator[ast.Call]:
    """Each client constructor call among ``nodes``."""
    for node in nodes:
        if isinstance(node, ast.Call) and is_client(node, names):
            yield node


def usage_reads(nodes: list[ast.AST]) -> Iterator[ast.AST]:
    """``reply.usage`` or ``reply["usage"]``: the call's token counts are read."""
    for node in nodes:
        attribute = isinstance(node, ast.Attribute) and node.attr == "usage"
        if attribute or (isinstance(node, ast.Subscript) and _literal(node.slice) == "usage"):
            yield node


def qualified(expr: ast.expr, names: dict[str, str]) -> str | None:
    """``getenv`` -> ``os.getenv`` after ``from os import getenv``; None for no dotted name."""
    dotted = dotted_name(expr)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    full = names.get(head, head)
    return f"{full}.{rest}" if rest else full


def has_keyword(call: ast.Call, keyword: str) -> bool:
    return any(k.arg == keyword for k in call.keywords)


def _literal(expr: ast.expr) -> object:
    return expr.value if isinstance(expr, ast.Constant) else None
