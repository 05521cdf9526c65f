from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S105", "S106", "S107", "B105", "B106", "B107"}


def test_signing_key_gets_a_random_fallback(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        from flask import Flask

        app = Flask(__name__)
        app.config["SECRET_KEY"] = "dev-secret-123"  # TODO rotate
        JWT_SECRET = "s3cr3t"
        """,
        RULES,
    )
    assert out.after == (
        "import os\n"
        "import secrets\n"
        "\n"
        "from flask import Flask\n"
        "\n"
        "app = Flask(__name__)\n"
        'app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_hex(32)'
        "  # TODO rotate\n"
        'JWT_SECRET = os.environ.get("JWT_SECRET") or secrets.token_hex(32)\n'
    )
    assert "S105" in {f.rule for f in out.findings_before}
    assert not out.rules_after() & RULES
    assert out.patch is not None and len(out.patch.finding_ids) == 2


def test_other_credentials_come_from_the_environment(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import os

        DB_PASSWORD = "hunter2"
        API_TOKEN: str = "tok-123"
        settings = {"host": "db", "password": "pw"}
        client = connect(token="abc")
        """,
        RULES,
    )
    assert out.after == (
        "import os\n"
        "\n"
        'DB_PASSWORD = os.environ.get("DB_PASSWORD", "")\n'
        'API_TOKEN: str = os.environ.get("API_TOKEN", "")\n'
        'settings = {"host": "db", "password": os.environ.get("PASSWORD", "")}\n'
        'client = connect(token=os.environ.get("TOKEN", ""))\n'
    )
    assert {"S105", "S106", "B105"} & {f.rule for f in out.findings_before}
    assert not out.rules_after() & RULES


def test_env_example_gets_missing_names(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("# settings\nDB_PASSWORD=\nDEBUG=0", encoding="utf-8")
    out = run_fix(
        tmp_path,
        """\
        DB_PASSWORD = "hunter2"
        SECRET_KEY = "abc"
        """,
        RULES,
    )
    assert out.patch is not None
    edits = {e.path: e for e in out.patch.edits}
    assert edits[".env.example"].before == "# settings\nDB_PASSWORD=\nDEBUG=0"
    assert edits[".env.example"].after == "# settings\nDB_PASSWORD=\nDEBUG=0\nSECRET_KEY=\n"


def test_no_env_example_means_no_companion_edit(tmp_path: Path) -> None:
    out = run_fix(tmp_path, 'SECRET_KEY = "abc"\n', RULES)
    assert out.patch is not None
    assert [e.path for e in out.patch.edits] == ["app.py"]


def test_names_about_secrets_and_defaults_are_left_alone(tmp_path: Path) -> None:
    source = """\
    TOKEN_URL = "https://example.com/oauth/token"
    PASSWORD_FIELD = "password"
    TOKEN_TYPE = "Bearer"


    def login(user, password="letmein"):
        return user, password
    """
    out = run_fix(tmp_path, source, RULES)
    assert {"S105", "S107"} <= {f.rule for f in out.findings_before}
    assert out.patch is None


def test_two_values_for_one_variable_are_not_merged(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        primary = {"password": "one"}
        replica = {"password": "two"}
        """,
        RULES,
    )
    assert out.after == (
        "import os\n"
        "\n"
        'primary = {"password": os.environ.get("PASSWORD", "")}\n'
        'replica = {"password": "two"}\n'
    )
