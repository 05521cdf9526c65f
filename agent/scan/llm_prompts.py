"""The prompts of a module's LLM requests: sent again unchanged with no cache (HA106), or
written inline with no version (HA107). Both are conservative: a miss is better than a
wrong finding.

HA106, a constant request with no cache: a request inside a function whose keyword
arguments are all constant (:mod:`agent.scan.llm_constants`) and include the prompt
(``messages``, ``input``, ``prompt``, ``system``...), so every call of the function sends
the same prompt and pays for the same answer. Not reported when anything looks like a
cache: a name or attribute with "cache" or "memo" in it in the function or on its
decorators (``functools.cache``, ``lru_cache``, ``self._cache``, ``cache.get``), an
``if`` on a module name or an attribute (a module-level memo: ``if key in _seen``),
``global``, anthropic's ``cache_control`` or openai's ``prompt_cache_key`` anywhere in
the module; nor when the request samples on purpose (an explicit ``temperature`` above 0,
or ``n`` above 1), when the function is ``main`` or called at module level (run once)
or probes the API (``health``, ``ping``, ``warm_up``...: an answer is not the point),
or when a request takes positional arguments or ``**kwargs``.

HA107, an inline prompt with no version: a system or user prompt given at the call site,
or in a local bound once, as a string literal (or f-string, ``.format``, ``dedent`` of
one) of at least 200 characters or 3 non-empty lines. A prompt in a module constant or
loaded from a file is named, so not reported; nor is any prompt of a module that versions
its prompts (a name like ``PROMPT_V2`` or with "version" in it, a ``version`` key) or a
literal that states its own version (``version: 3``, ``v2``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from agent.scan.checks._names import dotted_name
from agent.scan.llm_calls import endpoint
from agent.scan.llm_constants import (
    DEDENT,
    STRING_METHODS,
    Constants,
    bound_once,
    own_nodes,
    string_parts,
)

__all__ = ["InlinePrompt", "RepeatedPrompt", "inline_prompts", "repeated_prompts"]

_Function = ast.FunctionDef | ast.AsyncFunctionDef
PROMPT_ARGS = frozenset({"messages", "input", "prompt", "system", "instructions", "contents"})
_CACHE_WORDS = ("cache", "memo")
_PROVIDER_CACHE = frozenset({"cache_control", "prompt_cache_key"})
_VERSIONED_NAME = re.compile(r"(?i)(version|(^|_)v\d+$)")
_VERSIONED_TEXT = re.compile(r"(?i)(\bversion\s*[:=]?\s*v?\d|\bv\d+(\.\d+)*\b)")
_LONG, _LINES = 200, 3
_PROBES = re.compile(r"(?i)health|ping|probe|warm|alive|ready|smoke")  # sent to check the API


@dataclass(frozen=True)
class RepeatedPrompt:
    """A request in ``function`` that sends the same constant prompt on every call."""

    request: ast.Call
    function: str


@dataclass(frozen=True)
class InlinePrompt:
    """A long unversioned ``literal`` given as the ``role`` prompt of ``request``."""

    request: ast.Call
    literal: ast.expr
    role: str
    length: int


def repeated_prompts(tree: ast.Module) -> list[RepeatedPrompt]:
    """The constant requests with no cache around them, in source order."""
    if _mentions_provider_cache(tree):
        return []
    constants = Constants(tree)
    once = _run_once(tree)
    functions = [n for n in ast.walk(tree) if isinstance(n, _Function)]
    found = [
        RepeatedPrompt(request, function.name)
        for function in functions
        if function.name not in once
        and not _PROBES.search(function.name)
        and not _looks_cached(function, tree)
        for request in _uncached(function, constants)
    ]
    return sorted(found, key=lambda r: (r.request.lineno, r.request.col_offset))


def _uncached(function: _Function, constants: Constants) -> Iterator[ast.Call]:
    local = constants.local_values(function)
    shadowed = _bound_names(function)
    for request in _requests(function):
        if _constant_request(request, constants, local, shadowed):
            yield request


def _requests(function: _Function) -> Iterator[ast.Call]:
    yield from (n for n in own_nodes(function) if isinstance(n, ast.Call) and endpoint(n.func))


def _constant_request(
    request: ast.Call, constants: Constants, local: dict[str, ast.expr], shadowed: set[str]
) -> bool:
    keywords = request.keywords
    if request.args or any(k.arg is None for k in keywords) or _samples(request):
        return False
    if not any(k.arg in PROMPT_ARGS and not _empty(k.value) for k in keywords):
        return False
    return all(constants.is_constant(k.value, local, shadowed) for k in keywords)


def _empty(value: ast.expr) -> bool:
    """``[]`` or ``""``: no prompt at all (a placeholder)."""
    if isinstance(value, ast.List | ast.Tuple):
        return not value.elts
    return isinstance(value, ast.Constant) and not value.value


def _samples(request: ast.Call) -> bool:
    """An explicit temperature above 0 or more than one choice: variety is wanted."""
    values = {k.arg: k.value for k in request.keywords}
    temperature, choices = values.get("temperature"), values.get("n")
    hot = not (isinstance(temperature, ast.Constant) and temperature.value in (0, 0.0))
    many = not (isinstance(choices, ast.Constant) and choices.value in (1, None))
    return (temperature is not None and hot) or (choices is not None and many)


def _bound_names(function: _Function) -> set[str]:
    nodes = list(ast.walk(function))
    names = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return names | {a.arg for a in nodes if isinstance(a, ast.arg)}


def _mentions_provider_cache(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in _PROVIDER_CACHE:
            return True
        if isinstance(node, ast.keyword) and node.arg in _PROVIDER_CACHE:
            return True
    return False


def _looks_cached(function: _Function, tree: ast.Module) -> bool:
    """A cache word on the function or its enclosing functions, ``global``, or an ``if``
    on a module name or an attribute."""
    enclosing = [f for f in ast.walk(tree) if isinstance(f, _Function) and _inside(function, f)]
    words = (w for f in enclosing for w in _identifiers(f))
    if any(c in w.lower() for w in words for c in _CACHE_WORDS):
        return True
    nodes = list(own_nodes(function))
    if any(isinstance(n, ast.Global | ast.Nonlocal) for n in nodes):
        return True
    local = _bound_names(function)
    return any(_memo_test(n, local) for n in nodes if isinstance(n, ast.If))


def _inside(function: _Function, outer: _Function) -> bool:
    return outer is function or any(n is function for n in ast.walk(outer))


def _identifiers(function: _Function) -> Iterator[str]:
    yield function.name
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.keyword | ast.arg) and node.arg:
            yield node.arg


def _memo_test(node: ast.If, local: set[str]) -> bool:
    """An ``if`` on a module name or an attribute (not a called function's name): it may
    be a memo (``if key not in _seen``, ``if _tip is None``)."""
    tested = list(ast.walk(node.test))
    called = {id(n.func) for n in tested if isinstance(n, ast.Call)}
    outside = (
        isinstance(n, ast.Name) and n.id not in local and id(n) not in called for n in tested
    )
    return any(outside) or any(isinstance(n, ast.Attribute) and id(n) not in called for n in tested)


def _run_once(tree: ast.Module) -> set[str]:
    """``main`` and the functions called by the module's own top-level statements."""
    top = [s for s in tree.body if not isinstance(s, _Function | ast.ClassDef)]
    calls = (n for s in top for n in ast.walk(s) if isinstance(n, ast.Call))
    return {"main"} | {n.func.id for n in calls if isinstance(n.func, ast.Name)}


def inline_prompts(tree: ast.Module) -> list[InlinePrompt]:
    """The long unversioned inline prompts of the module's requests, one per request."""
    if _versions_prompts(tree):
        return []
    found: dict[int, InlinePrompt] = {}  # one per literal: a local shared by two requests
    for function in [*(n for n in ast.walk(tree) if isinstance(n, _Function)), None]:
        local = bound_once(function) if function else {}
        requests = _requests(function) if function else _module_requests(tree)
        for request in requests:
            prompt = _inline_prompt(request, local)
            if prompt is not None:
                found.setdefault(id(prompt.literal), prompt)
    return sorted(found.values(), key=lambda p: (p.literal.lineno, p.literal.col_offset))


def _module_requests(tree: ast.Module) -> Iterator[ast.Call]:
    for statement in tree.body:
        if not isinstance(statement, _Function | ast.ClassDef):
            yield from (
                n for n in ast.walk(statement) if isinstance(n, ast.Call) and endpoint(n.func)
            )


def _inline_prompt(request: ast.Call, local: dict[str, ast.expr]) -> InlinePrompt | None:
    for role, value in _prompt_values(request, local):
        literal = _resolve(value, local)
        text = "".join(string_parts(literal)) if _literal(literal) else ""
        if _long(text) and not _VERSIONED_TEXT.search(text):
            return InlinePrompt(request, literal, role, len(text.strip()))
    return None


def _prompt_values(request: ast.Call, local: dict[str, ast.expr]) -> Iterator[tuple[str, ast.expr]]:
    """(role, value) for each prompt text of the request: its ``system``/``input``...
    keywords, and the ``content`` (or its parts' ``text``) of each message."""
    for keyword in request.keywords:
        if keyword.arg == "messages":
            yield from _message_texts(_resolve(keyword.value, local), local)
        elif keyword.arg in PROMPT_ARGS:
            role = "system" if keyword.arg in ("system", "instructions") else "user"
            yield from ((role, v) for _, v in _message_texts(keyword.value, local, role))


def _message_texts(
    value: ast.expr, local: dict[str, ast.expr], role: str = "user"
) -> Iterator[tuple[str, ast.expr]]:
    """A string, or the texts inside a list of message dicts or content parts."""
    if not isinstance(value, ast.List | ast.Tuple):
        yield role, value
        return
    for item in (_resolve(e, local) for e in value.elts):
        if isinstance(item, ast.Dict):
            fields = {_key(k): v for k, v in zip(item.keys, item.values, strict=True)}
            own_role = _key(fields.get("role")) or role
            for name in ("content", "text"):
                if name in fields:
                    yield from _message_texts(_resolve(fields[name], local), local, own_role)


def _key(expr: ast.expr | None) -> str:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else ""


def _resolve(value: ast.expr, local: dict[str, ast.expr]) -> ast.expr:
    """A local constant's value in place of its name."""
    return local.get(value.id, value) if isinstance(value, ast.Name) else value


def _literal(expr: ast.expr) -> bool:
    """Text written here: a string literal or f-string, possibly dedented or formatted."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.JoinedStr):
        return True
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in STRING_METHODS:
        return _literal(func.value)
    return dotted_name(func) in DEDENT and bool(expr.args) and _literal(expr.args[0])


def _long(text: str) -> bool:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(text.strip()) >= _LONG or len(lines) >= _LINES


def _versions_prompts(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        name = _name_of(node)
        if name and _VERSIONED_NAME.search(name):
            return True
    return False


def _name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.keyword | ast.arg):
        return node.arg or ""
    if isinstance(node, ast.Dict):
        return " ".join(_key(k) for k in node.keys)
    return ""
