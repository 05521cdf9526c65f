"""The one walk the checks share gives each check what its own walk of the tree gave."""

from __future__ import annotations

import ast
import textwrap

from agent.scan.checks._names import import_roots, imported_names
from agent.scan.checks._walk import ModuleWalk

SOURCE = textwrap.dedent(
    """\
    import os, jwt as j
    from flask import Flask
    from . import sibling

    def outer(x):
        import requests as os
        async def inner():
            return j.decode(x)
        return os.get(x)

    class C:
        def method(self):
            from json import loads as os
            return os(self)
    """
)


def test_the_shared_walk_lists_nodes_and_imports_as_each_check_walked_them() -> None:
    tree = ast.parse(SOURCE)
    walk = ModuleWalk(tree)
    assert walk.of(ast.Call) == [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert walk.functions == functions
    assert [f.name for f in walk.functions] == ["outer", "inner", "method"]
    assert walk.imported_names == imported_names(tree)
    assert walk.imported_names["os"] == "json.loads"  # the last import of a name wins
    walked = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert walk.imported_roots == import_roots(walked) == {"os", "jwt", "flask", "requests", "json"}
    assert walk.of(ast.Lambda) == []
