"""Eval cases: load ``evals/cases/<id>/``, copy a case into a git repo, check its patterns.

A case is a small repo with a known problem, the tests that prove the problem is fixed
(``hidden/``, never shown to the fixer), a reference fix (``reference/``, overlaid on
``repo/``) and, for the tests priority, mutants that a good new test must kill. The format
is described in evals/cases/README.md. Running a case's hidden tests, and ``check_case``,
the check run when a case is added, are in ``agent.evals.case_checks``.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import HardenError
from agent.git.repo import git
from agent.models import Priority

__all__ = [
    "HIDDEN_DIR",
    "Case",
    "CaseError",
    "load_case",
    "load_cases",
    "materialise",
    "overlay",
    "pattern_problems",
]

HIDDEN_DIR = ".hidden_tests"
_COPY_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
_EMAIL = "user.email=harden-eval@example.invalid"
_AUTHOR = ("-c", "user.name=harden-eval", "-c", _EMAIL, "-c", "commit.gpgsign=false")


class CaseError(HardenError):
    """A case directory or its case.toml is malformed."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class _Tests(_Strict):
    fail_to_pass: list[str] = Field(default_factory=list)
    pass_to_pass: list[str] = Field(default_factory=list)
    mutants: list[str] = Field(default_factory=list)


class _Patterns(_Strict):
    must: list[str] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)


class _Target(_Strict):
    function: str


class _CaseFile(_Strict):
    id: str
    priority: str
    summary: str
    rules: list[str] = Field(min_length=1)
    files: list[str] = Field(min_length=1)
    cwe: int | None = None
    tests: _Tests = Field(default_factory=_Tests)
    patterns: _Patterns = Field(default_factory=_Patterns)
    target: _Target | None = None


@dataclass(frozen=True)
class Case:
    id: str
    root: Path
    priority: Priority
    summary: str
    rules: tuple[str, ...]
    files: tuple[str, ...]
    cwe: int | None
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    mutants: tuple[str, ...]
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    target: str | None

    @property
    def repo_dir(self) -> Path:
        return self.root / "repo"

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    def mutant_dir(self, name: str) -> Path:
        return self.root / "mutants" / name


def load_case(path: Path) -> Case:
    """The case in directory ``path``; any problem with it is a one-line CaseError."""
    try:
        data = tomllib.loads((path / "case.toml").read_text(encoding="utf-8"))
        parsed = _CaseFile.model_validate(data)
    except OSError as exc:
        raise CaseError(f"case {path.name}: cannot read case.toml: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"case {path.name}: case.toml is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CaseError(f"case {path.name}: case.toml {where}: {first['msg']}") from exc
    case = _to_case(parsed, path)
    _validate(case)
    return case


def load_cases(root: Path, selected: Sequence[str] = ()) -> list[Case]:
    """Every case under ``root`` sorted by id, or only the ``selected`` ids."""
    found = {p.name: p for p in root.iterdir() if (p / "case.toml").is_file()}
    unknown = sorted(set(selected) - set(found))
    if unknown:
        raise CaseError(f"unknown eval case(s): {', '.join(unknown)} (see {root})")
    names = sorted(selected) if selected else sorted(found)
    return [load_case(found[name]) for name in dict.fromkeys(names)]


def _to_case(parsed: _CaseFile, path: Path) -> Case:
    try:
        priority = Priority(parsed.priority)
    except ValueError as exc:
        choices = ", ".join(p.value for p in Priority)
        raise CaseError(f"case {path.name}: priority must be one of {choices}") from exc
    return Case(
        id=parsed.id,
        root=path.resolve(),
        priority=priority,
        summary=parsed.summary,
        rules=tuple(parsed.rules),
        files=tuple(parsed.files),
        cwe=parsed.cwe,
        fail_to_pass=tuple(parsed.tests.fail_to_pass),
        pass_to_pass=tuple(parsed.tests.pass_to_pass),
        mutants=tuple(parsed.tests.mutants),
        must=tuple(parsed.patterns.must),
        must_not=tuple(parsed.patterns.must_not),
        target=parsed.target.function if parsed.target else None,
    )


def _validate(case: Case) -> None:
    problems = [*_layout_problems(case), *_shape_problems(case)]
    for pattern in (*case.must, *case.must_not):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"pattern {pattern!r} is not a valid regex: {exc}")
    if problems:
        raise CaseError(f"case {case.id}: {problems[0]}")


def _layout_problems(case: Case) -> list[str]:
    problems = [] if case.id == case.root.name else ["id must equal its directory name"]
    needed = [case.repo_dir, case.reference_dir, *map(case.mutant_dir, case.mutants)]
    if case.priority is not Priority.TESTS:
        needed.append(case.hidden_dir)
    problems += [f"missing directory {d.relative_to(case.root)}/" for d in needed if not d.is_dir()]
    missing = [f for f in case.files if not (case.repo_dir / f).is_file()]
    return problems + [f"file {f} is not in repo/" for f in missing]


def _shape_problems(case: Case) -> list[str]:
    if not case.pass_to_pass:
        return ["tests.pass_to_pass is empty"]
    is_tests = case.priority is Priority.TESTS
    if not is_tests and (case.mutants or case.target):
        return ["tests.mutants and [target] are for tests cases only"]
    if not is_tests and not case.fail_to_pass:
        return ["tests.fail_to_pass is empty"]
    if is_tests and (case.fail_to_pass or not case.mutants or case.target is None):
        return ["a tests case needs tests.mutants and [target], and no fail_to_pass"]
    mutated_tests = [m for m in case.mutants if (case.mutant_dir(m) / "tests").exists()]
    return [f"mutant {m} must overlay code files only, not tests/" for m in mutated_tests]


def materialise(
    case: Case, dest: Path, *, reference: bool = False, mutant: str | None = None
) -> Path:
    """Copy repo/ (plus the reference and/or a mutant overlaid) to ``dest`` and commit it."""
    shutil.copytree(case.repo_dir, dest, ignore=_COPY_IGNORE, dirs_exist_ok=True)
    if reference:
        overlay(case.reference_dir, dest)
    if mutant is not None:
        overlay(case.mutant_dir(mutant), dest)
    git("init", "-q", "-b", "main", cwd=dest)
    exclude = dest / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a", encoding="utf-8") as out:
        out.write(f"\n{HIDDEN_DIR}/\n__pycache__/\n")
    git("add", "-A", cwd=dest)
    git(*_AUTHOR, "commit", "-q", "-m", f"eval case {case.id}", cwd=dest)
    return dest


def overlay(source: Path, dest: Path) -> None:
    """Copy the tree ``source`` over ``dest``, leaving out caches."""
    shutil.copytree(source, dest, ignore=_COPY_IGNORE, dirs_exist_ok=True)


def pattern_problems(case: Case, repo: Path) -> list[str]:
    """The must patterns missing from, and the must-not patterns found in, the case's files."""
    text = "\n".join(_read(repo / f) for f in case.files)
    missing = [f"must pattern {p!r} not found" for p in case.must if not re.search(p, text, re.M)]
    found = [f"must_not pattern {p!r} found" for p in case.must_not if re.search(p, text, re.M)]
    return missing + found


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""
