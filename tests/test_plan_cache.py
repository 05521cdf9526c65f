"""The plan's codemod cache: an unchanged ``harden plan`` makes no codemod dry run again,
and says what a cold plan says.

Real git, ruff, bandit, libcst on the bundled example app; which groups reach the codemods
is read from a spy around ``attempt_codemods`` (the real function, called through), and the
plans are compared as the real CLI prints them (``--json``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent.config import Settings
from agent.fix import codemod_fixer
from agent.fix.codemod_fixer import CodemodAttempt
from agent.models import Finding, Priority
from agent.resources import bundled_dir
from agent.run import plan_cache
from agent.run.plan import make_plan
from agent.run.plan_cache import COMPANION_FILES, PlanCache
from tests.conftest import commit_all, git


class _Spy:
    """Records the path of each call of the real ``attempt_codemods``."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, root: Path, path: str, findings: Sequence[Finding]) -> CodemodAttempt:
        self.paths.append(path)
        return _REAL(root, path, findings)


_REAL = codemod_fixer.attempt_codemods


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _Spy:
    recorder = _Spy()
    monkeypatch.setattr(codemod_fixer, "attempt_codemods", recorder)
    monkeypatch.setenv("HARDEN_CACHE_DIR", str(tmp_path / "cache"))
    return recorder


@pytest.fixture
def app(tmp_path: Path) -> Path:
    tree = tmp_path / "app"
    shutil.copytree(bundled_dir("examples"), tree)
    git(tree, "init", "-q", "-b", "main")
    commit_all(tree)
    return tree


def _plan(root: Path) -> str:
    settings = Settings(repo=root, priorities=(Priority.SECURITY, Priority.ERRORS))
    return make_plan(settings).model_dump_json()


def _cli_plan(root: Path, cache: Path) -> str:
    env = {**os.environ, "HARDEN_CACHE_DIR": str(cache)}
    harden = Path(sys.executable).with_name("harden")
    done = subprocess.run(
        [str(harden), "plan", "--priority", "security", "--json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_an_unchanged_plan_makes_no_dry_run_and_prints_the_cold_plan(
    app: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "clicache"
    cold = _cli_plan(app, cache)
    assert list((cache / "plan").glob("*/*.json")), "the cold plan stored its attempts"
    warm = _cli_plan(app, cache)
    assert warm == cold
    assert any(r["action"] == "codemod patch ready" for r in json.loads(cold)["rows"])


def test_a_warm_plan_calls_no_codemod(app: Path, spy: _Spy) -> None:
    cold = _plan(app)
    assert spy.paths, "the cold plan ran the codemods"
    spy.paths.clear()
    assert _plan(app) == cold
    assert spy.paths == []


def test_a_changed_file_alone_is_attempted_again(app: Path, spy: _Spy) -> None:
    cold = _plan(app)
    attempted = set(spy.paths)
    changed = sorted(attempted)[0]
    path = app / changed
    path.write_text(path.read_text() + "\n\ndef run(text):\n    return eval(text)\n")
    commit_all(app)
    spy.paths.clear()
    warm = _plan(app)
    assert set(spy.paths) == {changed}
    assert warm != cold


def test_a_companion_file_or_harden_itself_changed_attempts_again(
    app: Path, spy: _Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plan(app)
    cold = sorted(spy.paths)
    spy.paths.clear()
    (app / "requirements.txt").write_text("flask\n")
    commit_all(app)
    _plan(app)
    assert sorted(spy.paths) == cold
    spy.paths.clear()
    monkeypatch.setattr(plan_cache, "code_fingerprint", lambda: "another harden")
    _plan(app)
    assert sorted(spy.paths) == cold


def test_a_corrupt_or_planted_entry_is_ignored(app: Path, spy: _Spy, tmp_path: Path) -> None:
    cold = _plan(app)
    attempts = sorted(spy.paths)
    entries = sorted((tmp_path / "cache" / "plan").glob("*/*.json"))
    first = entries[0].read_text()
    entries[0].write_text("{not json")
    for entry in entries[1:]:  # a valid entry under every other key: another key's
        entry.write_text(first)
    spy.paths.clear()
    assert _plan(app) == cold
    assert sorted(spy.paths) == attempts


def test_an_entry_claiming_another_groups_findings_is_ignored(
    app: Path, spy: _Spy, tmp_path: Path
) -> None:
    cold = _plan(app)
    attempts = sorted(spy.paths)
    for entry in (tmp_path / "cache" / "plan").glob("*/*.json"):
        data = json.loads(entry.read_text())
        data |= {"fixer": "forged", "finding_ids": ["not-in-this-group"]}
        entry.write_text(json.dumps(data))
    spy.paths.clear()
    assert _plan(app) == cold
    assert sorted(spy.paths) == attempts


def _finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "id": "f1",
        "rule": "S307",
        "tools": ("ruff",),
        "message": "eval",
        "severity": "medium",
        "confidence": "high",
        "priority": "security",
        "path": "app.py",
        "line": 3,
        "end_line": 3,
        "symbol": "run",
    }
    return Finding.model_validate(fields | changes)


def test_the_key_covers_every_input_of_a_dry_run(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text("def run(text):\n    return eval(text)\n")

    def key(findings: Sequence[Finding] = (_finding(),), priority: Priority = Priority.SECURITY):
        return PlanCache(tmp_path / "cache", root).key("app.py", findings, priority)

    keys = [key(), key(priority=Priority.ERRORS), key([_finding(line=2)])]
    keys += [key([_finding(rule="S102")]), key([_finding(), _finding(id="f2")])]
    for name in COMPANION_FILES:
        (root / name).write_text("x\n")
        keys.append(key())
        (root / name).write_text("y\n")
        keys.append(key())
    (root / "app.py").write_text("def run(text):\n    return eval(text)  # changed\n")
    keys.append(key())
    assert len(set(keys)) == len(keys)
    assert key() == key(), "the same inputs make the same key"
    assert (
        PlanCache(tmp_path / "cache", root).key("gone.py", [_finding()], Priority.SECURITY) is None
    )


_PROBE = """\
import sys
sys.argv = ["harden", "plan", "--priority", "security", "--json"]
from agent.cli import main
try:
    main()
except SystemExit:
    pass
heavy = ("libcst", "agent.fix.codemod_fixer", "agent.fix.llm_fixer", "agent.llm.client",
         "agent.testgen", "tiktoken", "openai", "anthropic", "detect_secrets",
         "agent.sandbox.runner", "agent.sandbox.coverage", "agent.llm.cache", "diskcache")
print("imported:", sorted(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


def test_a_warm_plan_imports_no_libcst_model_client_detect_secrets_or_sandbox_runner(
    app: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "clicache"
    _cli_plan(app, cache)
    env = {**os.environ, "HARDEN_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=app, env=env, capture_output=True, text=True
    )
    assert done.stderr.splitlines()[-1] == "imported: []", done.stderr
