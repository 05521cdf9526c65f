"""The web smoke's parts: which routes a patch reaches, what they read, how answers compare.

Static part (agent.validate.webroutes) on source text; the stage (agent.validate.websmoke)
on real files in a tmp dir, requested in the real sandbox with Flask's test client.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent.models import FileEdit, Patch, Stage
from agent.validate.webreach import reached_routes
from agent.validate.webroutes import Route, module_routes, touched_routes
from agent.validate.websmoke import WebCache, WebRun, web_smoke_stage

APP = """from flask import Flask, jsonify, request

import helpers

app = Flask(__name__)
LIMIT = 10


def clean(text):
    return text.strip()


def normalise(text):
    return clean(text).lower()


@app.route("/items/<int:item_id>", methods=["GET", "POST"])
def item(item_id):
    data = request.get_json(silent=True) or {}
    return jsonify(id=item_id, name=normalise(request.args.get("name", "")), tag=data.get("tag"))


@app.post("/login")
def login():
    user = request.form["username"]
    return jsonify(user=helpers.greet(user), body=request.json["x"] if request.is_json else None)


@app.get("/find")
def find():
    q = request.args.get("q", "")
    return jsonify(found=[q], limit=LIMIT)
"""
HELPERS = """def greet(name):
    return "hello " + name
"""


def _patch(path: str, before: str, after: str) -> Patch:
    edit = FileEdit(path=path, before=before, after=after)
    return Patch(finding_ids=(), fixer="test", title="t", rationale="r", edits=(edit,))


def _repo(tmp: Path) -> Path:
    (tmp / "app.py").write_text(APP)
    (tmp / "helpers.py").write_text(HELPERS)
    return tmp


def _stage(tmp: Path, path: str, after: str, cache: WebCache | None = None) -> tuple[str, str]:
    before = (tmp / path).read_text()
    (tmp / path).write_text(after)
    try:
        run = WebRun(tmp, sys.executable, 60, cache or WebCache())
        result = web_smoke_stage(_patch(path, before, after), run)
    finally:
        (tmp / path).write_text(before)
    assert result.stage is Stage.APP_SMOKE
    return result.status.value, result.detail


def test_routes_and_the_inputs_they_read() -> None:
    routes = {r.function: r for r in module_routes("app", APP)}
    assert routes == {
        "item": Route("app", "item", query=("name", "item_id"), json=("tag",)),
        "login": Route("app", "login", form=("username",), json=("x",)),
        "find": Route("app", "find", query=("q",)),
    }


def test_a_route_is_reached_through_two_calls_but_not_three() -> None:
    inner = APP.replace("    return text.strip()", "    return text.strip(' ')")
    assert [r.function for r in touched_routes("app", APP, inner)] == ["item"]
    deeper = APP.replace("def clean(text):\n", "def clean(text):\n    deepest(text)\n")
    deeper += "\n\ndef deepest(text):\n    return text\n"
    edited = deeper.replace("    return text\n", "    return text + ''\n")
    assert touched_routes("app", deeper, edited) == []


def test_app_wide_code_reaches_every_route() -> None:
    config = APP.replace("LIMIT = 10", "LIMIT = 20")
    assert {r.function for r in touched_routes("app", APP, config)} == {"item", "login", "find"}
    hook = APP + "\n\n@app.before_request\ndef guard():\n    return None\n"
    assert len(touched_routes("app", APP, hook)) == 3


def test_a_changed_helper_module_reaches_the_routes_that_call_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    patch = _patch("helpers.py", HELPERS, HELPERS.replace("hello ", "hi "))
    assert [(r.module, r.function) for r in reached_routes(patch, repo)] == [("app", "login")]
    (repo / "app.py").write_text(APP.replace("import helpers\n", "from . import db, helpers\n"))
    assert [(r.module, r.function) for r in reached_routes(patch, repo)] == [("app", "login")]


def test_an_unchanged_answer_passes_and_the_base_answers_are_kept(tmp_path: Path) -> None:
    repo, cache = _repo(tmp_path), WebCache()
    same = APP.replace("return jsonify(found=[q]", "return jsonify(found=[q.strip() or q]")
    status, detail = _stage(repo, "app.py", same, cache)
    assert status == "passed" and detail.startswith("web smoke: 6 request(s) to app.find answer")
    kept = dict(cache.base)
    assert len(kept) == 2 * 6  # the base's and the patched tree's answers, per request
    _stage(repo, "app.py", same, cache)
    assert cache.base == kept  # nothing new: both trees' answers were known


def test_refusing_the_exploit_input_is_the_point_of_a_fix(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    guard = "    if \"'\" in q:\n        return jsonify(error='bad query'), 400\n"
    refused = APP.replace(
        '    q = request.args.get("q", "")\n', '    q = request.args.get("q", "")\n' + guard
    )
    assert _stage(repo, "app.py", refused)[0] == "passed"


def test_a_refused_ordinary_input_or_a_new_shape_rejects(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    empty = APP.replace('    q = request.args.get("q", "")\n', '    q = request.args["q"]\n')
    assert _stage(repo, "app.py", empty) == (
        "failed",
        "web smoke: app.find GET ordinary (no input): 200 on the base, 400 with the patch"
        " (an ordinary input)",
    )
    shape = APP.replace("return jsonify(found=[q], limit=LIMIT)", "return jsonify(found=[q])")
    status, detail = _stage(repo, "app.py", shape)
    assert status == "failed"
    assert "the answer's shape changed: application/json {found, limit} on the base" in detail


def test_a_route_that_failed_on_the_base_is_not_held(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    broken = APP.replace(
        "    return jsonify(found=[q], limit=LIMIT)", "    return jsonify(found=[q], limit=1 // 0)"
    )
    (repo / "app.py").write_text(broken)
    still = broken.replace("1 // 0", "2 // 0")
    status, detail = _stage(repo, "app.py", still)
    assert status == "passed", detail


def test_a_change_no_route_reaches_is_a_skip(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "lib.py").write_text("def f():\n    return 1\n")
    assert _stage(repo, "lib.py", "def f():\n    return 2\n") == (
        "skipped",
        "web smoke: no web route reaches the change",
    )


FASTAPI = """from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()
TODOS = {1: {"id": 1, "title": "first", "done": False}}


