"""The facts of one application module, read from its AST in one walk.

Imports tell which web framework, validation, authentication, rate-limiting, logging and
network libraries the module uses (by qualified module name, so ``from flask_limiter
import Limiter`` counts and a local module called ``limiter`` does not). Beyond imports:
route decorators and raw request reads in a web module, authentication decorators and
``Authorization`` header reads, request/correlation/trace ids, JSON log formatters, and
every environment variable read by a literal name. LLM calls: :mod:`agent.checklist.llm`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from agent.checklist.calls import external_calls
from agent.checklist.facts import EnvRead, SourceFacts
from agent.checklist.llm import llm_calls, qualified, usage_reads
from agent.checklist.model import Evidence
from agent.scan.auth_names import is_auth_name
from agent.scan.checks._names import dotted_name, imported_names

__all__ = ["source_facts"]

_WEB = ("flask", "fastapi", "django", "starlette", "aiohttp.web", "tornado.web", "bottle",
        "sanic", "falcon", "quart", "litestar", "pyramid")  # fmt: skip
_VALIDATORS = ("pydantic", "marshmallow", "wtforms", "flask_wtf", "jsonschema", "cerberus",
               "voluptuous", "msgspec", "webargs", "fastapi", "django.forms",
               "rest_framework.serializers", "flask_pydantic", "schema")  # fmt: skip
_AUTH = ("flask_login", "flask_jwt_extended", "flask_httpauth", "flask_security", "authlib",
         "jwt", "jose", "fastapi.security", "django.contrib.auth", "rest_framework.permissions",
         "rest_framework.authentication", "flask_principal")  # fmt: skip
_RATE = ("flask_limiter", "slowapi", "django_ratelimit", "ratelimit", "fastapi_limiter",
         "limits", "ratelimiter")  # fmt: skip
_STRUCTURED = ("structlog", "pythonjsonlogger", "json_log_formatter", "ecs_logging", "logfmter")
_CORRELATION = ("asgi_correlation_id", "flask_request_id", "django_guid", "opentelemetry",
                "log_request_id", "correlation_id")  # fmt: skip
_EXTERNAL = ("requests", "httpx", "urllib.request", "aiohttp", "urllib3", "boto3", "botocore",
            "redis", "psycopg", "psycopg2", "pymysql", "sqlalchemy", "pymongo", "smtplib",
            "openai", "anthropic", "stripe", "grpc", "websockets", "paramiko", "subprocess",
             "sqlite3", "socket", "ftplib")  # fmt: skip
_LLM = ("openai", "anthropic")
_ROUTE_METHODS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "view"}
)
_REQUEST_INPUT = frozenset({"args", "form", "json", "values", "data", "files", "cookies",
                            "get_json", "query_params", "body", "POST", "GET"})  # fmt: skip
_LOGGER_CALLS = frozenset(
    {"logging.getLogger", "logging.basicConfig", "logging.config.dictConfig", "dictConfig"}
)
_ENV_FUNCS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"})
_ID_WORDS = re.compile(r"(?i)\b(x[-_])?(request|correlation|trace)[-_]?id\b|traceparent")
_AUTH_WORDS = re.compile(r"(?i)auth(?!or)|login_required|jwt_required|token_required")
_AUTH_HEADERS = frozenset({"Authorization", "authorization", "HTTP_AUTHORIZATION"})


def source_facts(path: str, tree: ast.Module, lines: list[str]) -> SourceFacts:
    """The facts of the module at ``path`` (``lines``: its text, for the evidence)."""
    nodes = list(ast.walk(tree))  # one walk, read by every fact below
    imports = _imports(nodes)
    names = imported_names(tree)
    site = _Sites(path, lines)
    web = bool(_uses(imports, _WEB))
    return SourceFacts(
        frameworks=site.imports(imports, _WEB),
        routes=tuple(site.at(d) for d in _route_decorators(nodes)) if web else (),
        request_reads=tuple(site.at(n) for n in _request_reads(nodes)) if web else (),
        validators=site.imports(imports, _VALIDATORS),
        auth=site.imports(imports, _AUTH) + tuple(site.at(n) for n in _auth_nodes(nodes)),
        rate_limits=site.imports(imports, _RATE),
        loggers=tuple(site.at(n) for n in _logger_calls(nodes)),
        structured_logs=site.imports(imports, _STRUCTURED) + _json_formatters(nodes, site),
        correlation_ids=site.imports(imports, _CORRELATION) + _id_mentions(nodes, site),
        external_clients=site.imports(imports, _EXTERNAL),
        external_calls=tuple(external_calls(tree, site.at, names)),
        env_reads=tuple(_env_reads(nodes, names, site)),
        llm_sdks=site.imports(imports, _LLM),
        llm_calls=tuple(llm_calls(nodes, site.at, names)),
        usage_reads=tuple(site.at(n) for n in usage_reads(nodes)),
    )


class _Sites:
    """Evidence at a node or an import, with the source line as its text."""

    def __init__(self, path: str, lines: list[str]) -> None:
        self.path, self.lines = path, lines

    def at(self, node: ast.AST) -> Evidence:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return Evidence(path=self.path, line=line, text=text[:160])

    def imports(
        self, imports: list[tuple[str, ast.stmt]], wanted: tuple[str, ...]
    ) -> tuple[Evidence, ...]:
        return tuple(self.at(node) for module, node in imports if _matches(module, wanted))


def _imports(nodes: list[ast.AST]) -> list[tuple[str, ast.stmt]]:
    """(qualified module, statement) for each absolute import; one per module."""
    found: dict[str, ast.stmt] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update({alias.name: node for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.setdefault(node.module, node)
    return sorted(found.items(), key=lambda item: item[1].lineno)


def _matches(module: str, wanted: tuple[str, ...]) -> bool:
    return any(module == w or module.startswith(f"{w}.") for w in wanted)


def _uses(imports: list[tuple[str, ast.stmt]], wanted: tuple[str, ...]) -> bool:
    return any(_matches(module, wanted) for module, _ in imports)


def _decorators(nodes: list[ast.AST]) -> Iterator[ast.expr]:
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from node.decorator_list


def _route_decorators(nodes: list[ast.AST]) -> Iterator[ast.expr]:
    for decorator in _decorators(nodes):
        func = decorator.func if isinstance(decorator, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr in _ROUTE_METHODS:
            yield decorator


def _request_reads(nodes: list[ast.AST]) -> Iterator[ast.Attribute]:
    for node in nodes:
        if not isinstance(node, ast.Attribute) or node.attr not in _REQUEST_INPUT:
            continue
        if dotted_name(node.value) in ("request", "flask.request", "self.request"):
            yield node


def _auth_nodes(nodes: list[ast.AST]) -> Iterator[ast.AST]:
    """Authentication in code: an auth decorator or dependency, an Authorization header."""
    for decorator in _decorators(nodes):
        name = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name and _is_auth(name.rsplit(".", 1)[-1]):
            yield decorator
    for node in nodes:
        if _reads_auth_header(node) or (isinstance(node, ast.Call) and _auth_dependency(node)):
            yield node


def _reads_auth_header(node: ast.AST) -> bool:
    """``request.headers.get("Authorization")``, ``headers["Authorization"]``, or Django's
    ``request.META["HTTP_AUTHORIZATION"]``: a request's credentials are read (sending the
    header to another service is not authentication)."""
    if isinstance(node, ast.Subscript):
        holder, key = node.value, node.slice
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        holder, key = node.func.value, node.args[0]
        if node.func.attr != "get":
            return False
    else:
        return False
    where = (dotted_name(holder) or "").rsplit(".", 1)[-1]
    return where in ("headers", "META") and _literal(key) in _AUTH_HEADERS


def _auth_dependency(call: ast.Call) -> bool:
    """FastAPI's ``Depends(get_current_user)`` or ``Security(...)`` of an auth function."""
    if dotted_name(call.func) not in ("Depends", "Security"):
        return False
    return any(_is_auth(dotted_name(a) or "") for a in call.args)


