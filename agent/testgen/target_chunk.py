"""What a model sees to write a test for one untested function.

The function's chunk (its source and the module's imports, `agent.fix.chunk`), the import
line that reaches it from a test, the path the new test file must have, and an existing
test of the same module, if there is one, as an example of the repo's own test style
(fixtures, import style, assertion habits). Context lines start with ``# harden:``.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from agent.fix.chunk import HEADER, build_chunk
from agent.models import Finding

__all__ = ["chunk_for_tests", "import_line", "module_name", "new_test_name"]

EXAMPLE_LINES = 120


def chunk_for_tests(root: Path, finding: Finding, max_tokens: int = 3000) -> str:
    """The chunk text for ``finding``'s function, with import hint and example test."""
    code = build_chunk(root, finding, max_tokens).text
    lines = [
        f"{HEADER} import it in a test as: {import_line(root, finding)}",
        f"{HEADER} write the new test file to: {new_test_name(root, finding)}",
        *_example(root, finding),
    ]
    return code + "\n".join(lines) + "\n"


def module_name(root: Path, path: str) -> str:
    """The dotted module of ``path``; a ``src/`` layout's ``src`` is not part of it."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if len(parts) > 1 and parts[0] == "src" and not (root / "src" / "__init__.py").exists():
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_line(root: Path, finding: Finding) -> str:
    return f"from {module_name(root, finding.path)} import {finding.symbol.split('.')[0]}"


def new_test_name(root: Path, finding: Finding) -> str:
    """``tests/test_<module>_<function>_generated.py``."""
    module = module_name(root, finding.path).rsplit(".", 1)[-1]
    function = re.sub(r"\W", "_", finding.symbol.replace(".", "_")).lower()
    return f"tests/test_{module}_{function}_generated.py"


def _example(root: Path, finding: Finding) -> list[str]:
    found = _existing_test(root, module_name(root, finding.path))
    if found is None:
        return [f"{HEADER} no existing test imports this module"]
    relative = found.relative_to(root).as_posix()
    text = found.read_text(encoding="utf-8", errors="replace").splitlines()
    cut = [f"{HEADER} (cut after {EXAMPLE_LINES} lines)"] if len(text) > EXAMPLE_LINES else []
    return [
        f"{HEADER} an existing test of this module, {relative}, shows the repo's test style:",
        *text[:EXAMPLE_LINES],
        *cut,
    ]


def _existing_test(root: Path, module: str) -> Path | None:
    """``tests/**/test_<module>.py``, else the first test file that imports the module."""
    tests = sorted((root / "tests").rglob("test_*.py")) if (root / "tests").is_dir() else []
    stem = module.rsplit(".", 1)[-1]
    named = [t for t in tests if t.name == f"test_{stem}.py"]
    if named:
        return named[0]
    imports = re.compile(
        rf"^\s*(from\s+{re.escape(module)}\s+import|import\s+{re.escape(module)}\b)", re.M
    )
    return next(
        (t for t in tests if imports.search(t.read_text(encoding="utf-8", errors="replace"))), None
    )
