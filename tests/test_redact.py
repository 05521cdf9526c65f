"""Secrets never leave the machine: every planted kind is redacted, the code round-trips.

The secrets are generated at test time (fixed seed) so no real-looking credential is
committed to this repository.
"""

from __future__ import annotations

import ast
import random
import string
from collections.abc import Callable

import pytest

from agent.fix.llm_patch import SearchReplace
from agent.fix.restore import restore_edit
from agent.redaction.secrets import (
    PLACEHOLDER_PREFIX,
    Redactor,
    shannon_entropy,
    stray_placeholders,
)

_rng = random.Random(20261127)


def rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


UPPER = string.ascii_uppercase + string.digits
SECRETS = {
    "aws_key_id": "AKIA" + rand(16, UPPER),
    "aws_sts_id": "ASIA" + rand(16, UPPER),
    "aws_secret": rand(40, string.ascii_letters + string.digits + "/+"),
    "github": "ghp_" + rand(36),
    "github_oauth": "gho_" + rand(36),
    "github_pat": "github_pat_" + rand(22) + "_" + rand(59),
    "openai": "sk-proj-" + rand(48) + "7",
    "openai_legacy": "sk-" + rand(40) + "3",
    "anthropic": "sk-ant-api03-" + rand(80, string.ascii_letters + string.digits + "_-"),
    "slack": "xoxb-" + rand(12, string.digits) + "-" + rand(24),
    "google": "AIza" + rand(35),
    "stripe": "sk_live_" + rand(24),
    "stripe_restricted": "rk_live_" + rand(24),
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + rand(43),
    "password": "hunter2-" + rand(6),
    "db_password": "S3cure!" + rand(5),
    "dict_api_key": rand(32),
    "kwarg_token": rand(28),
    "conn_password": "p4ss" + rand(8),
    "secret_key": rand(50, string.ascii_letters + string.digits + "-_"),
    "env_default": "dev-" + rand(12),
    "bearer": rand(40),
}
PEM_BODY = "\n".join(rand(64, string.ascii_letters + string.digits + "+/") for _ in range(5))
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----"
S = SECRETS
CODE = f'''
import os

import boto3
import requests

AWS_ACCESS_KEY_ID = "{S["aws_key_id"]}"
session_creds = {{"AccessKeyId": "{S["aws_sts_id"]}"}}
aws_secret_access_key = "{S["aws_secret"]}"
GITHUB_TOKEN = "{S["github"]}"
gh = Github(auth="{S["github_oauth"]}")
pat = "{S["github_pat"]}"
client = OpenAI(api_key="{S["openai"]}")
legacy_key = "{S["openai_legacy"]}"
ANTHROPIC = os.environ.get("ANTHROPIC_API_KEY", "{S["anthropic"]}")
slack_hook = SlackClient("{S["slack"]}")
MAPS_KEY = "{S["google"]}"
stripe.api_key = '{S["stripe"]}'
RESTRICTED = '{S["stripe_restricted"]}'
SESSION = "{S["jwt"]}"
PRIVATE_KEY = """{PEM}"""


class Settings:
    password: str = "{S["password"]}"
    SECRET_KEY = "{S["secret_key"]}"


def connect(user):
    db_password = "{S["db_password"]}"
    config = {{"api_key": "{S["dict_api_key"]}", "timeout": 5}}
    login(user, token="{S["kwarg_token"]}")
    url = "postgres://admin:{S["conn_password"]}@db.internal:5432/app"
    pw = os.getenv("DB_PASSWORD", "{S["env_default"]}")
    headers = {{"Authorization": "Bearer {S["bearer"]}"}}
    return requests.get(url, headers=headers, timeout=5), db_password, config
'''

NOT_SECRETS = """
TOKEN_URL = "https://auth.example.com/oauth/token"
password_field = "password"
PASSWORD_ENV = "DB_PASSWORD"
token = os.environ["API_TOKEN"]
request_id = "550e8400-e29b-41d4-a716-446655440000"
trace_uuid = "6f1c2e7a-9b3d-4c8e-a1f2-0d4b5c6e7f80"
api_key = "abc"
secret_name = "prod/db/credentials"
token_type = "bearer"
key = "user_id"
cache_key = "users:all"
password_hint = "at least 12 characters"
url = "postgres://{user}:{password}@localhost/db"
login_path = "/api/v1/login"
sha = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
if user.password == "":
    pass
"""


def test_every_planted_secret_is_redacted() -> None:
    redactor = Redactor()
    out = redactor.redact(CODE)
    leaked = [kind for kind, value in SECRETS.items() if value in out]
    assert leaked == []
    assert PEM_BODY.splitlines()[0] not in out
    assert "-----BEGIN" not in out
    assert redactor.found == len(SECRETS) + 1


