"""A repo full of planted secrets, generated from a fixed seed at test time.

No real-looking credential is committed: the values are drawn from ``random.Random`` when
``planted_secrets`` is called. ``corpus_files`` puts them where harden will look: module
constants, a config dict, a PEM block, a postgres URL, and inside the functions whose
``pickle.loads`` findings go to the model (so the code around the secrets is sent).
"""

from __future__ import annotations

import random
import string
from typing import Any

__all__ = [
    "ABSTAIN",
    "ECHO_FIX",
    "NOT_SECRET_LINES",
    "SEED",
    "corpus_files",
    "leaked",
    "more_kinds",
    "planted_secrets",
]

SEED = 20261128
_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits
ABSTAIN: dict[str, Any] = {
    "decision": "no_safe_fix",
    "title": "No safe fix",
    "rationale": "Callers depend on unpickling arbitrary objects.",
    "risk": "high",
    "edits": [],
    "new_test_file": None,
}

# A "fix" for load_cache whose test failure prints the cache DSN, password included: the
# rejection detail shows it, and is fed back to the model and written to the report.
ECHO_FIX: dict[str, Any] = {
    **ABSTAIN,
    "decision": "fix",
    "title": "Return the cache entry safely",
    "rationale": "Avoid pickle.",
    "risk": "low",
    "edits": [
        {
            "path": "service.py",
            "search": "    return pickle.loads(blob) if blob else None\n",
            "replace": "    return dsn\n",
        }
    ],
}


def planted_secrets(seed: int = SEED) -> dict[str, str]:
    """One value per kind of secret; PEM body lines are listed one by one."""
    rng = random.Random(seed)

    def rand(n: int, alphabet: str = _ALNUM) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    secrets = {
        "aws_key_id": "AKIA" + rand(16, _UPPER),
        "aws_secret": rand(40, _ALNUM + "/+"),
        "github": "ghp_" + rand(36),
        "github_pat": "github_pat_" + rand(22) + "_" + rand(59),
        "openai": "sk-proj-" + rand(44) + "7",
        "anthropic": "sk-ant-api03-" + rand(80, _ALNUM + "_-"),
        "db_password": "Pw-" + rand(14),
        "config_password": "cfg-" + rand(12),
        "local_password": "loc-" + rand(12),
        "jwt_secret": rand(48),
        "cookie_salt": rand(32),
        "pg_password": "pg" + rand(14),
    }
    secrets |= {f"pem_line_{i}": rand(64, _ALNUM + "+/") for i in range(4)}
    return secrets


def _pem(s: dict[str, str]) -> str:
    body = "\n".join(s[f"pem_line_{i}"] for i in range(4))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"


def _settings(s: dict[str, str]) -> str:
    return f'''"""Settings of the service."""

AWS_ACCESS_KEY_ID = "{s["aws_key_id"]}"
AWS_SECRET_ACCESS_KEY = "{s["aws_secret"]}"
GITHUB_PAT = "{s["github_pat"]}"
ANTHROPIC_KEY = "{s["anthropic"]}"
DB_PASSWORD = "{s["db_password"]}"
JWT_SECRET = "{s["jwt_secret"]}"
COOKIE_SIGNING_SALT = "{s["cookie_salt"]}"
DATABASE_URL = "postgresql://app:{s["pg_password"]}@db.internal:5432/prod"
CONFIG = {{"user": "app", "password": "{s["config_password"]}", "port": 5432}}
PRIVATE_KEY = """{_pem(s)}"""
'''


def _service(s: dict[str, str]) -> str:
    return f'''"""Sessions and jobs, read from client blobs."""

import pickle


def load_profile(blob):
    """A user profile; an empty blob is no profile."""
    token = "{s["github"]}"
    password = "{s["local_password"]}"
    headers = {{"Authorization": "token " + token, "X-Password": password}}
    profile = pickle.loads(blob) if blob else None
    return profile


def load_job(blob):
    """A queued job, with the key its worker uses."""
    client_key = "{s["openai"]}"
    job = pickle.loads(blob) if blob else None
    return job


def load_cache(blob):
    """A cache entry."""
    dsn = "postgresql://cache:{s["pg_password"]}@cache.internal/c"
    return pickle.loads(blob) if blob else None
'''


