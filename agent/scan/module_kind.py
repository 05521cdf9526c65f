"""What kind of module a file is, as far as fixing it goes: a program, or generated code.

``command_line_reason``: the module is a command-line program, so its ``print`` calls are
its output, not diagnostics (T201 is not reported anywhere in it). A module is one when:
it starts with a shebang or is executable (git mode 100755); it has an
``if __name__ == "__main__":`` block anywhere (except in a web app's module, which imports
flask, fastapi, django, starlette, aiohttp, bottle, tornado or sanic: there the block
starts a development server and the prints are diagnostics); it reads ``sys.argv``; it
imports argparse, click, typer, docopt or fire; it is a declared entry point (``[project.scripts]``,
``console_scripts``); or it lives in a ``scripts/``, ``bin/``, ``tools/`` or ``utils/``
folder that is not a Python package (no ``__init__.py``: a folder of scripts, not a
library's subpackage).

``generated_reason``: the file must not be edited by hand, so harden reports it as
skipped and fixes nothing in it: ``.gitattributes`` marks it ``linguist-generated`` or
``linguist-vendored``, or its first lines or module docstring carry a marker:
``@generated``, "DO NOT EDIT"/"do not modify"/"do not modernize", "auto-generated",
"this file was generated",
or a frozen file ("this file is frozen", "frozen copy/snapshot/oracle/compatibility").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

from agent.scan.checks._names import dotted_name
from agent.scan.checks._walk import ModuleWalk
from agent.scan.repo_facts import RepoFacts

__all__ = ["command_line_reason", "generated_reason"]

_CLI_IMPORTS = frozenset({"argparse", "click", "typer", "docopt", "fire"})
_WEB_IMPORTS = frozenset(
    {"flask", "fastapi", "django", "starlette", "aiohttp", "bottle", "tornado", "sanic"}
)
_SCRIPT_FOLDERS = frozenset({"scripts", "bin", "tools", "utils"})
_HEAD_LINES = 15
_MARKERS = re.compile(
    r"@generated|do not (edit|modify|modernize|modernise)|auto-?generated|"
    r"automatically generated|(file|module) (was|is) (automatically |auto-?)?generated|"
    r"(this|the) (file|module) is frozen|"
    r"frozen (copy|snapshot|oracle|compatibility|file|module)",
    re.IGNORECASE,
)


def command_line_reason(
    root: Path, path: str, text: str, walk: ModuleWalk, facts: RepoFacts
) -> str | None:
    """Why ``path`` is a command-line program, or None if nothing says it is (``walk``: the
    module's nodes, as the checks walked them)."""
    roots = walk.imported_roots
    checks = (
        (text.startswith("#!"), "starts with a shebang"),
        (path in facts.executables, "is executable"),
        (facts.is_entry_point(path), "is a declared entry point"),
        (
            not roots & _WEB_IMPORTS and _has_main_guard(walk),
            'has an `if __name__ == "__main__":` block',
        ),
        (_reads_argv(walk), "reads sys.argv"),
        (bool(roots & _CLI_IMPORTS), "imports a command-line parser"),
        (_in_script_folder(root, path), "is in a folder of scripts"),
    )
    return next((why for hit, why in checks if hit), None)


def generated_reason(path: str, text: str, tree: ast.Module, facts: RepoFacts) -> str | None:
    """Why ``path`` must not be edited (generated, vendored, frozen), or None."""
    kind = facts.linguist_kind(path)
    if kind is not None:
        return f"{kind} (.gitattributes linguist-{kind})"
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    found = _MARKERS.search(head) or _MARKERS.search(ast.get_docstring(tree) or "")
    return f"marked as not to be edited ({found.group(0)!r})" if found else None


def _has_main_guard(walk: ModuleWalk) -> bool:
    for node in walk.of(ast.If):
        if isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            dunder = any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)
            if dunder and any(isinstance(n, ast.Constant) and n.value == "__main__" for n in names):
                return True
    return False


def _reads_argv(walk: ModuleWalk) -> bool:
    if walk.imported_names.get("argv") == "sys.argv":
        return True
    return any(dotted_name(n) == "sys.argv" for n in walk.of(ast.Attribute))


def _in_script_folder(root: Path, path: str) -> bool:
    folders = PurePosixPath(path).parents
    return any(
        folder.name in _SCRIPT_FOLDERS and not (root / folder / "__init__.py").exists()
        for folder in folders
    )