class Todo(BaseModel):
    title: str


def user():
    return "alice"


@app.get("/todos/{todo_id}")
def get_todo(todo_id: int, who: str = Depends(user)):
    if not todo_id in TODOS:
        raise HTTPException(status_code=404, detail="no such todo")
    return TODOS[todo_id]


@app.post("/todos")
def create(todo: Todo):
    new = {"id": len(TODOS) + 1, "title": todo.title, "done": False}
    TODOS[new["id"]] = new
    return new
"""


def test_fastapi_routes_read_path_query_and_body_model() -> None:
    routes = {r.function: r for r in module_routes("main", FASTAPI)}
    assert routes == {
        "get_todo": Route("main", "get_todo", query=("todo_id",)),
        "create": Route("main", "create", json=("title",)),
    }


def test_a_fastapi_route_is_requested_with_starlettes_test_client(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(FASTAPI)
    mangled = FASTAPI.replace("if not todo_id in TODOS", "if (not todo_id) in TODOS")
    assert _stage(tmp_path, "main.py", mangled) == (
        "failed",
        "web smoke: main.get_todo GET ordinary '2': 404 on the base, KeyError with the patch",
    )
    shape = FASTAPI.replace('"done": False}\n    TODOS', '"done": False, "at": 0}\n    TODOS')
    status, detail = _stage(tmp_path, "main.py", shape)
    assert status == "failed" and detail.startswith("web smoke: main.create POST ordinary")
    assert "{done, id, title} on the base, application/json {at, done, id, title}" in detail


DJANGO = {
    "manage.py": (
        "import os\nimport sys\n\n"
        'if __name__ == "__main__":\n'
        '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n'
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n"
    ),
    "proj/__init__.py": "",
    "proj/settings.py": (
        'SECRET_KEY = "not-a-secret"\nDEBUG = False\nALLOWED_HOSTS = ["localhost"]\n'
        'ROOT_URLCONF = "proj.urls"\nINSTALLED_APPS = ["django.contrib.contenttypes"]\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}\n'
    ),
    "proj/urls.py": (
        "from django.urls import include, path\n\n"
        'urlpatterns = [path("notes/", include("notes.urls"))]\n'
    ),
    "notes/__init__.py": "",
    "notes/urls.py": (
        "from django.urls import path\n\nfrom . import views\n\n"
        'urlpatterns = [path("<int:pk>/", views.detail), path("search/", views.search)]\n'
    ),
    "notes/views.py": """from django.http import JsonResponse

