"""HO101 (handlers that log nothing) and the T201 drop for command-line code.

The unit tests run the check on real parsed source; the last test scans a real git repo
with ruff and bandit, so the T201 findings it judges are ruff's own.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from agent.models import Priority
from agent.scan import scan
from agent.scan.checks import observability
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding
from tests.conftest import GitRepo, git


def _check(source: str, path: str = "app/web.py") -> list[RawFinding]:
    return observability.findings(path, ModuleWalk(ast.parse(textwrap.dedent(source))))


def _line_of(source: str, needle: str) -> int:
    lines = textwrap.dedent(source).splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


SILENT = {
    "flask route": (
        """
        from flask import Flask

        app = Flask(__name__)

        @app.route("/orders/<int:order_id>")
        def order(order_id):
            return load_order(order_id)
        """,
        "def order",
    ),
    "blueprint route without a flask import": (
        """
        from . import bp

        @bp.route("/items", methods=["POST"])
        def create_item():
            return save(request.json)
        """,
        "def create_item",
    ),
    "fastapi route": (
        """
        from fastapi import APIRouter

        router = APIRouter()

        @router.post("/users")
        async def create_user(body: dict):
            return await repo.insert(body)
        """,
        "async def create_user",
    ),
    "django view": (
        """
        from django.http import JsonResponse

        def detail(request, pk):
            return JsonResponse(get_thing(pk))
        """,
        "def detail",
    ),
}


@pytest.mark.parametrize("source, line", SILENT.values(), ids=SILENT.keys())
def test_handler_that_logs_nothing_is_reported(source: str, line: str) -> None:
    path = "shop/views.py" if "django" in source else "shop/web.py"
    [finding] = _check(source, path)
    assert finding.rule == "HO101"
    assert finding.line == _line_of(source, line)
    assert "logs nothing" in finding.message


QUIET_BUT_FINE = {
    "logger call": """
        import logging
        from flask import Flask

        app = Flask(__name__)
        logger = logging.getLogger(__name__)

        @app.get("/orders")
        def orders():
            logger.info("listing orders")
            return list_orders()
        """,
    "flask app logger in a nested block": """
        from flask import Flask, current_app

        app = Flask(__name__)

        @app.route("/pay")
        def pay():
            try:
                return charge()
            except PaymentError:
                current_app.logger.exception("payment failed")
                raise
        """,
    "custom logger name": """
        import logging
        from fastapi import FastAPI

        app = FastAPI()
        audit = logging.getLogger("audit")

        @app.delete("/users/{uid}")
        def remove(uid: int):
            audit.warning("removing user uid=%s", uid)
            return repo.delete(uid)
        """,
    "handler with no calls": """
        from flask import Flask

        app = Flask(__name__)

        @app.route("/health")
        def health():
            return "ok"
        """,
    "get decorator outside a web module": """
        import functools

        @cache.get("key")
        def compute():
            return expensive()
        """,
    "request-taking function outside views.py": """
        def handle(request):
            return process(request)
        """,
}


@pytest.mark.parametrize("source", QUIET_BUT_FINE.values(), ids=QUIET_BUT_FINE.keys())
def test_logging_or_non_handler_is_not_reported(source: str) -> None:
    assert _check(source) == []


def test_test_files_are_not_checked() -> None:
    source = SILENT["flask route"][0]
    assert _check(source, "tests/test_web.py") == []


def _prints_dropped(source: str, path: str) -> list[bool]:
    """For each print() in the source, whether a T201 on its line is dropped."""
    text = textwrap.dedent(source)
    tree = ast.parse(text)
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "print(" in line]
    assert lines, "the example needs a print"
    return [observability.drop(path, ModuleWalk(tree), _t201(path, line)) for line in lines]


def _t201(path: str, line: int) -> RawFinding:
    return RawFinding("ruff", "T201", path, line, 5, line, "`print` found")


LIBRARY_PRINT = """
    import json

    def load(path):
        print("loading", path)
        return json.load(open(path))
    """


@pytest.mark.parametrize("path", ["tool/cli.py", "tool/__main__.py", "manage.py"])
def test_print_in_a_cli_module_is_dropped(path: str) -> None:
    assert _prints_dropped(LIBRARY_PRINT, path) == [True]


def test_print_in_a_library_module_is_kept() -> None:
    assert _prints_dropped(LIBRARY_PRINT, "tool/loader.py") == [False]


def test_main_block_main_function_and_entry_points() -> None:
    source = """
        def helper():
            print("diagnostic")

        def main():
            print("usage: tool FILE")

        def run():
            print("result")

        if __name__ == "__main__":
            print("starting")
            run()
        """
    assert _prints_dropped(source, "tool/script.py") == [False, True, True, True]


def test_click_and_typer_commands() -> None:
    source = """
        import click
        import typer

        app = typer.Typer()

        @click.command()
        def hello():
            print("hello")

        @app.command()
        def bye():
            print("bye")

        def util():
            print("not a command")
        """
    assert _prints_dropped(source, "tool/commands.py") == [True, True, False]


def test_argparse_function_only_with_an_argparse_import() -> None:
    body = """
        def run(argv):
            args = parser.parse_args(argv)
            print(args.name)

        def report(rows):
            print(len(rows))
        """
    body = textwrap.dedent(body)
    assert _prints_dropped("import argparse\n" + body, "tool/run.py") == [True, False]
    assert _prints_dropped("import json\n" + body, "tool/run.py") == [False, False]


def test_drop_leaves_other_rules_alone() -> None:
    tree = ast.parse(textwrap.dedent(LIBRARY_PRINT))
    other = RawFinding("ruff", "S307", "tool/cli.py", 4, 5, 4, "eval")
    assert observability.drop("tool/cli.py", ModuleWalk(tree), other) is False


REPO = {
    "shop/client.py": """\
        import requests


        def fetch_price(sku):
            print("fetching", sku)
            return requests.get(f"https://prices.invalid/{sku}", timeout=5).json()
        """,
    "shop/web.py": """\
        from flask import Flask

        app = Flask(__name__)


        @app.route("/price/<sku>")
        def price(sku):
            return {"price": lookup(sku)}
        """,
    "shop/cli.py": """\
        import sys


        def main():
            print("usage: shop SKU", file=sys.stderr)
        """,
}


def test_scan_reports_errors_and_observability_and_drops_cli_prints(
    make_repo: GitRepo,
) -> None:
    repo = make_repo(REPO)
    paths = git(repo, "ls-files", "*.py").split()
    found = {(f.rule, f.path, f.symbol): f for f in scan(Path(repo), paths).findings}
    he101 = found[("HE101", "shop/client.py", "fetch_price")]
    assert he101.priority is Priority.ERRORS and he101.cwe == 755
    assert he101.source_line.startswith("return requests.get(")
    ho101 = found[("HO101", "shop/web.py", "price")]
    assert ho101.priority is Priority.OBSERVABILITY and ho101.source_line == "def price(sku):"
    t201 = {(path, symbol) for rule, path, symbol in found if rule == "T201"}
    assert t201 == {("shop/client.py", "fetch_price")}
