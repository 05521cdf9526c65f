"""Which files are scanned, and how findings are ranked and grouped."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.models import Confidence, Finding, Priority, Severity
from agent.run.worklist import group_findings, rank_findings
from agent.scan.files import select_files
from tests.conftest import GitRepo, git

TRACKED = [
    "app.py",
    "pkg/core.py",
    "pkg/helpers_test.py",
    "pkg/test_core.py",
    "tests/helpers.py",
    "pkg/tests/fixtures.py",
    "conftest.py",
    "pkg/conftest.py",
    "README.md",
    "setup.cfg",
    "scripts/tool.pyw",
    "vendor/lib.py",
    "build/gen.py",
    "legacy/old.py",
    "legacy/deep/older.py",
    "generated_pb2.py",
    "docs/conf.py",
]


def test_select_files_keeps_only_source_python_files(tmp_path: Path) -> None:
    assert select_files(TRACKED, tmp_path, exclude=()) == [
        "app.py",
        "build/gen.py",
        "docs/conf.py",
        "generated_pb2.py",
        "legacy/deep/older.py",
        "legacy/old.py",
        "pkg/core.py",
        "vendor/lib.py",
    ]


def test_select_files_applies_exclude_globs_and_hardenignore(tmp_path: Path) -> None:
    (tmp_path / ".hardenignore").write_text(
        "# generated code\n\nlegacy/\n*_pb2.py\n", encoding="utf-8"
    )
    selected = select_files(TRACKED, tmp_path, exclude=("vendor/*", "build", "docs/conf.py"))
    assert selected == ["app.py", "pkg/core.py"]


# Patterns of every kind git knows, and files that each of them decides.
GITIGNORE = """\
# a comment, then a blank line

legacy/
!legacy/keep.py
/top.py
gen/
!a/b/gen/
**/deep/**
src/*
!src/top.py
docs
foo/**/bar.py
\\#odd.py
*_pb2.py
!keep_pb2.py
"""
FILES = [
    "legacy/old.py",
    "legacy/keep.py",  # its folder is ignored: a later ! cannot bring it back (as in git)
    "x/deep/older.py",
    "src/gen/x.py",
    "a/b/gen/y.py",
    "gen/z.py",
    "top.py",
    "pkg/top.py",  # /top.py is anchored at the root
    "src/top.py",
    "src/other.py",
    "docs/conf.py",
    "pkg/docs/index.py",  # docs, unanchored, matches at any depth
    "#odd.py",
    "foo/bar.py",
    "foo/x/y/bar.py",
    "foo_bar.py",
    "msg_pb2.py",
    "keep_pb2.py",
    "app.py",
]


def _ignored_by_git(repo: Path, paths: list[str]) -> set[str]:
    argv = ["git", "check-ignore", "--no-index", "--stdin"]
    done = subprocess.run(argv, cwd=repo, input="\n".join(paths), capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return set(done.stdout.splitlines())


def test_hardenignore_ignores_exactly_what_git_ignores(make_repo: GitRepo) -> None:
    repo = make_repo({path: "x = 1\n" for path in FILES} | {".hardenignore": GITIGNORE})
    (repo / ".gitignore").write_text(GITIGNORE, encoding="utf-8")  # git as the reference
    ignored = _ignored_by_git(repo, FILES)
    tracked = git(repo, "ls-files").splitlines()
    selected = select_files(tracked, repo, exclude=())
    assert set(selected) == set(FILES) - ignored
    assert selected == [
        "a/b/gen/y.py",
        "app.py",
        "foo_bar.py",
        "keep_pb2.py",
        "pkg/top.py",
        "src/top.py",
    ]


def test_exclude_globs_keep_their_meaning_beside_hardenignore(make_repo: GitRepo) -> None:
    repo = make_repo({path: "x = 1\n" for path in FILES} | {".hardenignore": "!*.py\n"})
    exclude = ("legacy", "src/*", "*_pb2.py", "foo/*")  # fnmatch: foo/* spans folders too
    selected = select_files(git(repo, "ls-files").splitlines(), repo, exclude)
    assert selected == [
        "#odd.py",
        "a/b/gen/y.py",
        "app.py",
        "docs/conf.py",
        "foo_bar.py",
        "gen/z.py",
        "pkg/docs/index.py",
        "pkg/top.py",
        "top.py",
        "x/deep/older.py",
    ]


def test_an_invalid_hardenignore_pattern_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".hardenignore").write_text("legacy/\n!\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^\.hardenignore line 2: '!' is no pattern$"):
        select_files(["app.py"], tmp_path, exclude=())


def _finding(
    fid: str,
    severity: Severity,
    confidence: Confidence,
    path: str = "app.py",
    line: int = 1,
    symbol: str = "f",
) -> Finding:
    return Finding(
        id=fid,
        rule="S307",
        tools=("ruff",),
        message="m",
        severity=severity,
        confidence=confidence,
        priority=Priority.SECURITY,
        path=path,
        line=line,
        end_line=line,
        symbol=symbol,
    )


def test_rank_findings_by_severity_then_confidence_then_place() -> None:
    findings = [
        _finding("low-high", Severity.LOW, Confidence.HIGH),
        _finding("med-low", Severity.MEDIUM, Confidence.LOW),
        _finding("high-med", Severity.HIGH, Confidence.MEDIUM),
        _finding("med-high-b", Severity.MEDIUM, Confidence.HIGH, path="b.py"),
        _finding("med-high-a", Severity.MEDIUM, Confidence.HIGH, path="a.py", line=9),
        _finding("high-high", Severity.HIGH, Confidence.HIGH),
    ]
    assert [f.id for f in rank_findings(findings)] == [
        "high-high",
        "high-med",
        "med-high-a",
        "med-high-b",
        "med-low",
        "low-high",
    ]


def test_group_findings_by_file_and_symbol_in_ranked_order() -> None:
    ranked = [
        _finding("1", Severity.HIGH, Confidence.HIGH, path="a.py", symbol="f"),
        _finding("2", Severity.HIGH, Confidence.HIGH, path="b.py", symbol="f"),
        _finding("3", Severity.MEDIUM, Confidence.HIGH, path="a.py", symbol="g"),
        _finding("4", Severity.LOW, Confidence.HIGH, path="a.py", symbol="f"),
        _finding("5", Severity.LOW, Confidence.LOW, path="b.py", symbol="f"),
    ]
    groups = group_findings(ranked)
    assert [[f.id for f in group] for group in groups] == [["1", "4"], ["2", "5"], ["3"]]
