"""The import smoke: run the code a patch changes, even where the repo has no tests.

Each Python module a patch writes (test files aside), and the app's entry modules
(`entry_modules`: ``app.py``, ``main.py``, ``wsgi.py``, ``asgi.py`` at a source root or in
a top-level package, a top-level package's ``__main__``, the settings module ``manage.py``
names), is imported in the sandbox
(agent.sandbox.imports) on the base (the patch's files put back as they were) and with the
patch. A module that imported on the base and fails with the patch rejects it; one that
already failed on the base is not held against it. Results are kept for the run
(`SmokeCache`), keyed by the module, the content of the tree's code and the interpreter:
the results with an accepted patch are those of the next patch's base.

Files an import creates (a SQLite database, a log) are removed after it, so the next
import starts as the first did; an import that changes a code or configuration file of
the worktree rejects the patch, as a test run that does so would.
"""

from __future__ import annotations

import hashlib
import keyword
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from agent.git.worktree_env import source_roots
from agent.models import Patch, Stage, StageResult, StageStatus
from agent.sandbox.imports import ImportResult, import_module
from agent.scan.files import is_test_file
from agent.scan.source import write_file
from agent.validate.fingerprint import changed_files, fingerprint

__all__ = [
    "SMOKE_TIMEOUT_S",
    "SmokeCache",
    "entry_modules",
    "module_name",
    "removed_after",
    "reverted",
    "smoke_stage",
    "state_key",
]

SMOKE_TIMEOUT_S = 30.0
_ENTRY_FILES = ("app.py", "main.py", "wsgi.py", "asgi.py")
_IN_PACKAGE = (*_ENTRY_FILES, "__main__.py")  # in a top-level package
_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")


@dataclass
class SmokeCache:
    """The base imports of a run: by (module, base state); the modules that hung there."""

    base: dict[tuple[str, str], ImportResult] = field(default_factory=dict)
    hung: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class SmokeRun:
    """What the stage needs besides the patch: where, with which interpreters."""

    root: Path
    # The project's, or a layered env with the dependencies of the branch's fixes and the
    # patch's: the base (which holds the branch's fixes) is imported with it too.
    python: str
    timeout_s: float
    cache: SmokeCache
    path_prefix: Path | None = None


def smoke_stage(patch: Patch, run: SmokeRun) -> StageResult:
    """Import the patch's modules and the entry modules, on the base and with the patch."""
    started = time.monotonic()
    modules = _modules(patch, run.root)
    if not modules:
        return _result(StageStatus.SKIPPED, "no module changed (test files aside)")
    before = fingerprint(run.root)
    undo = {e.path: e.before for e in patch.edits}
    base = _base_results(patch, run, modules, state_key(before, run.python, undo))
    working = [m for m in modules if base[m].imported]
    broken = _first_broken(run, working, state_key(before, run.python, {}))
    changed = changed_files(before, fingerprint(run.root))
    if changed:
        return _result(StageStatus.FAILED, f"an import changed files of the worktree: {changed}")
    if broken is not None:
        detail = f"{broken.module} imported on the base and fails with the patch: {broken.error}"
        return _result(StageStatus.FAILED, detail)
    return _passed(modules, base, time.monotonic() - started)


def _passed(modules: list[str], base: Mapping[str, ImportResult], took: float) -> StageResult:
    working = [m for m in modules if base[m].imported]
    held = [f"{m} (fails on the base too: {base[m].error})" for m in modules if m not in working]
    if not working:
        return _result(StageStatus.SKIPPED, "no module imports on the base: " + "; ".join(held))
    detail = f"{', '.join(working)} import(s) as on the base ({took:.1f}s)"
    return _result(StageStatus.PASSED, detail + (f"; not held: {'; '.join(held)}" if held else ""))


def _result(status: StageStatus, detail: str) -> StageResult:
    return StageResult(stage=Stage.SMOKE, status=status, detail=detail)


