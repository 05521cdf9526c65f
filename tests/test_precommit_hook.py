"""The pre-commit hook: ``harden plan --since REF --fail-on SEVERITY`` fails on findings of
that severity or higher in the changed files. Real git repos and the real ``harden`` CLI;
``.pre-commit-hooks.yaml`` checked against pre-commit's manifest fields."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import GitRepo, commit_all

ROOT = Path(__file__).resolve().parent.parent
OLD = (  # S602 (high) and S311 (low), committed first
    "import random\nimport subprocess\n\n\ndef run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n\n\n"
    "def pick(items):\n    return items[random.randrange(len(items))]\n"
)
NEW = "def parse(text):\n    return eval(text)\n"  # S307 (medium), the second commit
# pre-commit's manifest: required keys, and the optional ones with their types
REQUIRED = {"id": str, "name": str, "entry": str, "language": str}
OPTIONAL = {
    "description": str,
    "args": list,
    "pass_filenames": bool,
    "always_run": bool,
    "require_serial": bool,
    "types": list,
    "stages": list,
    "files": str,
    "exclude": str,
}


@pytest.fixture
def repo(make_repo: GitRepo) -> Path:
    path = make_repo({"old.py": OLD})
    (path / "new.py").write_text(NEW, encoding="utf-8")
    commit_all(path, "second")
    return path


def harden(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args, str(repo)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--fail-on", "high"), 1),
        (("--since", "HEAD~1"), 0),
        (("--since", "HEAD~1", "--fail-on", "high"), 0),
        (("--since", "HEAD~1", "--fail-on", "medium"), 1),
        (("--since", "HEAD~1", "--fail-on", "low"), 1),
        (("--since", "HEAD", "--fail-on", "low"), 0),
    ],
)
def test_fail_on_exits_1_only_for_a_finding_that_severe(
    repo: Path, args: tuple[str, ...], code: int
) -> None:
    done = harden(repo, "plan", *args)
    assert done.returncode == code, done.stderr
    assert ("(--fail-on)" in done.stderr) == (code == 1)


def test_an_unknown_severity_is_a_usage_error(repo: Path) -> None:
    done = harden(repo, "plan", "--fail-on", "critical")
    assert done.returncode == 2
    assert "Invalid value for '--fail-on'" in done.stderr
    assert "Traceback" not in done.stderr


def hooks() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list) and loaded
    return loaded


def test_the_hooks_file_has_pre_commits_fields() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    for hook in hooks():
        for key, kind in REQUIRED.items():
            assert isinstance(hook.get(key), kind), key
        assert set(hook) <= set(REQUIRED) | set(OPTIONAL), set(hook) - set(REQUIRED)
        for key in set(hook) & set(OPTIONAL):
            assert isinstance(hook[key], OPTIONAL[key]), key
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert shlex.split(hook["entry"])[0] in scripts
        assert all(isinstance(a, str) for a in hook.get("args", []))


@pytest.mark.parametrize("since", ["HEAD", "HEAD~1"])
def test_the_hook_runs_harden_plan_as_pre_commit_would(repo: Path, since: str) -> None:
    """pre-commit runs ``entry`` + ``args`` in the repo's root, with no file names."""
    [hook] = hooks()
    argv = [*shlex.split(hook["entry"]), *hook["args"]]
    assert argv[:2] == ["harden", "plan"] and "--since" in argv and "--fail-on" in argv
    argv[argv.index("--since") + 1] = since
    argv[argv.index("--fail-on") + 1] = "medium"
    harden_bin = str(Path(sys.executable).parent / "harden")
    env = {**os.environ, "PATH": f"{Path(harden_bin).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == (0 if since == "HEAD" else 1), done.stderr
