"""The items about the code: input validation, auth, external calls, logging, secrets."""

from __future__ import annotations

from agent.checklist.model import ItemId, ItemResult, ItemStatus
from agent.checklist.verdict import Problem, Scored, found, judge, result
from agent.models import Finding, Priority, Severity

__all__ = ["auth", "external_errors", "input_validation", "secrets", "structured_logging"]

# CWEs of the injection and unsafe-input family: what input validation would have stopped.
_INPUT_CWES = frozenset({20, 22, 78, 79, 89, 94, 502, 611, 776})
_NOT_INPUT = frozenset({"S201", "B201"})  # Flask's debug=True: a setting, not input handling
_AUTH_RULES = frozenset({"HS501"})  # a JWT decoded without verifying its signature
_AUTH_CWES = frozenset({287, 306, 347, 862, 863})
_EXTERNAL_RULES = frozenset({"HE101", "S113", "B113", "PLW1510"})
_SECRET_CWES = frozenset({259, 321, 798})


def input_validation(s: Scored) -> ItemResult:
    title = "Input validation and sanitisation"
    hits = [f for f in s.findings if _unsafe_input(f)]
    problems = found(hits, "untrusted input can reach a dangerous sink")
    src = s.facts.source
    if s.facts.is_web_app and src.request_reads and not src.validators:
        step = "manual: validate request input with a schema (pydantic, marshmallow)"
        why = f"{len(src.request_reads)} raw request read(s), no validation library"
        problems.append(Problem(why, list(src.request_reads), step))
    passed = "no injection-class finding of medium or high severity"
    passed += "; request input goes through a schema library" if src.request_reads else ""
    return judge(ItemId.INPUT_VALIDATION, title, problems, passed, src.validators)


def auth(s: Scored) -> ItemResult:
    title = "Authentication and authorisation"
    if not s.facts.is_web_app:
        return result(ItemId.AUTH, title, ItemStatus.NOT_APPLICABLE, "no web framework")
    hits = [f for f in s.findings if f.rule in _AUTH_RULES or f.cwe in _AUTH_CWES]
    problems = found(hits, "credentials accepted without verification")
    src = s.facts.source
    if not src.auth:
        step = "manual: authenticate requests (flask-login, a before_request check, Depends)"
        where = list(src.routes or src.frameworks)
        problems.append(Problem(f"{len(src.routes)} route(s), no authentication", where, step))
    passed = f"authentication found ({len(src.auth)} place(s)) for {len(src.routes)} route(s)"
    return judge(ItemId.AUTH, title, problems, passed, src.auth)


def external_errors(s: Scored) -> ItemResult:
    title = "Error handling for every external call"
    hits = [f for f in s.findings if f.rule in _EXTERNAL_RULES or _aliases(f, _EXTERNAL_RULES)]
    clients = s.facts.source.external_clients
    if not hits and not clients:
        none = "no external call found"
        return result(ItemId.EXTERNAL_ERRORS, title, ItemStatus.NOT_APPLICABLE, none)
    problems = found(hits, "an external call without error handling or timeout")
    passed = f"{len(clients)} external client import(s); every call found is handled"
    return judge(ItemId.EXTERNAL_ERRORS, title, problems, passed, clients)


def structured_logging(s: Scored) -> ItemResult:
    title = "Structured logging with correlation ids"
    hits = [f for f in s.findings if f.priority is Priority.OBSERVABILITY]
    problems = found(hits, "output that cannot be found, filtered or traced")
    src = s.facts.source
    if not src.structured_logs:
        step = "manual: log as JSON (structlog, python-json-logger or a JSON Formatter)"
        problems.append(Problem("no structured (JSON) logging", list(src.loggers), step))
    if s.facts.is_web_app and not src.correlation_ids:
        step = "manual: give each request an id (X-Request-ID) and put it on every log line"
        problems.append(Problem("no request or correlation id", list(src.routes), step))
    passed = "structured logging" + (" with request ids" if s.facts.is_web_app else "")
    good = [*src.structured_logs, *src.correlation_ids]
    return judge(ItemId.LOGGING, title, problems, passed, good)


def _unsafe_input(finding: Finding) -> bool:
    """An injection-class finding of medium or high severity."""
    if finding.rule in _NOT_INPUT or finding.severity is Severity.LOW:
        return False
    return finding.cwe in _INPUT_CWES


def _aliases(finding: Finding, rules: frozenset[str]) -> bool:
    return bool(set(finding.aliases) & rules)


def secrets(s: Scored) -> ItemResult:
    title = "Secrets out of the code"
    hits = [f for f in s.findings if f.cwe in _SECRET_CWES]
    problems = found(hits, "a secret written in the code")
    committed = list(s.facts.committed_secrets)
    if committed:
        step = "manual: remove the file or value from git, rotate the secret, read it from env"
        problems.append(Problem(f"{len(committed)} secret(s) in committed files", committed, step))
    return judge(ItemId.SECRETS, title, problems, "no secret found in the tracked files")
