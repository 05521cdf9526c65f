"""The scan cache: an unchanged file is not scanned again, and the findings are the same.

Real ruff and bandit on real files; which files reach the tools is read from the
``scanned`` field of the result and, independently, from a spy around ``agent.scan.scan``
(the real function, called through).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agent.models import Priority
from agent.resources import bundled_dir
from agent.scan import ScanResult, scan
from agent.scan import cache as scan_cache
from agent.scan.cache import CachedScan, cached_scan
from tests.conftest import GitRepo, commit_all

IGNORE = ("B404", "S603")


class _Spy:
    """Records the paths each call of the real ``scan`` is given."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, root: Path, paths: Sequence[str], **kwargs: Any) -> ScanResult:
        self.calls.append(list(paths))
        return scan(root, paths, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    recorder = _Spy()
    monkeypatch.setattr(scan_cache, "scan", recorder)
    return recorder


@pytest.fixture
def app(tmp_path: Path) -> Path:
    tree = tmp_path / "app"
    shutil.copytree(bundled_dir("examples"), tree)
    return tree


def _py(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def _run(root: Path, cache: Path, **kwargs: Any) -> CachedScan:
    return cached_scan(root, _py(root), cache, **kwargs)


def test_an_unchanged_rescan_scans_nothing_and_finds_what_a_cold_scan_finds(
    app: Path, tmp_path: Path, spy: _Spy
) -> None:
    cold = scan(app, _py(app), ignore=IGNORE)
    first = _run(app, tmp_path / "cache", ignore=IGNORE)
    again = _run(app, tmp_path / "cache", ignore=IGNORE)
    assert cold.findings, "the example has findings"
    assert first.result == cold and again.result == cold
    assert first.scanned == tuple(_py(app)) and again.scanned == ()
    assert spy.calls == [_py(app)]  # the second scan never called the tools


def test_a_changed_file_alone_is_scanned_again(app: Path, tmp_path: Path, spy: _Spy) -> None:
    _run(app, tmp_path / "cache")
    db = app / "notes_app" / "db.py"
    db.write_text(db.read_text() + "\n\ndef run(cmd):\n    return eval(cmd)\n")
    again = _run(app, tmp_path / "cache")
    assert again.scanned == ("notes_app/db.py",)
    assert spy.calls[-1] == ["notes_app/db.py"]
    assert again.result == scan(app, _py(app))
    assert any(f.rule in ("S307", "B307") and f.path == "notes_app/db.py"
               for f in again.result.findings)  # fmt: skip


def test_the_configuration_is_part_of_the_key(app: Path, tmp_path: Path, spy: _Spy) -> None:
    _run(app, tmp_path / "cache")
    narrowed = _run(app, tmp_path / "cache", select=("S608",))
    assert narrowed.scanned == tuple(_py(app))
    assert narrowed.result == scan(app, _py(app), select=("S608",))


def test_a_scan_of_some_priorities_is_kept_apart_from_a_scan_of_all(
    app: Path, tmp_path: Path, spy: _Spy
) -> None:
    security = _run(app, tmp_path / "cache", priorities={Priority.SECURITY})
    every = _run(app, tmp_path / "cache")
    assert every.scanned == tuple(_py(app))  # the narrower entries did not answer
    assert every.result == scan(app, _py(app))
    assert security.result == scan(app, _py(app), priorities={Priority.SECURITY})
    assert len(every.result.findings) > len(security.result.findings)
    again = _run(app, tmp_path / "cache", priorities={Priority.SECURITY})
    assert again.scanned == () and again.result == security.result


def test_an_entry_point_declared_later_rescans_and_changes_the_findings(
    tmp_path: Path, spy: _Spy
) -> None:
    root = tmp_path / "tool"
    (root / "tool").mkdir(parents=True)
    (root / "tool" / "report.py").write_text('def show():\n    print("hello")\n')
    before = _run(root, tmp_path / "cache")
    assert [f.rule for f in before.result.findings] == ["T201"]
    (root / "pyproject.toml").write_text('[project.scripts]\ntool = "tool.report:show"\n')
    after = _run(root, tmp_path / "cache")
    assert after.scanned == ("tool/report.py",)
    assert after.result.findings == ()  # an entry point's print is its output


def test_a_new_init_file_rescans_a_script_folder(tmp_path: Path, spy: _Spy) -> None:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "show.py").write_text('def show():\n    print("hi")\n')
    assert _run(root, tmp_path / "cache").result.findings == ()
    (root / "scripts" / "__init__.py").write_text("")
    after = _run(root, tmp_path / "cache")
    assert "scripts/show.py" in after.scanned
    assert [f.rule for f in after.result.findings] == ["T201"]


def test_skipped_files_come_back_from_the_cache(tmp_path: Path, spy: _Spy) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "gen.py").write_text("# @generated\nimport pickle\npickle.loads(b'')\n")
    (root / "broken.py").write_text("def (:\n")
    first = _run(root, tmp_path / "cache")
    again = _run(root, tmp_path / "cache")
    assert again.scanned == () and again.result == first.result
    assert [s.path for s in again.result.skipped] == ["broken.py", "gen.py"]


