"""No patch may reach for the test runner's verdict: the static half of agent.sandbox.judge.

Test runs are judged by per-test outcomes the pytest plugin streams (agent.sandbox.outcomes).
Code running in the same interpreter can still end the process before pytest reports,
patch pytest's report objects, or register hooks, so a patch is refused when the code it
writes newly uses (compared with the file before the patch):

- in any Python file: ``_pytest`` or ``pluggy``, ``atexit``, ``os._exit``/``os.kill``/
  ``os.killpg``/``os.abort``, ``sys.settrace``/``sys.setprofile``/``threading.settrace``,
  ``gc.get_objects``/``gc.get_referrers``, frame walking (``sys._getframe``,
  ``inspect.currentframe``/``stack``, ``.f_back``/``.f_globals``...), ``ctypes``, an
  assignment to an attribute of ``builtins``, ``pytest`` or ``_pytest``, to ``sys.exit``/
  ``sys.excepthook``/``os._exit`` (``sys.exit = ...``), or ``setattr`` on one of those
  modules or ``sys``/``os``;
- in production code, also ``pytest`` itself;
- in a test file, also pytest hook functions (``def pytest_...``) and ``collect_ignore``.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator

from agent.models import FileEdit
from agent.scan.checks._names import dotted_name
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python

__all__ = ["tamper_refusal"]

_MODULES = frozenset({"_pytest", "pluggy", "atexit", "ctypes"})
_CALLS = frozenset(
    {
        "os._exit",
        "os.kill",
        "os.killpg",
        "os.abort",
        "sys.settrace",
        "sys.setprofile",
        "threading.settrace",
        "gc.get_objects",
        "gc.get_referrers",
        "sys._getframe",
        "inspect.currentframe",
        "inspect.stack",
        "inspect.getouterframes",
    }
)
_FRAME_ATTRS = frozenset({"f_back", "f_globals", "f_locals", "tb_frame"})
_PATCHED = frozenset({"builtins", "pytest", "_pytest"})
_PATCHED_ATTRS = frozenset({"sys.exit", "sys.excepthook", "os._exit", "os.kill", "os.abort"})


def tamper_refusal(edit: FileEdit) -> str | None:
    """Why ``edit`` reaches for the test runner or the process's exit, or None."""
    if not edit.path.endswith(".py"):
        return None
    test = is_test_file(edit.path)
    new = Counter(_uses(edit.after, test)) - Counter(_uses(edit.before or "", test))
    if new:
        what = ", ".join(sorted(new))
        return f"may not use {what}: the tests' verdict must not be tampered with"
    return None


def _uses(text: str, test: bool) -> Iterator[str]:
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return
    modules = _MODULES if test else _MODULES | {"pytest"}
    for node in ast.walk(tree):
        yield from _module_uses(node, modules)
        dotted = _dotted(node)
        if dotted in _CALLS:
            yield dotted
        if isinstance(node, ast.Attribute) and node.attr in _FRAME_ATTRS:
            yield f"frame introspection (.{node.attr})"
        yield from _patches(node)
        if test:
            yield from _test_hooks(node)


def _module_uses(node: ast.AST, modules: frozenset[str]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in modules)
    elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in modules:
        yield (node.module or "").split(".")[0]
    elif isinstance(node, ast.Call) and _dotted(node.func) in {"__import__", "import_module"}:
        names = [a.value for a in node.args if isinstance(a, ast.Constant)]
        yield from (str(n).split(".")[0] for n in names if str(n).split(".")[0] in modules)


def _patches(node: ast.AST) -> Iterator[str]:
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    for target in targets:
        if isinstance(target, ast.Attribute) and _patched(target):
            yield f"an assignment to {_dotted(target)}"
    first = node.args[0] if isinstance(node, ast.Call) and node.args else None
    setattr_call = isinstance(node, ast.Call) and _dotted(node.func) == "setattr"
    if setattr_call and first is not None and _dotted(first) in {*_PATCHED, "sys", "os"}:
        yield f"setattr on {_dotted(first)}"


def _patched(target: ast.Attribute) -> bool:
    return _dotted(target.value) in _PATCHED or _dotted(target) in _PATCHED_ATTRS


def _test_hooks(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("pytest_"):
        yield f"a pytest hook ({node.name})"
    if isinstance(node, ast.Name) and node.id.startswith("collect_ignore"):
        yield node.id


def _dotted(node: ast.AST) -> str | None:
    return dotted_name(node) if isinstance(node, ast.expr) else None