def test_redacted_code_stays_valid_python_with_names_kept() -> None:
    out = Redactor().redact(CODE)
    ast.parse(out)
    assert 'db_password = "HARDEN_REDACTED_' in out
    assert '{"api_key": "HARDEN_REDACTED_' in out
    assert 'token="HARDEN_REDACTED_' in out
    assert "postgres://admin:HARDEN_REDACTED_" in out
    assert "@db.internal:5432/app" in out


def test_restore_inverts_redact() -> None:
    redactor = Redactor()
    assert redactor.restore(redactor.redact(CODE)) == CODE


def test_same_secret_same_placeholder_across_texts() -> None:
    redactor = Redactor()
    first = redactor.redact(f'token = "{S["github"]}"\n')
    second = redactor.redact(f'GITHUB = "{S["github"]}"\nother = "{S["slack"]}"\n')
    ph = f"HARDEN_REDACTED_{redactor.token}"
    assert first == f'token = "{ph}_1"\n'
    assert second == f'GITHUB = "{ph}_1"\nother = "{ph}_2"\n'
    assert redactor.found == 2


def test_model_edits_are_restored() -> None:
    redactor = Redactor()
    redactor.redact(f'password = "{S["password"]}"\n')
    ph = f"HARDEN_REDACTED_{redactor.token}"
    edit = f'password = os.environ.get("APP_PASSWORD", "{ph}_1")\n'
    restored = f'password = os.environ.get("APP_PASSWORD", "{S["password"]}")\n'
    assert redactor.restore(edit) == restored
    assert redactor.restore(f"{ph}_12") == f"{ph}_12"
    assert redactor.restore("HARDEN_REDACTED_1") == "HARDEN_REDACTED_1"  # not its format


def test_non_secrets_are_left_alone() -> None:
    redactor = Redactor()
    assert redactor.redact(NOT_SECRETS) == NOT_SECRETS
    assert redactor.found == 0


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (f'SIGNING_KEY = "{rand(32)}"', True),
        ('SIGNING_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"', True),  # a strong name needs no entropy
        (f'salt = "{rand(24)}"', True),
        ('salt = "aaaaaaaaaaaaaaaaaaaaaaaa"', False),  # a weak name needs entropy
        ('cache_key = "aaaaaaaaaaaaaaaaaaaaaaaa"', False),
        (f'build_hash = "{rand(32)}"', False),  # high entropy, but not a secret-like name
    ],
)
def test_entropy_only_decides_for_weak_names(line: str, redacted: bool) -> None:
    assert (PLACEHOLDER_PREFIX in Redactor().redact(line)) is redacted


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0


def test_large_blob_is_fast() -> None:
    blob = 'data = "' + rand(200_000, string.ascii_letters + string.digits + "+/") + '"\n'
    assert Redactor().redact(blob) == blob


RESTORE_CODE = (
    "def f():\n"
    f'    password = "{S["password"]}"\n'
    f'    key = "{S["aws_key_id"]}"\n'
    "    return pickle.loads(b)\n"
)


@pytest.mark.parametrize(
    ("change", "restored"),
    [
        (lambda c, p: c.replace("pickle", "json"), True),  # secret lines kept as they were
        (lambda c, p: c.replace(f'"{p[1]}"', f'"{p[1]}"  # noqa: S105'), True),  # same line
        (lambda c, p: c.replace("    return", "    x = 1\n    return"), True),
        (lambda c, p: c.replace("    return", f'    print("{p[0]} {p[1]}")\n    return'), False),
        (lambda c, p: c.replace("    return", f'    backup = "{p[0]}"\n    return'), False),
        (lambda c, p: c.replace(f'"{p[0]}"', f'os.environ.get("PW", "{p[0]}")'), False),
        (lambda c, p: c.replace("password =", "other ="), False),  # bound to another name
    ],
)
def test_a_placeholder_is_restored_only_where_it_stood(
    change: Callable[[str, list[str]], str], restored: bool
) -> None:
    redactor = Redactor(RESTORE_CODE)
    sent = redactor.redact(RESTORE_CODE)
    placeholders = redactor.pattern.findall(sent)
    replace = change(sent, placeholders)
    edit = restore_edit(SearchReplace(path="a.py", search=sent, replace=replace), redactor)
    assert edit.search == RESTORE_CODE
    stray = stray_placeholders(RESTORE_CODE, edit.replace)
    assert (stray == []) is restored
    assert edit.replace.count(S["password"]) <= 1
    assert edit.replace.count(S["aws_key_id"]) <= 1


def test_placeholders_never_collide_with_the_code() -> None:
    code = 'a = "HARDEN_REDACTED_1"\nb = "HARDEN_REDACTED_0badc0de_1"\n'
    code += f'token = "{S["github"]}"\n'
    redactor = Redactor(code)
    sent = redactor.redact(code)
    assert f"HARDEN_REDACTED_{redactor.token}_1" in sent
    assert redactor.restore(sent) == code
    assert Redactor(code).token == redactor.token  # same code, same token: the cache hits
