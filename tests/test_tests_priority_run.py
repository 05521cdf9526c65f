"""`harden --priority tests` end to end, with scripted model replies from the fake server.

The repo's suite runs under coverage.py; the public functions it never reaches become
targets; the model's test files go through the funnel's generated-test stage. A good test
is kept and committed, a flaky one, one that adds no coverage and one that fails are
rejected, each with its fate in the report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conftest import GitRepo, git
from tests.fakellm import FakeLLM, Reply
from tests.test_model_run import harden

APP = """\
def double(x):
    return x * 2


def slugify(text):
    words = text.lower().split()
    cleaned = [w.strip(".,!?") for w in words]
    kept = [w for w in cleaned if w]
    joined = "-".join(kept)
    return joined[:40]


def clamp(value, low, high):
    if value < low:
        return low
    return min(value, high)


def parse_pair(text):
    key, _, value = text.partition("=")
    return key.strip(), value.strip()


def shout(text):
    return text.upper() + "!"
"""
EXISTING_TEST = "from app import double\n\n\ndef test_double():\n    assert double(2) == 4\n"

GOOD = """\
from app import slugify


def test_slugify():
    assert slugify("Hi, You!") == "hi-you"
"""
FLAKY = """\
from pathlib import Path

from app import clamp

COUNTER = Path(__file__).with_name("clamp.count")


def test_clamp():
    runs = int(COUNTER.read_text()) if COUNTER.exists() else 0
    COUNTER.write_text(str(runs + 1))
    assert runs % 2 == 0
    assert clamp(5, 0, 3) == 3
"""
NO_GAIN = "from app import double\n\n\ndef test_again():\n    assert double(3) == 6\n"
WRONG = "from app import shout\n\n\ndef test_shout():\n    assert shout('hi') == 'HI'\n"
RIGHT = "from app import shout\n\n\ndef test_shout():\n    assert shout('hi') == 'HI!'\n"


def _test_reply(path: str, content: str) -> Reply:
    return Reply(
        {
            "decision": "fix",
            "title": f"Add {path}",
            "rationale": "The function had no test.",
            "risk": "low",
            "edits": [],
            "new_test_file": {"path": path, "content": content},
        }
    )


def test_scripted_tests_run_keeps_good_tests_and_reports_every_fate(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": EXISTING_TEST})
    with FakeLLM() as llm:
        # First proposals go out in target order (longest untested function first), then
        # each rejected one is retried once, in the same order.
        llm.script(
            _test_reply("tests/test_app_slugify_generated.py", GOOD),
            _test_reply("tests/test_app_clamp_generated.py", FLAKY),
            _test_reply("tests/test_app_parse_pair_generated.py", NO_GAIN),
            _test_reply("tests/test_app_shout_generated.py", WRONG),
            _test_reply("tests/test_app_clamp_generated.py", FLAKY),
            _test_reply("tests/test_app_parse_pair_generated.py", NO_GAIN),
            _test_reply("tests/test_app_shout_generated.py", RIGHT),
        )
        report = harden(repo, llm, tmp_path, "--priority", "tests", "--jobs", "1")
    targets = [f["symbol"] for f in report["findings"]]
    assert targets == ["slugify", "clamp", "parse_pair", "shout"]
    fates = _fates(report)
    print(f"\ntests-priority funnel: {dict(Counter(f for _, f in fates))}")
    assert fates == [
        ("app.py::slugify", "kept"),
        ("app.py::clamp", "flaky"),
        ("app.py::clamp", "flaky"),
        ("app.py::parse_pair", "no coverage gain"),
        ("app.py::parse_pair", "no coverage gain"),
        ("app.py::shout", "failed"),
        ("app.py::shout", "kept"),
    ]
    branch = report["branch"]
    assert branch.startswith("harden/tests/")
    added = git(repo, "diff", "--name-only", f"main..{branch}").split()
    assert added == ["tests/test_app_shout_generated.py", "tests/test_app_slugify_generated.py"]
    run_dir = repo / ".harden" / "runs" / report["run_id"]
    assert "Generated tests" in (run_dir / "report.md").read_text()


def _fates(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["target"], t["fate"]) for t in report["generated_tests"]]


def test_without_a_model_the_targets_are_listed_as_needing_one(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": EXISTING_TEST})
    argv = [sys.executable, "-m", "agent", "--priority", "tests", "--json", "--python"]
    done = subprocess.run(
        [*argv, sys.executable, str(repo)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["needs_model_ids"]) == 4 and report["branch"] is None
    assert {f["rule"] for f in report["findings"]} == {"HT101"}
