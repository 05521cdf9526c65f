"""Request routes of the user's web app with its framework's own test client, confined.

The web smoke (agent.validate.websmoke) asks this, on the base and with a patch. One
process per tree under `agent.sandbox.runner.run_command` imports the candidate modules,
finds the app (a ``flask.Flask`` or a Starlette/FastAPI app among their globals, or what a
``create_app()`` returns; for a Django project, the settings module set up with an
in-memory SQLite database, migrated), finds each requested route function in the app's routing table
(by module and name), builds its URL with the path parameters filled in, and sends the
request once per method the route takes, through ``app.test_client()`` (Flask, with
exceptions propagated so their type is seen), ``starlette.testclient.TestClient`` or
``django.test.Client`` (GET and POST). Each
request has a time limit; a request that raised reports the exception's type. The results
come back as a JSON file in the worktree named by a fresh random marker, read and removed
at once (an output line could be cut by the output's size limit); a process that ends
without writing it (killed, timed out) answered nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.sandbox.runner import run_command

__all__ = ["Answer", "Request", "WebResult", "request_routes"]

_HARNESS = r"""
import importlib, json, os, re, signal, sys
spec, mark = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["app"]
def done(payload):
    sys.stdout.flush(); sys.stderr.flush()
    with open(mark + ".json", "w", encoding="utf-8") as out:
        json.dump(payload, out)
    os._exit(0)
def alarm(signum, frame):
    raise TimeoutError("no answer in %ss" % spec["per_request_s"])
signal.signal(signal.SIGALRM, alarm)
def is_app(cls):
    kinds = {(c.__module__.split(".")[0], c.__name__) for c in getattr(cls, "__mro__", ())}
    return bool(kinds & {("flask", "Flask"), ("starlette", "Starlette")})
class Django:
    pass
def django_app(name):
    os.environ["DJANGO_SETTINGS_MODULE"] = name
    import django
    from django.conf import settings
    engine = "django.db.backends.sqlite3"
    settings.DATABASES = {"default": {"ENGINE": engine, "NAME": ":memory:"}}
    django.setup()
    from django.test.utils import setup_test_environment
    from django.core.management import call_command
    setup_test_environment()
    try:
        call_command("migrate", run_syncdb=True, verbosity=0)
    except Exception:
        pass
    return Django()
def find_apps():
    if spec["django"]:
        try:
            return [django_app(spec["django"])]
        except BaseException:
            return []
    apps = []
    for name in spec["modules"]:
        try:
            module = importlib.import_module(name)
        except BaseException:
            continue
        for value in list(vars(module).values()):
            if is_app(type(value)):
                apps.append(value)
        factory = getattr(module, "create_app", None)
        if not apps and callable(factory):
            try:
                apps.append(factory())
            except BaseException:
                pass
    return list({id(a): a for a in apps}.values())
def unwrap(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return getattr(view, "__module__", None), getattr(view, "__name__", None)
def fill(value, numeric):
    if numeric:
        return value if value.isdigit() else "1"
    return value if value.strip() else "x"
def flask_routes(app, module, function):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if unwrap(app.view_functions.get(rule.endpoint)) != (module, function):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            build = lambda values, r=rule, m=method: adapter.build(r.endpoint, values, method=m)
            yield method, rule, build
def flask_send(app, method, url, req):
    app.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.test_client()
    kwargs = {"query_string": {k: req["value"] for k in req["query"]}}
    if req["form"]:
        kwargs["data"] = {k: req["value"] for k in req["form"]}
    elif req["json"]:
        kwargs["json"] = {k: req["value"] for k in req["json"]}
    response = client.open(url, method=method, **kwargs)
    body = response.get_json(silent=True) if response.is_json else None
    return response.status_code, response.mimetype, body
def starlette_routes(app, module, function):
    for route in app.routes:
        if unwrap(getattr(route, "endpoint", None)) != (module, function):
            continue
        for method in sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD", "OPTIONS"}):
            yield method, route, lambda values, r=route: r.path.format(**values)
def starlette_send(app, method, url, req):
    from starlette.testclient import TestClient
    client = TestClient(app, raise_server_exceptions=True)
    params = {k: req["value"] for k in req["query"]}
    body = {k: req["value"] for k in req["json"]} if req["json"] else None
    data = {k: req["value"] for k in req["form"]} if req["form"] else None
    response = client.request(method, url, params=params, json=body, data=data)
    kind = response.headers.get("content-type", "").split(";")[0]
    return response.status_code, kind, response.json() if kind == "application/json" else None
def django_patterns(patterns, prefix):
    from django.urls import URLResolver
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from django_patterns(p.url_patterns, prefix + str(p.pattern))
        else:
            yield p, prefix + str(p.pattern)
def django_routes(app, module, function):
    from django.urls import get_resolver
    for pattern, route in django_patterns(get_resolver().url_patterns, ""):
        if unwrap(pattern.callback) == (module, function) and "^" not in route:
            for method in ("GET", "POST"):
                yield method, route, lambda values, r=route: "/" + re.sub(
                    r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], r)
