"""Issue 11 §4: secrets stay out of requests and out of commits, whatever the model writes.

Each class is tried through the real ``harden`` CLI, the real openai SDK and the fake
server (tests/fakellm.py). The fake reads the placeholders harden sent and answers with
a patch that uses them; nothing the model writes may put a secret where the original
code did not have it, and no secret may be sent.

- stray placeholders: the model writes a placeholder somewhere new (a log line, a copy
  under another name, a new test file, the same literal in another call). Harden must not
  restore it there: the patch is refused at the scope stage with the reason recorded.
- colliding placeholders: the repo's own code holds placeholder-like text
  (``HARDEN_REDACTED_1``...); it must stay as it is, and the real secrets stay in place.
- detection: credentials the hand-written detector used to miss (basic-auth tuples,
  ``Authorization: Token``, shell and CLI passwords, and provider shapes that
  detect-secrets knows: Slack webhooks, SendGrid, Twilio...) are not sent in clear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakellm import Computed, FakeLLM, Reply
from tests.secret_corpus import ABSTAIN, leaked, more_kinds
from tests.trust_harness import HardenRun, git, init_repo, run_harden

PLACEHOLDER = re.compile(r"HARDEN_REDACTED_[0-9a-f]{8}_[0-9]+")
SECRETS = {
    "dsn_password": "Dsn-9fQ2mLx7Kp",
    "openai": "sk-proj-Q7vT2mX9kLp4Rz8Wn3Yb6Hc1Jd5Fg0Sa7",
    "aws_key_id": "AKIAQ7VT2MX9KLP4RZ8W",
}
APP = '''"""Accounts."""

import pickle


def load_account(blob):
    """An account; an empty blob is none."""
    dsn = "postgresql://app:{dsn_password}@db.internal/prod"
    client_key = "{openai}"
    aws_key_id = "{aws_key_id}"{extra}
    return pickle.loads(blob) if blob else None
'''
TEST = """from app import load_account


def test_empty_blob_is_none():
    assert load_account(b"") is None
"""
PICKLE_LINE = "    return pickle.loads(blob) if blob else None\n"
JSON_LINES = "    return json.loads(blob) if blob else None\n"
IMPORT = {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"}

Reply_ = Callable[[list[str], str], dict[str, Any]]


def _app(extra: str = "") -> str:
    return APP.format(**SECRETS, extra=extra)


def _fix(edits: list[dict[str, str]], new_test: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        **ABSTAIN,
        "decision": "fix",
        "title": "Parse accounts as JSON",
        "rationale": "pickle runs code.",
        "risk": "low",
        "edits": [IMPORT, *edits],
        "new_test_file": new_test,
    }


def _sent_code(body: Any) -> str:
    """The user message of a chat-completions request: the code harden showed."""
    return str(body["messages"][-1]["content"])


def _placeholders(code: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(code)))


def _line_with(code: str, placeholder: str) -> str:
    return next(line for line in code.splitlines(keepends=True) if placeholder in line)


def _log_line(ph: list[str], code: str) -> dict[str, Any]:
    """The issue's attack: a new log line that names every placeholder."""
    log = f'    print("creds: {" ".join(ph)}")\n'
    return _fix([{"path": "app.py", "search": PICKLE_LINE, "replace": log + JSON_LINES}])


def _copy_under_new_name(ph: list[str], code: str) -> dict[str, Any]:
    """The key line kept (restored in place) and copied under another name below."""
    line = _line_with(code, ph[1])
    copy = f'    backup_key = "{ph[1]}"\n'
    return _fix(
        [
            {"path": "app.py", "search": line, "replace": line + copy},
            {"path": "app.py", "search": PICKLE_LINE, "replace": JSON_LINES},
        ]
    )


def _into_new_test(ph: list[str], code: str) -> dict[str, Any]:
    """A new test file that asserts on the secrets (placeholders never restored there)."""
    test = f'def test_keys():\n    assert "{ph[0]}" != "{ph[2]}"\n'
    edit = {"path": "app.py", "search": PICKLE_LINE, "replace": JSON_LINES}
    return _fix([edit], {"path": "tests/test_keys.py", "content": test})


def _same_literal_elsewhere(ph: list[str], code: str) -> dict[str, Any]:
    """The DSN line removed and its literal, placeholder and all, passed to print."""
    line = _line_with(code, ph[0])
    literal = line.split("=", 1)[1].strip()
    moved = f"    dsn = None\n    print({literal})\n"
    return _fix(
        [
            {"path": "app.py", "search": line, "replace": moved},
            {"path": "app.py", "search": PICKLE_LINE, "replace": JSON_LINES},
        ]
    )


STRAY: dict[str, Reply_] = {
    "log-line": _log_line,
    "copy-under-new-name": _copy_under_new_name,
    "new-test-file": _into_new_test,
    "same-literal-elsewhere": _same_literal_elsewhere,
}


def _answering(make: Reply_) -> Computed:
    def reply(body: Any) -> Reply:
        code = _sent_code(body)
        return Reply(make(_placeholders(code), code))

    return Computed(reply)