@pytest.mark.parametrize(
    "planted",
    [
        b"\x80\x04\x95not json at all",  # a pickle
        b'{"key": "x", "path": "notes_app/db.py", "findings": [], "skipped": null}',
        b"{",
    ],
)
def test_a_corrupt_or_planted_entry_is_ignored(
    app: Path, tmp_path: Path, spy: _Spy, planted: bytes
) -> None:
    cache = tmp_path / "cache"
    cold = _run(app, cache)
    for entry in (cache / "scan").glob("*/*.json"):
        entry.write_bytes(planted)
    again = _run(app, cache)
    assert again.scanned == tuple(_py(app))
    assert again.result == cold.result


def test_an_entry_moved_to_another_files_key_is_ignored(
    app: Path, tmp_path: Path, spy: _Spy
) -> None:
    """An entry copied over another file's (a forged "no findings") is not that file's."""
    cache = tmp_path / "cache"
    cold = _run(app, cache)
    entries = sorted((cache / "scan").glob("*/*.json"))
    clean = next(e for e in entries if '"findings":[]' in e.read_text())
    for entry in entries:
        if entry != clean:
            entry.write_bytes(clean.read_bytes())
    again = _run(app, cache)
    assert len(again.scanned) == len(entries) - 1
    assert again.result == cold.result


def test_a_symlinked_entry_is_ignored(app: Path, tmp_path: Path, spy: _Spy) -> None:
    cache = tmp_path / "cache"
    cold = _run(app, cache)
    entry = next((cache / "scan").glob("*/*.json"))
    target = tmp_path / "elsewhere.json"
    entry.replace(target)
    entry.symlink_to(target)
    again = _run(app, cache)
    assert len(again.scanned) == 1
    assert again.result == cold.result


def test_the_cache_folder_is_private_and_bounded(app: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(app, cache)
    folder = cache / "scan"
    assert folder.stat().st_mode & 0o077 == 0
    assert len(list(folder.glob("*/*.json"))) == len(_py(app))
    scan_cache.ScanCache(folder).trim(limit=3)
    assert len(list(folder.glob("*/*.json"))) == 3


def test_a_subset_of_scanned_files_comes_from_the_cache(app: Path, tmp_path: Path) -> None:
    """--since scans the changed files: those a full scan already saw are not scanned."""
    _run(app, tmp_path / "cache")
    some = ["notes_app/app.py", "notes_app/db.py"]
    subset = cached_scan(app, some, tmp_path / "cache")
    assert subset.scanned == ()
    assert subset.result == scan(app, some)


def test_plan_since_after_a_plan_scans_nothing(make_repo: GitRepo) -> None:
    """Through the CLI: the second plan and a --since plan take every file from the cache."""
    repo = make_repo({"a.py": "import pickle\npickle.loads(b'')\n", "b.py": "X = 1\n"})
    (repo / "b.py").write_text("def f(t):\n    return eval(t)\n")
    commit_all(repo, "second")
    first = _plan(repo)
    assert "scan: 2 of 2 file(s) scanned" in first.stderr
    since = _plan(repo, "--since", "HEAD~1")
    assert "scan: 0 of 1 file(s) scanned" in since.stderr
    assert [r["finding"]["path"] for r in json.loads(since.stdout)["rows"]] == ["b.py"]


def _plan(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", "plan", "-v", "--json", *args, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done
