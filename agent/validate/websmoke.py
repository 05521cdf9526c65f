"""The web smoke: request the routes a patch reaches, on the base and with the patch.

For a patch to a Flask or FastAPI/Starlette app, the routes it reaches
(agent.validate.webroutes: the route changed, a function it calls changed, or app-wide code
such as a request hook or the app's configuration changed) are requested in the sandbox
(agent.sandbox.webclient) with the framework's test client, with every input the route
reads set to each of a few ordinary values and one exploit-ish value, on the base (the
patch's files put back as they were) and with the patch. Per request and method the
answers are compared. An ordinary input that the base answered without a server error
rejects the patch when it now raises or answers 5xx, or answers another status class
(2xx -> 4xx: a login that CSRF protection now refuses; 4xx -> 2xx: a check that no longer
holds), or, both 2xx, another content type or JSON shape. The exploit-ish input may be
answered differently (refusing it is the point of a fix), but not by a new server error.
Base answers are kept for the run (`WebCache`) by the tree's state and the request; the
answers with an accepted patch are those of the next patch's base. Files the requests
create are removed and data files they change (a committed SQLite database) put back, so
both trees are requested from the same state.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agent.git.worktree_env import source_roots
from agent.models import Patch, Stage, StageResult, StageStatus
from agent.sandbox.webclient import Answer, Request, WebResult, request_routes
from agent.scan.source import read_or_empty
from agent.validate.fingerprint import changed_files, fingerprint
from agent.validate.smoke import entry_modules, removed_after, reverted, state_key
from agent.validate.webreach import reached_routes
from agent.validate.webroutes import Route

__all__ = ["EXPLOIT", "ORDINARY", "WebCache", "WebRun", "web_smoke_stage"]

ORDINARY = ("1", "2", "abc", "")  # "2": an id that may be missing, next to one there
EXPLOIT = "1' OR '1'='1"
MAX_ROUTES = 12
_DATA = frozenset({".db", ".sqlite", ".sqlite3", ".json", ".csv", ".txt", ".yaml", ".yml"})
_DATA_LIMIT = 20_000_000  # bytes: a data file larger than this is not kept aside
_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
_WEB_TIMEOUT_S = 60.0


@dataclass
class WebCache:
    """The base answers of a run, by (tree state, request id)."""

    base: dict[tuple[str, str], tuple[Answer, ...]] = field(default_factory=dict)
    apps: dict[str, int] = field(default_factory=dict)  # apps found, by tree state


@dataclass(frozen=True)
class WebRun:
    root: Path
    python: str
    timeout_s: float
    cache: WebCache
    path_prefix: Path | None = None


def web_smoke_stage(patch: Patch, run: WebRun) -> StageResult:
    """Request the routes the patch reaches on the base and with it; compare the answers."""
    routes = reached_routes(patch, run.root)[:MAX_ROUTES]
    if not routes:
        return _result(StageStatus.SKIPPED, "web smoke: no web route reaches the change")
    requests = [r for route in routes for r in _requests(route)]
    modules = list(dict.fromkeys([*(r.module for r in routes), *entry_modules(run.root)]))
    before = fingerprint(run.root)
    undo = {e.path: e.before for e in patch.edits}
    base_key, new_key = state_key(before, run.python, undo), state_key(before, run.python, {})
    base = _base_answers(patch, run, modules, requests, base_key)
    if base.error or not base.apps or not base.answers:
        names = ", ".join(f"{r.module}.{r.function}" for r in routes)
        why = base.error or (
            f"no route of the app answered ({names})"
            if base.apps
            else "no Flask, FastAPI or Django app found in " + ", ".join(modules)
        )
        return _result(StageStatus.SKIPPED, f"web smoke: not held: {why} on the base")
    new = _send(run, modules, requests, new_key)
    changed = changed_files(before, fingerprint(run.root))
    if changed:
        return _result(StageStatus.FAILED, f"web smoke: a request changed files: {changed}")
    broken = _broken(base, new, requests)
    if broken:
        return _result(StageStatus.FAILED, f"web smoke: {broken}")
    return _passed(routes, base)


def _passed(routes: list[Route], base: WebResult) -> StageResult:
    names = ", ".join(f"{r.module}.{r.function}" for r in routes)
    detail = f"web smoke: {len(base.answers)} request(s) to {names} answer as on the base"
    return _result(StageStatus.PASSED, detail)


def _result(status: StageStatus, detail: str) -> StageResult:
    return StageResult(stage=Stage.APP_SMOKE, status=status, detail=detail)


def _requests(route: Route) -> list[Request]:
    """No input (the path's parameters aside), then each value in every input the route reads."""
    keys = {"query": route.query, "form": route.form, "json_keys": route.json}
    name = f"{route.module}.{route.function}"
    sent = [*(("ordinary", v) for v in ORDINARY), ("exploit", EXPLOIT)]
    none = Request(id=f"{name} ordinary (no input)", label="ordinary (no input)", **_at(route, "1"))
    return [none] + [
        Request(
            id=f"{name} {kind} {value!r}", label=f"{kind} {value!r}", **_at(route, value), **keys
        )
        for kind, value in sent
        if any(keys.values())
    ]


def _at(route: Route, value: str) -> dict[str, str]:
    return {"module": route.module, "function": route.function, "value": value}


def _base_answers(
    patch: Patch, run: WebRun, modules: list[str], requests: list[Request], key: str
) -> WebResult:
    missing = [r for r in requests if (key, r.id) not in run.cache.base]
    if missing or key not in run.cache.apps:
        with reverted(run.root, patch):
            sent = _send(run, modules, missing or requests, key)
        if sent.error:
            return sent
    answers = [a for r in requests for a in run.cache.base.get((key, r.id), ())]
    return WebResult(tuple(answers), run.cache.apps.get(key, 0))


def _send(run: WebRun, modules: list[str], requests: list[Request], key: str) -> WebResult:
    """Send the requests on the tree as it is; keep the answers as a base to be."""
    timeout = min(run.timeout_s, _WEB_TIMEOUT_S)
    django = _django_settings(run.root)
    with removed_after(run.root), _data_restored(run.root):
        result = request_routes(
            run.python, run.root, modules, requests, timeout, run.path_prefix, django
        )
    if not result.error:
        run.cache.apps[key] = result.apps
        for request in requests:
            mine = tuple(a for a in result.answers if a.key == request.id)
            run.cache.base[key, request.id] = mine
    return result


def _broken(base: WebResult, new: WebResult, requests: list[Request]) -> str | None:
    """The first request that worked on the base and fails with the patch, said why."""
    if new.error:
        return f"the routes answered on the base; with the patch {new.error}"
    answers = {(a.key, a.method): a for a in new.answers}
    sent = {r.id: r for r in requests}
    for old in base.answers:
        request = sent[old.key]
        what = f"{request.module}.{request.function} {old.method} {request.label}"
        now = answers.get((old.key, old.method))
        if now is None:
            return f"{what}: answered {old.status} on the base, not found with the patch"
        why = _difference(old, now, request.label.startswith("exploit"))
        if why:
            return f"{what}: {why}"
    return None


def _difference(old: Answer, new: Answer, exploit: bool) -> str | None:
    """Why ``new`` fails where ``old`` worked, or None (a base failure is not held)."""
    if old.error or _status_class(old) == "5xx":
        return None
    if new.error or _status_class(new) == "5xx":
        what = new.error or str(new.status)
        return f"{old.status} on the base, {what} with the patch"
    if exploit:
        return None
    if _status_class(old) != _status_class(new):
        return f"{old.status} on the base, {new.status} with the patch (an ordinary input)"
    if _status_class(old) == "2xx" and _shape(old) != _shape(new):
        return f"the answer's shape changed: {_shape(old)} on the base, {_shape(new)} with it"
    return None


def _status_class(answer: Answer) -> str:
    return f"{answer.status // 100}xx" if answer.status is not None else "error"


def _shape(answer: Answer) -> str:
    keys = answer.keys if isinstance(answer.keys, str) else ", ".join(answer.keys or [])
    return f"{answer.content_type or 'no content type'} {{{keys}}}" if keys else answer.content_type


def _django_settings(root: Path) -> str | None:
    """The settings module ``manage.py`` names, if the worktree is a Django project."""
    for source in source_roots(root):
        manage = source / "manage.py"
        found = _SETTINGS.findall(read_or_empty(manage)) if manage.is_file() else []
        if found:
            return str(found[0])
    return None


@contextmanager
def _data_restored(root: Path) -> Iterator[None]:
    """Data files (a committed SQLite database, a JSON store) as they were before: the
    requests of one tree must not change what the next tree's requests find."""
    before = {p: p.read_bytes() for p in _data_files(root)}
    try:
        yield
    finally:
        for path, data in before.items():
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)


def _data_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "venv", "node_modules")]
        for name in files:
            path = Path(folder) / name
            if path.suffix in _DATA and not path.is_symlink() and _small(path):
                yield path


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= _DATA_LIMIT
    except OSError:
        return False
