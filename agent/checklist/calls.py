"""HTTP requests in a module, for the PRODUCTION.md draft: host, timeout, error handling.

A request is a call of ``requests``/``httpx`` module functions (``get``, ``post``,
``request`` ...) or ``urllib.request.urlopen``, resolved through the module's imports. Its
host is read from the URL where the URL is a literal, a name bound once to a literal, or an
f-string whose literal start holds the host; its timeout is the ``timeout=`` argument as
written; it is handled when a ``try`` in the same function can catch its failure (the rule
HE101 uses).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from agent.checklist.facts import ExternalCall
from agent.checklist.llm import keyword_text, qualified, string_constants
from agent.checklist.model import Evidence
from agent.scan.checks.errors import handled

__all__ = ["external_calls"]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
_SHOWN = 60  # the longest URL expression shown
_FUNCTIONS = frozenset(
    {f"{lib}.{verb}" for lib in ("requests", "httpx") for verb in _VERBS}
    | {"urllib.request.urlopen"}
)


def external_calls(
    tree: ast.Module, at: Callable[[ast.AST], Evidence], names: dict[str, str]
) -> Iterator[ExternalCall]:
    """Each HTTP request made in ``tree`` by a module function of an HTTP library."""
    parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    constants = string_constants(list(ast.walk(tree)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        client = qualified(node.func, names)
        if client in _FUNCTIONS:
            yield ExternalCall(
                client=client,
                site=at(node),
                url=_url_text(node),
                host=_host(node, constants),
                timeout=keyword_text(node, "timeout"),
                handled=handled(node, parents),
            )


def _url(call: ast.Call) -> ast.expr | None:
    url = next((k.value for k in call.keywords if k.arg == "url"), None)
    if url is None and call.args:
        url = call.args[1] if _is_method_first(call) and len(call.args) > 1 else call.args[0]
    return url


def _url_text(call: ast.Call) -> str | None:
    url = _url(call)
    text = ast.unparse(url) if url is not None else None
    return text if text is None or len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."


def _host(call: ast.Call, constants: dict[str, str]) -> str | None:
    url = _url(call)
    if isinstance(url, ast.Name) and url.id in constants:
        url = ast.Constant(constants[url.id])
    return _literal_host(url) if url is not None else None


def _is_method_first(call: ast.Call) -> bool:
    """``requests.request("GET", url)``: the URL is the second argument."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("request", "stream")


def _literal_host(url: ast.expr) -> str | None:
    text: object = None
    if isinstance(url, ast.Constant):
        text = url.value
    elif isinstance(url, ast.JoinedStr) and url.values:
        first = url.values[0]
        text = first.value if isinstance(first, ast.Constant) else None
    if not isinstance(text, str) or "://" not in text:
        return None
    host = urlsplit(text).hostname
    return host or None