NOTES = {1: "first note"}
KINDS = ("plain", "md")


def detail(request, pk):
    kind = request.GET.get("kind", "plain")
    if not kind in KINDS:
        return JsonResponse({"error": "unknown kind"}, status=400)
    return JsonResponse({"id": pk, "body": NOTES.get(pk, ""), "kind": kind})


def search(request):
    return JsonResponse({"found": [b for b in NOTES.values() if request.GET.get("q", "") in b]})
""",
}


def test_a_django_view_is_found_through_urls_py_and_requested_with_its_client(
    tmp_path: Path,
) -> None:
    for name, text in DJANGO.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    views = DJANGO["notes/views.py"]
    same = views.replace('"unknown kind"', '"no such kind"')
    status, detail = _stage(tmp_path, "notes/views.py", same)
    assert status == "passed"
    assert detail == "web smoke: 12 request(s) to notes.views.detail answer as on the base"
    mangled = views.replace("if not kind in KINDS", "if (not kind) in KINDS")
    assert _stage(tmp_path, "notes/views.py", mangled) == (
        "failed",
        "web smoke: notes.views.detail GET ordinary '1': 400 on the base, 200 with the patch"
        " (an ordinary input)",
    )
    assert not (tmp_path / "db.sqlite3").exists()


def test_a_route_the_app_does_not_serve_is_not_evidence(tmp_path: Path) -> None:
    blueprint = APP + (
        "\n\nfrom flask import Blueprint\n\nbp = Blueprint('extra', __name__)\n\n\n"
        '@bp.get("/extra")\ndef extra():\n    return "x"\n'
    )
    (_repo(tmp_path) / "app.py").write_text(blueprint)
    changed = blueprint.replace('return "x"', 'return "y"')
    assert _stage(tmp_path, "app.py", changed) == (
        "skipped",
        "web smoke: not held: no route of the app answered (app.extra) on the base",
    )


def test_many_routes_answer_in_full(tmp_path: Path) -> None:
    routes = "".join(
        f'\n\n@app.route("/r{i}/<name>", methods=["GET", "POST"])\ndef route_{i}(name):\n'
        f'    return jsonify(name=name, q=request.args.get("q", ""), n={i})\n'
        for i in range(12)
    )
    app = "from flask import Flask, jsonify, request\n\napp = Flask(__name__)\nLIMIT = 1\n"
    (tmp_path / "app.py").write_text(app + routes)
    status, detail = _stage(tmp_path, "app.py", (app + routes).replace("LIMIT = 1", "LIMIT = 2"))
    assert status == "passed"
    assert detail.startswith("web smoke: 144 request(s) to app.route_0, app.route_1, ")


def test_both_trees_are_requested_from_the_same_data(tmp_path: Path) -> None:
    store = (
        "import json\nimport pathlib\n\nfrom flask import Flask, jsonify, request\n\n"
        "app = Flask(__name__)\nSTORE = pathlib.Path(__file__).with_name('users.json')\n\n\n"
        '@app.post("/register")\ndef register():\n'
        "    users = json.loads(STORE.read_text())\n"
        '    name = request.form.get("name", "")\n'
        "    if name in users:\n        return jsonify(error='taken'), 409\n"
        "    STORE.write_text(json.dumps([*users, name]))\n"
        "    return jsonify(ok=True)\n"
    )
    (tmp_path / "app.py").write_text(store)
    (tmp_path / "users.json").write_text("[]")
    status, detail = _stage(tmp_path, "app.py", store.replace("'taken'", "'name taken'"))
    assert status == "passed", detail
    assert (tmp_path / "users.json").read_text() == "[]"