_TEST = """from service import load_cache, load_job, load_profile


def test_empty_blobs_are_nothing():
    assert load_profile(b"") is None
    assert load_job(b"") is None
    assert load_cache(b"") is None
"""


def corpus_files(secrets: dict[str, str]) -> dict[str, str]:
    """The files of the planted repo, by path."""
    return {
        "settings.py": _settings(secrets),
        "service.py": _service(secrets),
        "tests/test_service.py": _TEST,
    }


def leaked(secrets: dict[str, str], data: bytes) -> list[str]:
    """The names of the secrets whose value appears in ``data``."""
    return [name for name, value in secrets.items() if value.encode() in data]


def more_kinds(seed: int = SEED) -> dict[str, tuple[str, str]]:
    """Kinds the first corpus lacked, by name: (a line of code holding it, the secret)."""
    rng = random.Random(seed + 1)

    def rand(n: int, alphabet: str = _ALNUM) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    hexa = "0123456789abcdef"
    kinds = {
        "basic_auth_tuple": ('requests.get(url, auth=("admin", "{}"))', "Pw" + rand(12)),
        "authorization_token": ('headers = {{"Authorization": "Token {}"}}', rand(40, hexa)),
        "authorization_basic": ('raw = "Authorization: Basic {}"', rand(28) + "=="),
        "http_basic_auth": ('auth = HTTPBasicAuth("deploy", "{}")', "Dp-" + rand(12)),
        "smtp_login": ('smtp.login("alerts@example.com", "{}")', "Sm-" + rand(12)),
        "shell_env_password": ('os.system("PGPASSWORD={} psql -h db")', "pg" + rand(12)),
        "cli_password_flag": ('argv = ["mysqldump", "--password={}", "prod"]', "My" + rand(12)),
        "curl_user": ('cmd = "curl -u deploy:{} https://api.internal/x"', "Cu" + rand(12)),
        "mysql_p": ('cmd = "mysql -u root -p{} app"', "Ms" + rand(12)),
        "slack_webhook": (
            'HOOK = "{}"',
            f"https://hooks.slack.com/services/T{rand(8, _UPPER)}/B{rand(8, _UPPER)}/{rand(24)}",
        ),
        "sendgrid": ('SENDGRID = "{}"', f"SG.{rand(22)}.{rand(43)}"),
        "twilio": ('twilio_sid = "{}"', "SK" + rand(32, hexa)),
        "npm": ('NPM = "{}"', "npm_" + rand(36)),
        "pypi": ('PYPI = "{}"', "pypi-AgEIcHlwaS5vcmc" + rand(60)),
        "telegram": ('BOT = "{}"', f"{rng.randint(10**8, 10**9)}:AA{rand(33)}"),
        "mailchimp": ('MC = "{}"', rand(32, hexa) + "-us12"),
        "gitlab": ('GITLAB = "{}"', "glpat-" + rand(20)),
        "stripe_restricted": ('STRIPE = "{}"', "rk_live_" + rand(24)),
        "azure_storage": (
            'conn = "DefaultEndpointsProtocol=https;AccountName=x;AccountKey={}"',
            rand(86, _ALNUM + "+/") + "==",
        ),
    }
    return {name: (line.format(value), value) for name, (line, value) in kinds.items()}


# Ordinary code that must come out of redaction unchanged: what the model sees is the code
# it fixes.
NOT_SECRET_LINES = (
    'digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    'commit = "da39a3ee5e6b4b0d3255bfef95601890afd80709"',
    'request_id = "0b5f3e0a-6f3c-4a8e-9d1b-2c7e8f9a1b3c"',
    'PATTERN = r"^[A-Za-z0-9+/=_-]{20,}$"',
    'password_field = "password"',
    'TOKEN_URL = "https://auth.example.com/oauth/token"',
    'password = os.environ["DB_PASSWORD"]',
    'api_key = settings.get("api_key")',
    'headers = {"Authorization": "Bearer " + token}',
    'headers = {"Authorization": f"Token {token}"}',
    "auth = (user, password)",
    "smtp.login(user, password)",
    'cmd = ["psql", "-h", host, "-U", user]',
    'parser.add_argument("--password", help="the database password")',
    'ICON = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA"',
    'url = "postgresql://{user}:{password}@{host}/app"',
    'TEMPLATE = "Hello {name}, your code is {code}"',
    'MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"',
    'SERVER = "10.20.30.40"',
    'if password == "":',
)
