"""A fix that hides a finding from the detectors instead of removing it.

``marshal.loads(x)`` rewritten as ``importlib.import_module(marshal.__name__).loads(x)``,
``getattr(marshal, "lo" + "ads")(x)``, ``__import__("marshal").loads(x)`` or
``from marshal import loads as l`` reaches the same dangerous callee, and the detectors no
longer see it. So the finding-gone stage also refuses a patch whose changed lines in the
finding's file (lines the base did not have, compared block by block, so a construct the
same block already had is not counted):

- introduce a dynamic import, lookup or evaluation: ``__import__``, ``importlib``,
  ``import_module``, ``getattr``, ``attrgetter``, ``methodcaller``, ``vars()``,
  ``globals()``, ``locals()``, ``sys.modules``, ``builtins``, ``eval``, ``exec``,
  ``compile`` (the builtins: ``re.compile`` is not one);
- import the finding's callee under another name (``from marshal import loads``,
  ``import marshal as m``);
- still reference the callee's module other than through another of its attributes
  (``m = marshal``, ``marshal.__name__``, ``f(marshal)``), or the callee's name as a string.

``yaml.load`` -> ``yaml.safe_load`` stays acceptable: another attribute of the module.
"""

from __future__ import annotations

import ast
import difflib
from collections import Counter
from collections.abc import Iterator

from agent.models import Finding
from agent.scan.parse import parse_python

__all__ = ["evasion"]

_DYNAMIC_CALLS = frozenset(
    {"__import__", "getattr", "attrgetter", "methodcaller", "vars", "globals", "locals"}
    | {"eval", "exec", "compile", "import_module"}
)
_BUILTIN_ONLY = frozenset({"eval", "exec", "compile"})  # re.compile is no evaluation
_DYNAMIC_NAMES = frozenset({"importlib", "builtins", "__builtins__"})

Callee = tuple[str, str | None]  # (module or function name, attribute)


def evasion(finding: Finding, before: str, after: str) -> str | None:
    """How ``after`` still reaches ``finding``'s callee by other means, or None."""
    try:
        old, new = parse_python(before), parse_python(after)
    except (SyntaxError, ValueError):
        return None
    callees = _callees(old, finding)
    blocks = _changed_blocks(before, after)
    for old_lines, new_lines in blocks:
        found = Counter(_evasions(new, new_lines, callees)) - Counter(
            _evasions(old, old_lines, callees)
        )
        if found:
            return "; ".join(sorted(found))
    return None


def _changed_blocks(before: str, after: str) -> list[tuple[set[int], set[int]]]:
    """(old line numbers, new line numbers) of each replaced or inserted block, 1-based."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        (set(range(i1 + 1, i2 + 1)), set(range(j1 + 1, j2 + 1)))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag in {"replace", "insert"}
    ]


def _callees(tree: ast.Module, finding: Finding) -> set[Callee]:
    """The callees of the calls on the finding's lines that are imported names.

    ``marshal.loads`` (``import marshal``), ``loads`` (``from pickle import loads``); a
    method of a local variable (``cursor.execute``) is not a module's callee.
    """
    lines = range(finding.line, max(finding.line, finding.end_line) + 1)
    imported = _imported_names(tree)
    found: set[Callee] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node, "lineno", 0) in lines:
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                found.add((func.value.id, func.attr))
            elif isinstance(func, ast.Name):
                found.add((func.id, None))
    return {callee for callee in found if callee[0] in imported}


def _imported_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _evasions(tree: ast.Module, lines: set[int], callees: set[Callee]) -> Iterator[str]:
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in lines:
            yield from _dynamic(node)
            yield from _aliases(node, callees)
            yield from _references(node, parents.get(node), callees)


def _dynamic(node: ast.AST) -> Iterator[str]:
    name = _name(node)
    if isinstance(node, ast.Call) and _dynamic_call(node.func):
        yield f"a dynamic import, lookup or evaluation ({_name(node.func)}) was introduced"
    elif name in _DYNAMIC_NAMES or (name == "modules" and _is_sys(node)):
        yield f"a dynamic import, lookup or evaluation ({name}) was introduced"
    elif isinstance(node, ast.Import | ast.ImportFrom):
        modules = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
        if any(m.split(".")[0] in _DYNAMIC_NAMES for m in modules):
            yield "a dynamic import, lookup or evaluation (import importlib) was introduced"


def _aliases(node: ast.AST, callees: set[Callee]) -> Iterator[str]:
    for root, attr in callees:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == root:
            if attr is not None and any(a.name == attr for a in node.names):
                yield f"{root}.{attr} is imported under another name"
        elif isinstance(node, ast.Import) and any(
            a.name == root and a.asname not in {None, root} for a in node.names
        ):
            yield f"{root} is imported under another name"


def _references(node: ast.AST, parent: ast.AST | None, callees: set[Callee]) -> Iterator[str]:
    for root, attr in callees:
        if isinstance(node, ast.Constant) and node.value in {root, attr or root}:
            yield f"the name {node.value!r} of the finding's callee appears as a string"
        if not (isinstance(node, ast.Name) and node.id == root):
            continue
        if _bare(node, parent, attr):
            yield f"{root} is still referenced directly (not as another {root}.<attribute>)"


def _bare(node: ast.Name, parent: ast.AST | None, attr: str | None) -> bool:
    """``node`` (the callee's root) used other than as ``root.other`` or ``root(...)``."""
    if attr is None:
        return not (isinstance(parent, ast.Call) and parent.func is node)
    through = parent.attr if isinstance(parent, ast.Attribute) else None
    return through is None or through.startswith("__")


def _dynamic_call(func: ast.expr) -> bool:
    """``getattr(...)``, ``importlib.import_module(...)``, ``eval(...)``; but a method
    named like a builtin (``re.compile``, ``pattern.exec``) evaluates nothing."""
    name = _name(func)
    if name in _BUILTIN_ONLY:
        return isinstance(func, ast.Name)
    return name in _DYNAMIC_CALLS


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_sys(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and _name(node.value) == "sys"
