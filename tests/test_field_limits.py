"""Limits are checked before any work: a file too large to patch is skipped up front."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import GitRepo
from tests.test_run import harden

LOADER = """\
def load{i}(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)

"""
SMALL = "import yaml\n\n\n" + LOADER.format(i=0)
BIG = (
    "import yaml\n\n\n"
    + "".join(LOADER.format(i=i) for i in range(2))
    + "".join(f"VALUE_{i} = {i}\n" for i in range(20_000))
)
NOTE = "not attempted: 2 finding(s) in big.py: the file is 3"


def test_findings_in_a_file_over_the_patch_limit_are_skipped_before_any_work(
    make_repo: GitRepo,
) -> None:
    repo = make_repo({"big.py": BIG, "app.py": SMALL})
    assert (repo / "big.py").stat().st_size > 200_000

    done = harden(repo, "run", "--json", "--max-findings", "2")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [e["path"] for v in report["verdicts"] for e in v["patch"]["edits"]] == ["app.py"]
    assert len(report["commits"]) == 1
    note = next(n for n in report["notes"] if n.startswith("not attempted: 2 finding(s)"))
    assert note.startswith(NOTE) and "over the 200 KB limit per patched file" in note
    assert note in done.stderr


def test_plan_says_which_findings_a_file_too_large_to_patch_keeps(make_repo: GitRepo) -> None:
    repo = make_repo({"big.py": BIG, "app.py": SMALL})
    argv = [sys.executable, "-m", "agent", "plan", str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    summary = "3 finding(s): 1 fixable offline (codemod patch ready); 2 skipped; 0 need a model."
    assert summary in done.stdout
    assert "skipped: file over the 200 KB patch limit" in done.stdout
    assert NOTE in done.stderr
    plan = subprocess.run([*argv[:-1], "--json", str(repo)], capture_output=True, text=True)
    fixers = {(r["finding"]["path"], r["fixer"]) for r in json.loads(plan.stdout)["rows"]}
    assert fixers == {
        ("app.py", "harden:yaml-safe-load"),
        ("big.py", "skipped: file over the 200 KB patch limit"),
    }
