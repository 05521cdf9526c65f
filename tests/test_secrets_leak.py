"""Planted secrets never leave the machine, nor land in anything harden writes.

A repo with every kind of secret (tests/secret_corpus.py, generated from a fixed seed) is
run through harden with a model; the groups sent to the fake server are the functions
that hold secrets, and one scripted "fix" makes the tests print a secret. No value may
appear in a request body, the ledger's bytes, any file of the run, stdout or stderr, or
the commit messages on the harden branch.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from agent.log import JsonFormatter, get_logger
from agent.models import FileEdit, Patch, Verdict, stable_finding_id
from agent.redaction.secrets import REDACTED, find_secrets, redact_fixed
from agent.run.commit_message import commit_message
from tests.conftest import git
from tests.fakellm import FakeLLM, Reply
from tests.secret_corpus import ABSTAIN, ECHO_FIX, corpus_files, leaked, planted_secrets
from tests.trust_harness import HardenRun, init_repo, run_harden

SECRETS = planted_secrets()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HardenRun, list[bytes]]:
    """One harden run on the planted repo: its repo, result and the request bodies."""
    tmp = tmp_path_factory.mktemp("planted")
    repo = init_repo(tmp / "repo", corpus_files(SECRETS))
    with FakeLLM() as llm:
        # load_profile, load_job, then load_cache gets the echoing fix; its retry abstains.
        llm.script(Reply(ABSTAIN), Reply(ABSTAIN), Reply(ECHO_FIX), *[Reply(ABSTAIN)] * 8)
        done = run_harden(repo, llm, tmp, "-vv")
    assert done.returncode == 0, done.stderr
    bodies = [json.dumps(r.json).encode() for r in llm.requests]
    return repo, done, bodies


def test_the_code_around_the_secrets_was_sent_without_them(
    planted: tuple[Path, HardenRun, list[bytes]],
) -> None:
    _, _, bodies = planted
    sent = b"\n".join(bodies)
    assert len(bodies) >= 4
    for code in (b"def load_profile", b"def load_job", b"def load_cache", b"client_key"):
        assert code in sent
    assert b"rejected at the tests stage" in sent  # the echoed secret went back, redacted
    assert leaked(SECRETS, sent) == []


def test_no_secret_in_the_ledger_the_run_files_or_the_output(
    planted: tuple[Path, HardenRun, list[bytes]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo, done, _ = planted
    ledgers = list(tmp_path_factory.getbasetemp().rglob("ledger.sqlite*"))
    run_files = [p for p in (repo / ".harden" / "runs" / done.run_id).rglob("*") if p.is_file()]
    assert ledgers and {"report.json", "report.md", "findings.sarif", "harden.log"} <= {
        p.name for p in run_files
    }
    for path in [*ledgers, *run_files]:
        assert leaked(SECRETS, path.read_bytes()) == [], path
    assert leaked(SECRETS, (done.stdout + done.stderr).encode()) == []


def test_the_reports_show_where_secrets_were_redacted(
    planted: tuple[Path, HardenRun, list[bytes]],
) -> None:
    _, done, _ = planted
    assert done.report is not None
    lines = [f["source_line"] for f in done.report["findings"]]
    assert f'DB_PASSWORD = "{REDACTED}"' in lines
    rejected = [v for v in done.report["verdicts"] if v["patch"]["model"]]
    assert any(REDACTED in s["detail"] for v in rejected for s in v["stages"])


def test_commit_messages_on_the_branch_hold_no_secret(
    planted: tuple[Path, HardenRun, list[bytes]],
) -> None:
    repo, done, _ = planted
    assert done.report is not None and done.report["branch"]
    messages = git(repo, "log", "--format=%B", f"main..{done.report['branch']}")
    assert "Harden-Finding" in messages and leaked(SECRETS, messages.encode()) == []


def test_finding_ids_are_hashed_from_the_raw_line(
    planted: tuple[Path, HardenRun, list[bytes]],
) -> None:
    _, done, _ = planted
    assert done.report is not None
    [finding] = [f for f in done.report["findings"] if "DB_PASSWORD" in f["source_line"]]
    raw = f'DB_PASSWORD = "{SECRETS["db_password"]}"'
    expected = stable_finding_id(finding["rule"], "settings.py", "<module>", raw, 0)
    assert finding["id"] == expected


def test_a_quoted_secret_leaves_the_message_with_its_line() -> None:
    line = f'CONFIG = {{"password": "{SECRETS["config_password"]}"}}'
    message = f"Possible hardcoded password: '{SECRETS['config_password']}'"
    assert redact_fixed(message, find_secrets(line)) == f"Possible hardcoded password: '{REDACTED}'"
    assert redact_fixed(f"echo {SECRETS['github']} done") == f"echo {REDACTED} done"


def test_log_records_are_redacted(tmp_path: Path) -> None:
    from agent.log import log_to_file

    path = tmp_path / "harden.log"
    with log_to_file(path):
        get_logger("test").warning("token=%r", SECRETS["github"])
        error = ValueError(f'password = "{SECRETS["db_password"]}"')
        get_logger("test").error("failed", exc_info=(ValueError, error, None))
    text = path.read_text()
    assert REDACTED in text and leaked(SECRETS, text.encode()) == []
    record = logging.LogRecord("harden.x", 30, "f", 1, "%s", (SECRETS["openai"],), None)
    assert SECRETS["openai"] in JsonFormatter().format(record)  # only the filter redacts


def test_a_commit_message_keeps_the_secrets_of_the_changed_file_out() -> None:
    before = f'PASSWORD = "{SECRETS["db_password"]}"\n'
    patch = Patch(
        finding_ids=(),
        fixer="codemod",
        title="Fix",
        rationale=f"it printed {SECRETS['db_password']}",
        edits=(FileEdit(path="a.py", before=before, after="PASSWORD = None\n"),),
    )
    message = commit_message(Verdict(patch=patch, stages=()), [])
    assert SECRETS["db_password"] not in message and REDACTED in message


def test_a_secret_default_after_an_annotated_parameter_is_redacted() -> None:
    # The annotation of ``host`` used to swallow the assignment to ``password``.
    line = f'def connect(host: str, password="{SECRETS["local_password"]}"):'
    assert redact_fixed(line) == f'def connect(host: str, password="{REDACTED}"):'
    assert redact_fixed(f'ValueError: password = "{SECRETS["db_password"]}"').endswith(
        REDACTED + '"'
    )