def _modules(patch: Patch, root: Path) -> list[str]:
    """The changed modules, then the entry modules; none when only tests changed."""
    changed = [e.path for e in patch.edits if e.path.endswith(".py") and not is_test_file(e.path)]
    if not changed:
        return []
    names = [module_name(path, root) for path in changed]
    return list(dict.fromkeys([*(n for n in names if n), *entry_modules(root)]))


def _base_results(
    patch: Patch, run: SmokeRun, modules: list[str], key: str
) -> dict[str, ImportResult]:
    cache = run.cache
    missing = [m for m in modules if (m, key) not in cache.base and m not in cache.hung]
    if missing:
        with reverted(run.root, patch):
            for module in missing:
                cache.base[module, key] = _import(run, module, base=True)
    hung = ImportResult("", False, "it did not finish on the base", timed_out=True)
    return {m: cache.base.get((m, key), hung) for m in modules}


def _first_broken(run: SmokeRun, modules: list[str], key: str) -> ImportResult | None:
    """The first module that fails with the patch; each result kept as a base to be."""
    for module in modules:
        result = run.cache.base[module, key] = _import(run, module, base=False)
        if not result.imported:
            return result
    return None


def _import(run: SmokeRun, module: str, base: bool) -> ImportResult:
    timeout = min(run.timeout_s, SMOKE_TIMEOUT_S)
    with removed_after(run.root):
        result = import_module(run.python, module, run.root, timeout, run.path_prefix)
    if base and result.timed_out:
        run.cache.hung.add(module)
    return result


def state_key(tree: Mapping[str, str], python: str, undo: Mapping[str, str | None]) -> str:
    """The tree's code (its fingerprint, the files in ``undo`` as they were before the
    patch: None for absent) and the interpreter. A patch's state, once committed, is the
    next patch's base: the same key, so its imports need not run again."""
    state = dict(tree)
    for path, text in undo.items():
        if path in state and text is None:
            del state[path]
        elif path in state and text is not None:
            state[path] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    digest = hashlib.sha256(python.encode())
    for path in sorted(state):
        digest.update(f"{path}\0{state[path]}\0".encode(errors="surrogatepass"))
    return digest.hexdigest()


@contextmanager
def reverted(root: Path, patch: Patch) -> Iterator[None]:
    """The patch's files as they were before it (new ones absent); then the patch again."""
    try:
        for edit in patch.edits:
            if edit.before is None:
                (root / edit.path).unlink(missing_ok=True)
            else:
                write_file(root / edit.path, edit.before)
        yield
    finally:
        for edit in patch.edits:
            write_file(root / edit.path, edit.after)


@contextmanager
def removed_after(root: Path) -> Iterator[None]:
    """Files and folders that appear under ``root`` meanwhile are removed afterwards."""
    before = set(_tree(root))
    try:
        yield
    finally:
        for path in sorted(set(_tree(root)) - before, key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _tree(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        base = Path(folder)
        yield from (base / d for d in dirs)
        yield from (base / f for f in files)


def module_name(path: str, root: Path) -> str | None:
    """The dotted name ``path`` (relative to ``root``) is imported by, or None."""
    for source in source_roots(root):
        try:
            rel = PurePosixPath((root / path).relative_to(source).as_posix())
        except ValueError:
            continue
        parts = [*rel.parent.parts, rel.stem]
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
            return ".".join(parts)
    return None


def entry_modules(root: Path) -> list[str]:
    """The app's evident entry modules, in the worktree's source roots."""
    found: list[str] = []
    for source in source_roots(root):
        found += [name[:-3] for name in _ENTRY_FILES if (source / name).is_file()]
        manage = source / "manage.py"
        text = manage.read_text(encoding="utf-8", errors="replace") if manage.is_file() else ""
        found += _SETTINGS.findall(text)[:1]
        packages = (p.parent for p in source.glob("*/__init__.py"))
        for package in sorted(p for p in packages if p.name.isidentifier()):
            found += [f"{package.name}.{n[:-3]}" for n in _IN_PACKAGE if (package / n).is_file()]
    return list(dict.fromkeys(found))
