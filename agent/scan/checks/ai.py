"""HA101-HA107 (and HS201): the LLM calls inside the app, for the openai and anthropic SDKs.

- HA101, and HS201 for the security priority: model output reaches a dangerous sink (see
  :mod:`agent.scan.llm_output`), OWASP LLM05 "improper output handling", high severity,
  with the sink's CWE (94 code, 78 command, 89 SQL, 79 HTML, 22 path, 502 deserialization);
- HA102: a request with no explicit timeout, neither on the call (or a ``with_options`` in
  its chain) nor on its client (the SDKs wait up to 10 minutes);
- HA103: a client made without an explicit ``max_retries``;
- HA104: a request with no ``max_tokens``/``max_output_tokens``/``max_completion_tokens``;
- HA105: a function that makes requests and never reads a reply's ``usage`` (no cost
  tracking), unless it returns or passes on the reply whole, or streams it;
- HA106: a request in a function that sends the same prompt, built only from constants,
  on every call, with no cache around it; HA107: a long system or user prompt written
  inline (at the call site or in a local) with no version (see :mod:`agent.scan.llm_prompts`
  for what counts and what does not).

A request whose arguments include ``**kwargs`` is not judged for its timeout or cap. A
request made through a client this module cannot see (a parameter) has a timeout when any
client made in the module has one. Only modules importing openai or anthropic are checked,
test files never.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from agent.models import Confidence, Priority, Severity
from agent.scan.checks._names import dotted_name
from agent.scan.checks._walk import ModuleWalk
from agent.scan.files import is_test_file
from agent.scan.llm_calls import (
    CAPS,
    chain_calls,
    chain_root,
    client_calls,
    endpoint,
    has_keyword,
    is_client,
    llm_sdks,
    usage_reads,
)
from agent.scan.llm_output import SINK_CWE, Sink, model_output_sinks
from agent.scan.llm_prompts import InlinePrompt, RepeatedPrompt, inline_prompts, repeated_prompts
from agent.scan.raw import RawFinding
from agent.scan.rules import default_severity

__all__ = ["PRIORITIES", "findings"]

PRIORITIES = frozenset({Priority.AI, Priority.SECURITY})

_Function = ast.FunctionDef | ast.AsyncFunctionDef
_TIMEOUTS = ("timeout", "request_timeout")
_SINK_WORDS = {"code": "runs it as Python code", "shell": "runs it as a command",
               "sql": "runs it as SQL text", "html": "renders it as HTML unescaped",
               "path": "opens it as a file path", "deserialize": "deserializes it"}  # fmt: skip


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    names = walk.imported_names
    if is_test_file(path) or not llm_sdks(names):
        return []
    tree, nodes = walk.tree, walk.nodes
    requests = [n for n in walk.of(ast.Call) if endpoint(n.func)]
    sinks = [r for s in model_output_sinks(tree, names) for r in _sink_findings(path, s)]
    clients = list(client_calls(nodes, names))
    limits = [r for c in requests for r in _request_findings(path, c, clients, tree, names)]
    retries = [_retries(path, c) for c in clients if not has_keyword(c, "max_retries")]
    usage = [r for f in walk.functions if (r := _usage(path, f))]
    prompts = [_repeated(path, r) for r in repeated_prompts(tree)]
    prompts += [_inline(path, p) for p in inline_prompts(tree)]
    return sinks + limits + retries + usage + prompts


def _raw(path: str, rule: str, node: ast.AST, message: str, **extra: object) -> RawFinding:
    line = getattr(node, "lineno", 1)
    extra.setdefault("severity", default_severity(rule))
    return RawFinding(
        tool="harden",
        rule=rule,
        path=path,
        line=line,
        column=getattr(node, "col_offset", 0) + 1,
        end_line=getattr(node, "end_lineno", None) or line,
        message=message,
        **extra,  # type: ignore[arg-type]
    )


def _shown(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    return text if len(text) <= 50 else f"...{text[-47:]}"


def _sink_findings(path: str, sink: Sink) -> Iterator[RawFinding]:
    cwe = SINK_CWE[sink.kind]
    message = (
        f"model output from {_shown(sink.source)}() (line {sink.source.lineno}) reaches a "
        f"sink in {sink.function}() that {_SINK_WORDS[sink.kind]}: whatever the model "
        f"returns (or a prompt injection makes it return) is trusted (OWASP LLM05 improper "
        f"output handling, CWE-{cwe}); validate it against an allow-list or a schema first"
    )
    extra = {"severity": Severity.HIGH, "confidence": Confidence.HIGH, "cwe": cwe}
    for rule in ("HA101", "HS201"):
        yield _raw(path, rule, sink.node, message, **extra)


def _request_findings(
    path: str, call: ast.Call, clients: list[ast.Call], tree: ast.Module, names: dict[str, str]
) -> Iterator[RawFinding]:
    if any(k.arg is None for k in call.keywords):  # **kwargs: not seen
        return
    shown = _shown(call)
    if not _has_timeout(call, clients, tree, names):
        yield _raw(path, "HA102", call, f"{shown}() has no explicit timeout (on the call or "
                   "its client): a stalled request holds the worker for up to 10 minutes",
                   confidence=Confidence.HIGH)  # fmt: skip
    if not any(k.arg in CAPS for k in call.keywords):
        yield _raw(path, "HA104", call, f"{shown}() sets no max_tokens cap: one reply's "
                   "length, latency and cost are bounded only by the model's limit",
                   confidence=Confidence.HIGH)  # fmt: skip


def _has_timeout(
    call: ast.Call, clients: list[ast.Call], tree: ast.Module, names: dict[str, str]
) -> bool:
    if any(has_keyword(c, t) for c in chain_calls(call) for t in _TIMEOUTS):
        return True
    root = chain_root(call)
    if isinstance(root, ast.Call) and is_client(root, names):
        return has_keyword(root, "timeout")
    if names.get(dotted_name(root) or "") in ("openai", "anthropic"):
        return _module_setting(tree, dotted_name(root) or "", "timeout")
    bound = _bound_clients(tree, names).get(dotted_name(root) or "")
    candidates = bound if bound else clients
    return any(has_keyword(c, "timeout") for c in candidates)


def _bound_clients(tree: ast.Module, names: dict[str, str]) -> dict[str, list[ast.Call]]:
    """``client = OpenAI(...)`` or ``self.client = ...``: dotted name -> its constructors."""
    bound: dict[str, list[ast.Call]] = {}
    for node in ast.walk(tree):
        call = node.value if isinstance(node, ast.Assign) else None
        if isinstance(node, ast.Assign) and isinstance(call, ast.Call) and is_client(call, names):
            for target in node.targets:
                bound.setdefault(dotted_name(target) or "", []).append(call)
    return bound


def _module_setting(tree: ast.Module, module: str, setting: str) -> bool:
    """``openai.timeout = 20``: a module-level client setting."""
    targets = (t for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets)
    return any(dotted_name(t) == f"{module}.{setting}" for t in targets)


def _retries(path: str, client: ast.Call) -> RawFinding:
    message = (
        f"{_shown(client)}() is made without an explicit max_retries: the SDK's default "
        "(2 retries with backoff) decides how long and how often a failing request is "
        "repeated"
    )
    return _raw(path, "HA103", client, message, confidence=Confidence.HIGH)


def _usage(path: str, function: _Function) -> RawFinding | None:
    own = list(ast.walk(function))
    requests = [n for n in own if isinstance(n, ast.Call) and endpoint(n.func)]
    if not requests or any(True for _ in usage_reads(own)) or _streams(requests):
        return None
    if _passes_on(function, own, requests):
        return None
    message = (
        f"{function.name}() calls {_shown(requests[0])}() and never reads the reply's "
        "usage: its tokens and cost are not tracked"
    )
    return _raw(path, "HA105", requests[0], message, confidence=Confidence.MEDIUM)


def _streams(requests: list[ast.Call]) -> bool:
    streamed = (k for c in requests for k in c.keywords if k.arg == "stream")
    named = any((endpoint(c.func) or "").endswith(".stream") for c in requests)
    return named or any(
        not (isinstance(k.value, ast.Constant) and not k.value.value) for k in streamed
    )


def _passes_on(function: _Function, own: list[ast.AST], requests: list[ast.Call]) -> bool:
    """The reply leaves the function whole: returned, or passed to another call."""
    replies = {
        n.id
        for a in own
        if isinstance(a, ast.Assign) and a.value in requests
        for t in a.targets
        for n in ast.walk(t)
        if isinstance(n, ast.Name)
    }
    returned = [n.value for n in own if isinstance(n, ast.Return) and n.value is not None]
    if any(r in requests or (isinstance(r, ast.Name) and r.id in replies) for r in returned):
        return True
    args = (
        a for n in own if isinstance(n, ast.Call) for a in [*n.args, *(k.value for k in n.keywords)]
    )
    return any(isinstance(a, ast.Name) and a.id in replies for a in args)


def _repeated(path: str, found: RepeatedPrompt) -> RawFinding:
    message = (
        f"{_shown(found.request)}() sends the same prompt, built only from constants, on "
        f"every call of {found.function}() with no cache: each call pays the tokens and "
        "the latency of the same answer; keep the reply (functools.cache, a dict keyed by "
        "the prompt) or mark the prompt for the provider's cache (anthropic cache_control, "
        "openai prompt_cache_key)"
    )
    return _raw(path, "HA106", found.request, message, confidence=Confidence.MEDIUM)


def _inline(path: str, found: InlinePrompt) -> RawFinding:
    message = (
        f"the {found.role} prompt of {_shown(found.request)}() is a {found.length}-character "
        "inline literal with no version: a change to it is not tracked, evaluated or "
        "rolled back on its own; move it to a prompt file or a named constant with a "
        "version (SUMMARY_PROMPT_V1) and log the version with each request"
    )
    return _raw(path, "HA107", found.literal, message, confidence=Confidence.MEDIUM)
