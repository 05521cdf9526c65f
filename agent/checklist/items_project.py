"""The items about the project around the code: tests, env docs, limits, costs, rollback."""

from __future__ import annotations

from collections.abc import Iterable

from agent.checklist.facts import EnvRead, LlmCall
from agent.checklist.model import Evidence, ItemId, ItemResult, ItemStatus
from agent.checklist.verdict import Problem, Scored, judge, result

__all__ = ["env_documented", "integration_test", "llm_cost", "rate_limiting", "rollback"]

_SEARCHED = 5
_AI = "harden --priority ai (timeout, max_tokens cap, usage read)"


def integration_test(s: Scored) -> ItemResult:
    title = "At least one integration test"
    problems: list[Problem] = []
    if not s.facts.integration_tests:
        step = (
            "manual: add a test that drives the app through its test client or CLI "
            "(harden --priority tests writes unit tests only)"
        )
        tests = s.facts.test_files
        why = f"{len(tests)} test file(s), none drives the app through a client or CLI"
        problems.append(Problem(why, _searched(tests, "no test client or CLI run"), step))
    passed = "a test drives the app through its test client or CLI"
    return judge(ItemId.INTEGRATION_TEST, title, problems, passed, s.facts.integration_tests)


def env_documented(s: Scored) -> ItemResult:
    title = "Environment variables documented"
    reads = s.facts.source.env_reads
    if not reads:
        none = "no environment variable is read by name"
        return result(ItemId.ENV_DOCUMENTED, title, ItemStatus.NOT_APPLICABLE, none)
    missing = _first_reads(r for r in reads if r.name not in s.facts.documented_names)
    names = sorted({r.name for r in reads})
    problems: list[Problem] = []
    if missing:
        where = ", ".join(s.facts.env_docs) or "no .env.example or README"
        why = f"{len(missing)} of {len(names)} variable(s) not in {where}"
        evidence = [_env_evidence(r) for r in missing]
        problems.append(
            Problem(why, evidence, "manual: add each one to .env.example with a comment")
        )
    passed = f"all {len(names)} variable(s) are in {', '.join(s.facts.env_docs)}"
    docs = [Evidence(path=p, text="documents variables") for p in s.facts.env_docs]
    return judge(ItemId.ENV_DOCUMENTED, title, problems, passed, docs)


def _first_reads(reads: Iterable[EnvRead]) -> list[EnvRead]:
    """The first read of each variable, in order."""
    first: dict[str, EnvRead] = {}
    for read in reads:
        first.setdefault(read.name, read)
    return list(first.values())


def _env_evidence(read: EnvRead) -> Evidence:
    return read.site.model_copy(update={"text": f"{read.name}: {read.site.text}"[:200]})


def rate_limiting(s: Scored) -> ItemResult:
    title = "Rate limiting on public endpoints"
    if not s.facts.is_web_app:
        return result(ItemId.RATE_LIMITING, title, ItemStatus.NOT_APPLICABLE, "no web framework")
    problems: list[Problem] = []
    src = s.facts.source
    if not src.rate_limits:
        step = "manual: limit request rates (flask-limiter, slowapi, django-ratelimit)"
        where = list(src.routes or src.frameworks)  # Django routes live in urls.py, not decorators
        problems.append(Problem(f"{len(src.routes)} route(s), no rate limiter", where, step))
    return judge(ItemId.RATE_LIMITING, title, problems, "a rate limiter is used", src.rate_limits)


def llm_cost(s: Scored) -> ItemResult:
    title = "Cost controls on LLM calls"
    calls = s.facts.source.llm_calls
    if not s.facts.uses_llm:
        return result(ItemId.LLM_COST, title, ItemStatus.NOT_APPLICABLE, "no LLM SDK is used")
    if not calls:
        why = "an LLM SDK is imported but no request to it was found"
        sdks = s.facts.source.llm_sdks
        return result(ItemId.LLM_COST, title, ItemStatus.NOT_APPLICABLE, why, sdks)
    problems = [
        *_calls_without(calls, [c for c in calls if not c.timeout], "no timeout"),
        *_calls_without(calls, [c for c in calls if not c.capped], "no max_tokens cap"),
    ]
    if not s.facts.source.usage_reads:
        why = "the reply's usage is never read (no cost tracking)"
        problems.append(Problem(why, [c.site for c in calls], _AI))
    passed = f"{len(calls)} LLM call(s) with a timeout and a token cap; usage is read"
    good = [c.site for c in calls] + list(s.facts.source.usage_reads)
    return judge(ItemId.LLM_COST, title, problems, passed, good)


def _calls_without(calls: tuple[LlmCall, ...], bad: list[LlmCall], what: str) -> list[Problem]:
    if not bad:
        return []
    summary = f"{len(bad)} of {len(calls)} LLM call(s) with {what}"
    return [Problem(summary, [c.site for c in bad], _AI)]


def rollback(s: Scored) -> ItemResult:
    title = "A documented rollback plan"
    problems: list[Problem] = []
    if not s.facts.rollback_docs:
        step = "manual: document how to roll back a release (README or RUNBOOK.md)"
        read = _searched(s.facts.documents, "read: no rollback")
        problems.append(Problem("no document mentions a rollback", read, step))
    passed = "a document describes rolling back"
    return judge(ItemId.ROLLBACK, title, problems, passed, s.facts.rollback_docs)


def _searched(paths: tuple[str, ...], text: str) -> list[Evidence]:
    """Evidence of an absence: the files that were read (the first few)."""
    return [Evidence(path=p, text=text) for p in paths[:_SEARCHED]]