def django_send(app, method, url, req):
    from django.test import Client
    client = Client(raise_request_exception=True)
    data = {k: req["value"] for k in (req["query"] if method == "GET" else req["form"])}
    response = (client.get if method == "GET" else client.post)(url, data)
    kind = response.headers.get("Content-Type", "").split(";")[0]
    body = json.loads(response.content) if kind == "application/json" else None
    return response.status_code, kind, body
def path_values(app, route, value):
    if isinstance(app, Django):
        found = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        return {n: fill(value, c == "int") for c, n in found}
    if hasattr(route, "arguments"):
        numbers = ("IntegerConverter", "FloatConverter")
        numeric = {n for n, c in route._converters.items() if type(c).__name__ in numbers}
        return {n: fill(value, n in numeric) for n in route.arguments}
    convertors = getattr(route, "param_convertors", {})
    numbers = ("IntegerConvertor", "FloatConvertor")
    return {n: fill(value, type(c).__name__ in numbers) for n, c in convertors.items()}
def answer(app, req):
    framework = "django" if isinstance(app, Django) else "flask" if hasattr(app, "url_map") else ""
    routes = ROUTES[framework](app, req["module"], req["function"])
    for method, route, build in routes:
        try:
            url = build(path_values(app, route, req["value"]))
        except Exception:
            continue
        signal.alarm(int(spec["per_request_s"]))
        sent = {"key": req["id"], "method": method}
        try:
            status, kind, body = SEND[framework](app, method, url, req)
            keys = type(body).__name__ if body is not None else None
            keys = sorted(body) if isinstance(body, dict) else keys
            yield {**sent, "status": status, "content_type": kind, "keys": keys}
        except BaseException as exc:
            yield {**sent, "status": None, "error": type(exc).__name__}
        finally:
            signal.alarm(0)
ROUTES = {"flask": flask_routes, "django": django_routes, "": starlette_routes}
SEND = {"flask": flask_send, "django": django_send, "": starlette_send}
apps = find_apps()
answers = [a for app in apps for req in spec["requests"] for a in answer(app, req)]
done({"apps": len(apps), "answers": answers})
"""


class Request(BaseModel):
    """One input for one route function: ``value`` for every key it reads."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str  # what is sent: "ordinary 'abc'", "ordinary (no input)", "exploit ..."
    module: str
    function: str
    value: str
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    json_keys: tuple[str, ...] = ()

    def wire(self) -> dict[str, object]:
        return {**self.model_dump(exclude={"json_keys"}), "json": list(self.json_keys)}


class Answer(BaseModel):
    """What one request got: the status (None if it raised), the exception, the shape."""

    model_config = ConfigDict(frozen=True)

    key: str  # the request's id
    method: str
    status: int | None
    error: str = ""
    content_type: str = ""
    keys: list[str] | str | None = None


class _Payload(BaseModel):
    apps: int
    answers: list[Answer]


@dataclass(frozen=True)
class WebResult:
    answers: tuple[Answer, ...]
    apps: int = 0
    error: str = ""  # why the process answered nothing
    duration_s: float = 0.0


def request_routes(
    python: str,
    root: Path,
    modules: list[str],
    requests: list[Request],
    timeout_s: float,
    path_prefix: Path | None = None,
    django: str | None = None,
) -> WebResult:
    """Send ``requests`` to the app found in ``modules`` (or the Django project whose
    settings module is ``django``), with ``python`` in ``root``."""
    mark = f"harden-web-{secrets.token_hex(8)}"
    per_request = max(1, int(timeout_s / max(len(requests), 1)))
    spec = {
        "modules": modules,
        "requests": [r.wire() for r in requests],
        "django": django,
        "per_request_s": min(per_request, 5),
    }
    argv = [python, "-c", _HARNESS, json.dumps(spec), mark]
    answers = root / f"{mark}.json"
    try:
        run = run_command(argv, root, timeout_s, path_prefix)
        payload = _payload(answers) if not run.timed_out else None
    finally:
        answers.unlink(missing_ok=True)
    if run.timed_out:
        return WebResult((), error=f"the requests did not finish in {timeout_s:.0f}s")
    if payload is None:
        why = f"the process ended before answering (exit code {run.exit_code})"
        return WebResult((), error=why, duration_s=run.duration_s)
    return WebResult(tuple(payload.answers), payload.apps, duration_s=run.duration_s)


def _payload(path: Path) -> _Payload | None:
    """The answers the harness wrote, or None (no file, or not what it writes)."""
    try:
        return _Payload.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