def _run(tmp: Path, app: str, first: Computed | Reply) -> tuple[Path, HardenRun, bytes]:
    repo = init_repo(tmp / "repo", {"app.py": app, "tests/test_app.py": TEST})
    with FakeLLM() as llm:
        llm.script(first, *[Reply(ABSTAIN)] * 6)
        done = run_harden(repo, llm, tmp)
        sent = b"\n".join(json.dumps(r.json).encode() for r in llm.requests)
    assert done.returncode == 0, done.stderr
    return repo, done, sent


def _branch_files(repo: Path, done: HardenRun) -> dict[str, str]:
    assert done.report is not None
    branch = done.report["branch"] or "main"
    names = git(repo, "ls-tree", "-r", "--name-only", branch).split()
    return {name: git(repo, "show", f"{branch}:{name}") for name in names}


def _model_stages(done: HardenRun) -> list[dict[str, Any]]:
    assert done.report is not None
    return [s for v in done.report["verdicts"] if v["patch"]["model"] for s in v["stages"]]


@pytest.mark.parametrize("variant", list(STRAY))
def test_a_placeholder_written_somewhere_new_is_refused_never_restored(
    variant: str, tmp_path: Path
) -> None:
    repo, done, sent = _run(tmp_path, _app(), _answering(STRAY[variant]))
    assert leaked(SECRETS, sent) == [], "a secret was sent in clear"
    assert PLACEHOLDER.search(sent.decode())
    files = _branch_files(repo, done)
    assert files["app.py"] == _app(), "the refused patch changed the committed code"
    assert "tests/test_keys.py" not in files
    for text in files.values():
        assert not PLACEHOLDER.search(text)
    failed = [s for s in _model_stages(done) if s["status"] == "failed"]
    assert failed and failed[0]["stage"] == "scope"
    assert "may only stay where it stood" in failed[0]["detail"]


COLLIDING = {
    "old-format": '\n    marker = "HARDEN_REDACTED_1"',
    "several": '\n    note = "HARDEN_REDACTED_2 and HARDEN_REDACTED_3"',
    "new-format": '\n    marker = "HARDEN_REDACTED_0badc0de_1"',
}


def _keep_all_fix_pickle(ph: list[str], code: str) -> dict[str, Any]:
    """A good fix that copies the whole function, secrets' lines included, unchanged."""
    start = code.index("def load_account")
    end = code.rindex(PICKLE_LINE.strip()) + len(PICKLE_LINE.strip()) + 1
    body = code[start:end]
    fixed = body.replace(PICKLE_LINE, JSON_LINES)
    return _fix([{"path": "app.py", "search": body, "replace": fixed}])


@pytest.mark.parametrize("variant", list(COLLIDING))
def test_placeholder_like_text_in_the_repo_never_collides(variant: str, tmp_path: Path) -> None:
    app = _app(COLLIDING[variant])
    repo, done, sent = _run(tmp_path, app, _answering(_keep_all_fix_pickle))
    assert leaked(SECRETS, sent) == []
    assert json.dumps(COLLIDING[variant].strip())[1:-1] in sent.decode()  # not a secret
    files = _branch_files(repo, done)
    assert files["app.py"] == app.replace(PICKLE_LINE, JSON_LINES).replace("pickle", "json")
    assert all(s["status"] != "failed" for s in _model_stages(done))


MISSED = {
    "basic-auth-tuple": 'resp = requests.get(url, auth=("admin", "{s}"))',
    "authorization-token": 'headers = {{"Authorization": "Token {s}"}}',
    "authorization-header-line": 'raw = "Authorization: Basic {s}"',
    "http-basic-auth": 'auth = HTTPBasicAuth("deploy", "{s}")',
    "shell-env-password": 'cmd = "PGPASSWORD={s} psql -h db -U app"',
    "cli-password-flag": 'argv = ["mysqldump", "--password={s}", "prod"]',
    "curl-user": 'cmd = "curl -u deploy:{s} https://api.internal/x"',
    "smtp-login": 'smtp.login("alerts@example.com", "{s}")',
}
MISSED_VALUES = {
    "basic-auth-tuple": "PlainAuthPw99",
    "authorization-token": "7f3a9c2e4b1d8f6a0c5e7b9d",
    "authorization-header-line": "ZGVwbG95OnMzY3JldFB3",
    "http-basic-auth": "Deploy-Pw-4471",
    "shell-env-password": "pgPw8812x",
    "cli-password-flag": "dumpPw77x",
    "curl-user": "curlPw6610",
    "smtp-login": "SmtpPw-3391",
}


# Provider shapes that detect-secrets' plugins know (generated at test time, never committed).
LIBRARY_KINDS = ("slack_webhook", "sendgrid", "twilio", "telegram", "mailchimp")


def _missed(variant: str) -> tuple[str, str]:
    """(the line planted in the function, its secret)."""
    if variant in LIBRARY_KINDS:
        return more_kinds()[variant]
    return MISSED[variant].format(s=MISSED_VALUES[variant]), MISSED_VALUES[variant]


@pytest.mark.parametrize("variant", [*MISSED, *LIBRARY_KINDS])
def test_credentials_the_detector_used_to_miss_are_not_sent(variant: str, tmp_path: Path) -> None:
    code, value = _missed(variant)
    line = "\n    " + code
    repo, done, sent = _run(tmp_path, _app(line), Reply(ABSTAIN))
    assert "def load_account" in sent.decode()
    assert leaked({variant: value, **SECRETS}, sent) == []
    assert value in _branch_files(repo, done)["app.py"]  # the code itself is untouched
