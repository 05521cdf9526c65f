"""`harden plan` predicts the run, and the run says why each finding it did not fix is left.

One repo holds a finding of every kind: a codemod patch the tests accept (eval of a
literal), one they reject (eval in a calculator), a codemod refusal (``shell=True`` with a
pipe in an f-string; for the errors priority the same ``subprocess.run`` whose result is
used, so ``check=True`` is not added), a finding no codemod handles (pickle), and a
low-severity one beyond ``--max-findings``. Real git, ruff, bandit, pytest, harden's CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo

APP = """\
import pickle
import random
import subprocess


def count_files(path):
    done = subprocess.run(f"ls {path} | wc -l", shell=True, capture_output=True, text=True)
    return int(done.stdout.strip() or 0)


def parse(text):
    return eval(text)


def load(blob):
    return pickle.loads(blob)


def pick(items):
    return items[random.randrange(len(items))]
"""
CALC = '''\
def calculate(expression):
    """The calculator endpoint: evaluate the arithmetic the user typed."""
    return eval(expression)
'''
TEST = """\
from app import count_files, parse
from calc import calculate


def test_parse():
    assert parse("[1, 2]") == [1, 2]


def test_count(tmp_path):
    assert count_files(tmp_path) == 0


def test_calculate():
    assert calculate("2 * (3 + 4)") == 14
"""


@pytest.fixture
def repo(make_repo: GitRepo) -> Path:
    return make_repo({"app.py": APP, "calc.py": CALC, "tests/test_app.py": TEST})


def harden(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    python = ["--python", sys.executable] if args[0] == "run" else []
    argv = [sys.executable, "-m", "agent", *args, *python, str(repo)]
    env = {**os.environ, "COLUMNS": "300"}  # no table cell folded
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done


def by_rule(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["finding"]["rule"], []).append(row)
    return out


@pytest.mark.parametrize(
    ("priority", "refused_rule", "refusal"),
    [
        ("security", "S602", "the command needs a shell"),
        ("errors", "PLW1510", "its result is used"),
    ],
)
def test_plan_predicts_what_the_run_does_with_each_finding(
    repo: Path, priority: str, refused_rule: str, refusal: str
) -> None:
    plan = json.loads(harden(repo, "plan", "--json", "--priority", priority).stdout)
    rows = by_rule(plan["rows"])
    [refused] = rows[refused_rule]
    assert refused["action"] == "codemod refused" and refusal in refused["reason"]
    offline = {r["finding"]["id"] for r in plan["rows"] if r["action"] == "codemod patch ready"}
    report = json.loads(harden(repo, "run", "--json", "--priority", priority).stdout)
    codemod_verdicts = [v for v in report["verdicts"] if not v["patch"]["model"]]
    attempted = {fid for v in codemod_verdicts for fid in v["patch"]["finding_ids"]}
    assert offline == attempted
    plan_refused = {
        r["finding"]["id"]: r["reason"] for r in plan["rows"] if r["action"] == "codemod refused"
    }
    run_refused = {
        fid: s["reason"]
        for s in report["set_aside"]
        if s["kind"] == "codemod refused"
        for fid in s["finding_ids"]
    }
    assert plan_refused == run_refused and refused["finding"]["id"] in run_refused


def test_plan_says_fixable_offline_only_for_a_codemod_patch(repo: Path) -> None:
    text = " ".join(harden(repo, "plan", "--priority", "security").stdout.split())
    summary = "5 finding(s): 2 fixable offline (codemod patch ready); 2 refused by a codemod"
    assert summary + "; 3 need a model." in text
    assert "codemod refused: harden:subprocess-no-shell: the command needs a shell" in text


def test_every_finding_the_run_does_not_fix_has_a_reason(repo: Path) -> None:
    report = json.loads(harden(repo, "run", "--json", "--max-findings", "4").stdout)
    rules = {f["id"]: f["rule"] for f in report["findings"]}
    why = {rules[u["finding_id"]]: (u["status"], u["reason"]) for u in report["unfixed"]}
    assert len(report["unfixed"]) == len(report["findings"]) - len(report["fixed_ids"]) == 4
    assert why["S602"] == (
        "needs-model",
        "codemod refused: harden:subprocess-no-shell: the command needs a shell (a "
        "variable, pipes, redirections, globs, ...); needs a model (none configured)",
    )
    status, reason = why["S307"]  # the calculator's; the literal parser's eval was fixed
    assert status == "rejected"
    assert reason.startswith("codemod harden:eval-literal rejected at tests (")
    assert "test_calculate" in reason
    no_model = "needs a model (none configured)"
    assert why["S301"] == ("needs-model", f"no codemod handles S301; {no_model}")
    assert why["S311"] == ("not-attempted", "skipped: beyond the finding limit (--max-findings 4)")
    [run_dir] = (repo / ".harden" / "runs").iterdir()
    markdown = (run_dir / "report.md").read_text()
    assert "| why |" in markdown and "skipped: beyond the finding limit" in markdown
    assert "codemod refused: harden:subprocess-no-shell" in markdown
    assert "no codemod handles S301" in markdown and "Failed at **tests**" in markdown
    sarif = json.loads((run_dir / "findings.sarif").read_text())
    reasons = {
        r["ruleId"]: r["properties"]["harden"].get("reason") for r in sarif["runs"][0]["results"]
    }
    assert reasons["S311"] == why["S311"][1] and reasons["S301"] == why["S301"][1]
