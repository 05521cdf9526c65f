"""Reports on real repositories: a weak secret value never corrupts or loses the record."""

from __future__ import annotations

import json

from agent.redaction.secrets import REDACTED, redact_fixed
from tests.conftest import GitRepo, git
from tests.test_run import harden

APP = """\
import yaml

password = "pass"


def load(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)


def check(given):
    return given == password
"""
TEST = """\
from app import check, load


def test_check():
    assert check("pass")
    assert not check("password")


def test_load(tmp_path):  # reaches the fixed function: its tests stage runs it
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\\n")
    assert load(path) == {"a": 1}
"""


def test_a_short_password_value_is_redacted_without_corrupting_the_report(
    make_repo: GitRepo,
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    run_dir = repo / ".harden" / "runs" / report["run_id"]
    written = json.loads((run_dir / "report.json").read_text())
    statuses = {s["status"] for v in written["verdicts"] for s in v["stages"]}
    assert "passed" in statuses and statuses <= {"passed", "failed", "skipped"}
    text = (run_dir / "report.md").read_text() + json.dumps(written)
    assert "<redacted>ed" not in text and "<redacted>word" not in text
    assert 'password = "pass"' not in text  # the value itself is still redacted in code
    log = git(repo, "log", "--format=%B", f"main..{report['branch']}")
    assert "tests: ok" in log and "<redacted>ed" not in log


def test_a_report_that_cannot_be_written_keeps_a_record_and_names_the_branch(
    make_repo: GitRepo,
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    first = json.loads(harden(repo, "run", "--json").stdout)
    run_dir = repo / ".harden" / "runs" / first["run_id"]
    journal = run_dir / "journal.jsonl"  # as if the run had been interrupted before its end
    lines = journal.read_text().splitlines()
    journal.write_text("".join(f"{line}\n" for line in lines if '"end"' not in line))
    (run_dir / "report.md").unlink()
    (run_dir / "report.md").mkdir()  # report.md cannot be written

    done = harden(repo, "run", "--resume", first["run_id"])

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: the run's report could not be written")
    assert f"fix(es) are on branch {first['branch']}" in last
    record = json.loads((run_dir / "record.json").read_text())
    assert record["branch"] == first["branch"]
    assert [c["sha"] for c in record["commits"]] == [c["sha"] for c in first["commits"]]


def test_known_values_are_redacted_as_whole_tokens_when_they_look_like_secrets() -> None:
    assert redact_fixed("2 passed in 0.1s; pass", ["pass"]) == "2 passed in 0.1s; pass"
    token = "hunter2-x7Q"
    text = f"echo {token}; {token}abc; ({token})"
    assert redact_fixed(text, [token]) == f"echo {REDACTED}; {token}abc; ({REDACTED})"
    assert redact_fixed('password = "pass"') == f'password = "{REDACTED}"'
