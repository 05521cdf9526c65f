"""action.yml, the reusable matrix workflow and README's workflows pass actionlint (a
binary from the dev extra); ci/action.sh passes shellcheck.

actionlint checks workflow files; it checks a local action's metadata (action.yml: its
runner, its inputs) through a workflow step that ``uses: ./`` it, and a local reusable
workflow's inputs and secrets through a job that ``uses:`` it. So each is linted from a
workflow in a project that holds them locally, with README's ``OWNER/harden`` made local."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MATRIX = Path(".github") / "workflows" / "harden-matrix.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
SHELLCHECK = Path(sys.executable).parent / "shellcheck"
USES_THE_ACTION = """\
name: harden
on:
  workflow_dispatch:
permissions:
  contents: write
  pull-requests: write
  security-events: write
jobs:
  harden:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        with:
          {inputs}
"""


def actionlint(project: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on every workflow of ``project`` (a git repo)."""
    argv = [str(ACTIONLINT), "-no-color"]
    return subprocess.run(argv, cwd=project, capture_output=True, text=True, check=False)


def project_using_the_action(tmp_path: Path, action: str, inputs: str) -> Path:
    workflow = USES_THE_ACTION.format(inputs=inputs)
    files = {Path("action.yml"): action, Path(".github") / "workflows" / "harden.yml": workflow}
    return project(tmp_path, files)


def action_text() -> str:
    return (ROOT / "action.yml").read_text(encoding="utf-8")


def test_actionlint_is_installed() -> None:
    assert ACTIONLINT.is_file(), "pip install -e '.[dev]' installs actionlint"


def test_the_action_passes_actionlint(tmp_path: Path) -> None:
    inputs = "priorities: security,errors\n          model: builtin\n          since: HEAD~1"
    done = actionlint(project_using_the_action(tmp_path, action_text(), inputs))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("action", "inputs", "complaint"),
    [
        (None, "priority: security", 'input "priority" is not defined in action "harden"'),
        ("using: composite", "model: builtin", 'invalid runner name "node"'),
    ],
)
def test_actionlint_catches_a_broken_action(
    tmp_path: Path, action: str | None, inputs: str, complaint: str
) -> None:
    """The check above can fail: a wrong input, a wrong runner."""
    text = action_text() if action is None else action_text().replace(action, "using: node")
    done = actionlint(project_using_the_action(tmp_path, text, inputs))
    assert done.returncode == 1 and complaint in done.stdout


def test_the_action_runs_its_script_and_uploads_the_sarif() -> None:
    action = yaml.safe_load(action_text())
    steps = action["runs"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[0] == "actions/setup-python" and "github/codeql-action/upload-sarif" in uses
    [script] = [s for s in steps if "ci/action.sh" in s.get("run", "")]
    assert (ROOT / "ci" / "action.sh").is_file()
    passed = {k for k in script["env"] if k.startswith("ACTION_")}
    read = set(_action_variables((ROOT / "ci" / "action.sh").read_text(encoding="utf-8")))
    assert passed == read
    assert action["inputs"]["model"]["default"] == "builtin"  # the offline engine


def _action_variables(script: str) -> list[str]:
    return re.findall(r"\b(ACTION_[A-Z_]+)\b", script)


@pytest.mark.parametrize(
    ("script", "clean"),
    [(ROOT / "ci" / "action.sh", True), (None, False)],
)
def test_the_action_script_passes_shellcheck(
    tmp_path: Path, script: Path | None, clean: bool
) -> None:
    if script is None:  # the check can fail: an unquoted expansion
        script = tmp_path / "bad.sh"
        script.write_text("#!/usr/bin/env bash\nrm -rf $1/build\n", encoding="utf-8")
    done = subprocess.run(
        [str(SHELLCHECK), str(script)], capture_output=True, text=True, check=False
    )
    assert (done.returncode == 0) == clean, done.stdout


def project(tmp_path: Path, files: dict[Path, str]) -> Path:
    """A git repo holding ``files`` (relative paths), for actionlint to find."""
    root = tmp_path / "project"
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_the_matrix_workflow_passes_actionlint(tmp_path: Path) -> None:
    """With harden checked out where the workflow puts it (harden-action/)."""
    matrix = (ROOT / MATRIX).read_text(encoding="utf-8")
    files = {MATRIX: matrix, Path("harden-action") / "action.yml": action_text()}
    done = actionlint(project(tmp_path, files))
    assert done.returncode == 0, done.stdout + done.stderr
    broken = matrix.replace("          path: target\n", "          folder: target\n")
    done = actionlint(project(tmp_path / "broken", {**files, MATRIX: broken}))
    assert 'input "folder" is not defined in action "harden"' in done.stdout


def readme_workflows() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In CI, and on many repositories")[1].split("\n## ")[0]
    return [block.split("\n```")[0] for block in section.split("```yaml\n")[1:]]


def local(workflow: str) -> str:
    """README's workflow with harden's action and reusable workflow taken from the project."""
    workflow = workflow.replace("OWNER/harden/.github/workflows/", "./.github/workflows/")
    return workflow.replace("harden-matrix.yml@main", "harden-matrix.yml").replace(
        "OWNER/harden@main", "./"
    )


def test_the_readme_workflows_pass_actionlint(tmp_path: Path) -> None:
    one, many = readme_workflows()
    assert "uses: OWNER/harden@main" in one and "harden-matrix.yml@main" in many
    files = {
        Path("action.yml"): action_text(),
        MATRIX: (ROOT / MATRIX).read_text(encoding="utf-8"),
        Path(".github") / "workflows" / "one.yml": local(one),
        Path(".github") / "workflows" / "many.yml": local(many),
    }
    done = actionlint(project(tmp_path, files))
    assert done.returncode == 0, done.stdout + done.stderr
    files[Path(".github") / "workflows" / "many.yml"] = local(many).replace(
        "priorities:", "priority:"
    )
    done = actionlint(project(tmp_path / "broken", files))
    assert done.returncode == 1 and 'input "priority" is not defined' in done.stdout
