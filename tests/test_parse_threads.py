"""harden parses Python from several threads (the eval's cases, a run's --jobs): every
parse goes through agent.scan.parse's lock, because CPython 3.11/3.12 share one depth
counter between threads while building a tree (python/cpython#106905). CI's eval of the
bundled cases with --jobs 2 failed with "SystemError: AST constructor recursion depth
mismatch" before the lock."""

from __future__ import annotations

import ast
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.scan.parse import parse_python

AGENT = Path(__file__).resolve().parent.parent / "agent"
# A module deep and long enough that the interpreter switches threads while building it.
MODULE = "\n".join(
    f"def f{i}(a, b):\n    return [(x, {{'k': (a + b) * x}}) for x in range({i}) if x % 2]\n"
    for i in range(400)
)


class _Cycle:
    """Cyclic garbage with a finalizer: collecting it runs Python code mid-parse."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        pass


@contextmanager
def _eager_switching() -> Iterator[None]:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(50, 5, 5)
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)


def _errors_in_threads(parse: Callable[[str], object], threads: int = 4) -> list[Exception]:
    errors: list[Exception] = []

    def work() -> None:
        for _ in range(10):
            _ = [_Cycle() for _ in range(50)]
            try:
                parse(MODULE)
            except SystemError as exc:
                errors.append(exc)
                return

    with _eager_switching():
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return errors


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="the race is CPython 3.11/3.12's")
def test_the_harness_provokes_the_race_with_a_bare_ast_parse() -> None:
    assert _errors_in_threads(ast.parse), "the stress no longer reaches the race: sharpen it"


def test_parses_from_several_threads_at_once_do_not_fail() -> None:
    assert _errors_in_threads(parse_python) == []


def _bare_parses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(AGENT)}:{node.lineno} ast.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "ast"
        and node.func.attr in {"parse", "literal_eval"}
    ]


def test_every_parse_of_harden_goes_through_the_lock() -> None:
    own = AGENT / "scan" / "parse.py"
    found = [
        hit for path in sorted(AGENT.rglob("*.py")) if path != own for hit in _bare_parses(path)
    ]
    assert found == []