def _is_auth(name: str) -> bool:
    """``login_required``, ``requires_auth``, ``get_current_user``... (not ``author``)."""
    return bool(name) and (is_auth_name(name) or bool(_AUTH_WORDS.search(name)))


def _logger_calls(nodes: list[ast.AST]) -> Iterator[ast.Call]:
    for node in nodes:
        if isinstance(node, ast.Call) and dotted_name(node.func) in _LOGGER_CALLS:
            yield node


def _json_formatters(nodes: list[ast.AST], site: _Sites) -> tuple[Evidence, ...]:
    """A ``logging.Formatter`` subclass that writes JSON."""
    return tuple(
        site.at(node)
        for node in nodes
        if isinstance(node, ast.ClassDef)
        and any((dotted_name(b) or "").endswith("Formatter") for b in node.bases)
        and any(
            isinstance(c, ast.Call) and dotted_name(c.func) == "json.dumps" for c in ast.walk(node)
        )
    )


def _id_mentions(nodes: list[ast.AST], site: _Sites) -> tuple[Evidence, ...]:
    """Names and strings that speak of a request, correlation or trace id (first per line)."""
    seen: dict[int, Evidence] = {}
    for node in nodes:
        text = _word_of(node)
        if text and _ID_WORDS.search(text) and node.lineno not in seen:  # type: ignore[attr-defined]
            seen[node.lineno] = site.at(node)  # type: ignore[attr-defined]
    return tuple(seen[line] for line in sorted(seen))


def _word_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.arg if isinstance(node, ast.keyword) else None


def _env_reads(nodes: list[ast.AST], names: dict[str, str], site: _Sites) -> Iterator[EnvRead]:
    for node in nodes:
        name = _env_name(node, names)
        if name:
            yield EnvRead(name=name, site=site.at(node))


def _env_name(node: ast.AST, names: dict[str, str]) -> str | None:
    """The variable's name when ``node`` reads one by a literal name, else None."""
    if isinstance(node, ast.Call) and qualified(node.func, names) in _ENV_FUNCS and node.args:
        return _literal(node.args[0])
    if isinstance(node, ast.Subscript) and qualified(node.value, names) == "os.environ":
        return _literal(node.slice)
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        inside = qualified(node.comparators[0], names) == "os.environ"
        return _literal(node.left) if inside else None
    return None


def _literal(expr: ast.expr) -> str | None:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None
