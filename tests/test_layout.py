"""The layout of agent/: each folder one responsibility, imports pointing one way (down).

A newcomer finds X from the names alone (README, "Where things are"); these tests keep it
so: no new flat module at the top of agent/, and no import from a lower layer up into a
higher one (a cycle between packages would be one such import).
"""

from __future__ import annotations

import ast
from pathlib import Path

AGENT = Path(__file__).resolve().parent.parent / "agent"

# The top of agent/: the CLI entry and the base every package may use.
BASE = {"config", "errors", "log", "models", "resources"}
TOP = BASE | {"__init__", "__main__", "cli"}

# Lowest first. A module may import its own package, the base, and the layers below its own.
LAYERS = [
    "redaction",
    "base",
    "git",
    "scan",
    "checklist",
    "llm",
    "sandbox",
    "fix",
    "testgen",
    "validate",
    "report",
    "run",
    "review",
    "evals",
    "commands",
    "cli",
]


def _layer_of(module: str) -> str:
    """``agent.run.pipeline`` -> ``run``; a base module -> ``base``; ``__main__`` -> cli."""
    name = module.split(".")[1]
    if name in BASE:
        return "base"
    return "cli" if name in {"cli", "__main__"} else name


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("agent."):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("agent.")]
    return found


def _modules() -> list[tuple[str, Path]]:
    paths = sorted(AGENT.rglob("*.py"))
    return [(".".join(p.relative_to(AGENT.parent).with_suffix("").parts), p) for p in paths]


def _upward(module: str, path: Path) -> list[str]:
    here = _layer_of(module)
    return [
        f"{module} imports {target}"
        for target in _imports(path)
        if (there := _layer_of(target)) != here and LAYERS.index(there) > LAYERS.index(here)
    ]


def test_the_top_of_agent_holds_only_the_entry_and_the_base() -> None:
    top = {p.stem for p in AGENT.glob("*.py")}
    assert top - TOP == set(), "put these modules in the package that owns them"


def test_every_package_is_a_known_layer() -> None:
    packages = {p.name for p in AGENT.iterdir() if (p / "__init__.py").is_file()}
    packages -= {"_examples", "_prompts", "_evals"}  # data folders (installed wheel only)
    assert packages - set(LAYERS) == set()


def test_imports_point_down() -> None:
    upward = [line for module, path in _modules() for line in _upward(module, path)]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule can fail: a scan module importing the run loop is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from agent.run.pipeline import run\nfrom agent.models import Finding\n")
    assert _upward("agent.scan.bad", bad) == ["agent.scan.bad imports agent.run.pipeline"]
