"""What the repository says about its files, beyond their text: which are programs, which
are generated or vendored.

- executable files: git's file mode 100755 (``git ls-files -s``), or the executable bit
  on disk when the folder is not a git checkout (a ``git archive`` export keeps it);
- entry-point modules: ``[project.scripts]``/``[project.gui-scripts]`` of pyproject.toml,
  ``console_scripts``/``gui_scripts`` in setup.cfg or setup.py, as module paths
  (``tool.cli:main`` -> ``tool/cli.py``, matched as a path suffix so ``src/`` layouts work);
- generated or vendored files: ``linguist-generated`` / ``linguist-vendored`` in the root
  ``.gitattributes`` (a pattern with a slash is anchored at the root, one without matches
  a file or folder name anywhere; ``**`` as in git; nested .gitattributes are not read).
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agent.git.backend import toplevel
from agent.git.repo import Repo

__all__ = ["RepoFacts"]

_ENTRY = re.compile(r"""^\s*["']?[\w.-]+["']?\s*=\s*["']?([\w.]+)\s*:""", re.MULTILINE)
_SETUP_ENTRY = re.compile(r"""["'][\w.-]+\s*=\s*([\w.]+)\s*:\s*\w+""")
_PROGRAM = 0o100755
_LINGUIST = {"linguist-generated": "generated", "linguist-vendored": "vendored"}


@dataclass(frozen=True)
class RepoFacts:
    executables: frozenset[str] = frozenset()
    entry_modules: frozenset[str] = frozenset()
    attributes: tuple[tuple[str, str], ...] = ()  # (.gitattributes pattern, "generated"...)

    @classmethod
    def load(cls, root: Path, paths: Sequence[str]) -> RepoFacts:
        return cls(_executables(root, paths), _entry_modules(root), _linguist(root))

    def is_entry_point(self, path: str) -> bool:
        return any(path == m or path.endswith(f"/{m}") for m in self.entry_modules)

    def linguist_kind(self, path: str) -> str | None:
        """ "generated" or "vendored" if .gitattributes marks ``path`` so, else None."""
        kind = None
        for pattern, value in self.attributes:
            if _matches(pattern, path):
                kind = value
        return kind


def _executables(root: Path, paths: Sequence[str]) -> frozenset[str]:
    if not paths:
        return frozenset()
    modes = _index_modes(root, paths)
    if modes:
        return frozenset(path for path, mode in modes.items() if mode == _PROGRAM)
    return frozenset(p for p in paths if os.access(root / p, os.X_OK))


def _index_modes(root: Path, paths: Sequence[str]) -> dict[str, int]:
    """The index's mode of each of ``paths`` (relative to ``root``); {} outside a work tree."""
    top = toplevel(root)
    if top is None:
        return {}
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    lead = "" if prefix == "." else f"{prefix}/"
    with Repo(top, "") as repo:
        modes = repo.index_modes([lead + p for p in paths])
    return {path.removeprefix(lead): mode for path, mode in modes.items()}


def _entry_modules(root: Path) -> frozenset[str]:
    modules = [*_pyproject_entries(root / "pyproject.toml")]
    for name, pattern in (("setup.cfg", _ENTRY), ("setup.py", _SETUP_ENTRY)):
        text = _read(root / name)
        if "console_scripts" in text or "gui_scripts" in text:
            modules += pattern.findall(text.split("scripts", 1)[1])
    return frozenset(m.replace(".", "/") + suffix for m in modules for suffix in _SUFFIXES)


_SUFFIXES = (".py", "/__init__.py", "/__main__.py")


def _pyproject_entries(path: Path) -> list[str]:
    try:
        project = tomllib.loads(_read(path)).get("project", {})
    except tomllib.TOMLDecodeError:
        return []
    tables = [project.get("scripts", {}), project.get("gui-scripts", {})]
    targets = [str(v) for table in tables if isinstance(table, dict) for v in table.values()]
    return [t.split(":", 1)[0].strip() for t in targets]


def _linguist(root: Path) -> tuple[tuple[str, str], ...]:
    rules = []
    for line in _read(root / ".gitattributes").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        pattern = fields[0]
        for attr in fields[1:]:
            name, _, value = attr.partition("=")
            if name in _LINGUIST and value in ("", "true"):
                rules.append((pattern, _LINGUIST[name]))
    return tuple(rules)


def _matches(pattern: str, path: str) -> bool:
    pattern = pattern.removeprefix("/")
    if pattern.endswith("/**") or pattern.endswith("/"):
        folder = pattern.rstrip("/*")
        return _matches(folder, path) or fnmatch.fnmatchcase(path, f"{folder}/*")
    if "/" in pattern:
        return fnmatch.fnmatchcase(path, pattern.replace("**/", "*").replace("**", "*"))
    parts = PurePosixPath(path).parts
    return any(fnmatch.fnmatchcase(part, pattern) for part in parts)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
