"""Settings precedence and the errors a bad setting produces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.config import (
    DEFAULT_IGNORE,
    Output,
    Settings,
    load_dotenv,
    load_output,
    load_settings,
    priorities_of,
)
from agent.errors import ConfigError
from agent.models import PRIORITY_ORDER, Priority

ENV_KEYS = ("HARDEN_TEST_TIMEOUT", "HARDEN_MAX_FINDINGS", "HARDEN_PYTHON", "HARDEN_LOG_FORMAT")


@pytest.fixture(autouse=True)
def _no_harden_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


def _pyproject(repo: Path, harden: str) -> Path:
    (repo / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.harden]\n{harden}\n', encoding="utf-8"
    )
    return repo


def test_defaults_without_any_source(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {})
    assert settings == Settings(repo=tmp_path)
    assert settings.test_timeout == 600.0
    assert settings.priorities == (Priority.SECURITY,)
    assert settings.priority is Priority.SECURITY
    assert settings.ignore == DEFAULT_IGNORE


def test_precedence_flag_over_env_over_pyproject_over_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _pyproject(tmp_path, 'test-timeout = 30\nmax-findings = 3\ntest-command = "make t"')
    monkeypatch.setenv("HARDEN_TEST_TIMEOUT", "20")
    monkeypatch.setenv("HARDEN_MAX_FINDINGS", "2")
    settings = load_settings(repo, {"test_timeout": 10.0, "max_findings": None})
    assert settings.test_timeout == 10.0  # flag
    assert settings.max_findings == 2  # env (an unset flag is None and does not count)
    assert settings.test_command == "make t"  # pyproject
    assert settings.python is None  # default


def test_pyproject_lists_become_tuples_and_ignore_extends_the_default(tmp_path: Path) -> None:
    repo = _pyproject(tmp_path, 'exclude = ["vendor/*"]\nignore = ["S101", "B404"]')
    settings = load_settings(repo, {})
    assert settings.exclude == ("vendor/*",)
    assert settings.ignore == (*DEFAULT_IGNORE, "S101")


def test_unknown_pyproject_key_is_a_one_line_error(tmp_path: Path) -> None:
    repo = _pyproject(tmp_path, "test-timout = 30")
    with pytest.raises(ConfigError) as caught:
        load_settings(repo, {})
    assert "test-timout" in caught.value.message
    assert "[tool.harden]" in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("harden", "env", "field"),
    [
        ('max-findings = "lots"', {}, "max_findings"),
        ("test-timeout = [1]", {}, "test_timeout"),
        ("", {"HARDEN_TEST_TIMEOUT": "soon"}, "test_timeout"),
    ],
)
def test_invalid_value_is_a_one_line_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    harden: str,
    env: dict[str, str],
    field: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_pyproject(tmp_path, harden), {})
    assert caught.value.message.startswith(f"invalid setting {field}: ")
    assert "\n" not in caught.value.message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.harden\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path, {})


def test_load_dotenv_never_overrides_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARDEN_T_SET", "from-env")
    for key in ("HARDEN_T_NEW", "HARDEN_T_QUOTED"):
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)  # so monkeypatch removes what load_dotenv adds
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\n\nHARDEN_T_SET=from-dotenv\nHARDEN_T_NEW=new\n"
        "export HARDEN_T_QUOTED='a b'\nnot a pair\n",
        encoding="utf-8",
    )
    load_dotenv(dotenv)
    assert os.environ["HARDEN_T_SET"] == "from-env"
    assert os.environ["HARDEN_T_NEW"] == "new"
    assert os.environ["HARDEN_T_QUOTED"] == "a b"


def _fresh(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    """Unset ``keys`` so that monkeypatch removes what load_dotenv sets."""
    for key in keys:
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)


def test_load_dotenv_reads_the_file_as_dotenv_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ("HARDEN_T_KEY", "HARDEN_T_DQ", "HARDEN_T_SQ", "HARDEN_T_EXP", "HARDEN_T_HASH")
    _fresh(monkeypatch, *keys, "HARDEN_T_BARE", "HARDEN_T_REF")
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "HARDEN_T_KEY=sk-abc # my key\n"
        'HARDEN_T_DQ="two words # not a comment"  # a comment\n'
        "HARDEN_T_SQ='single $HOME ${HOME}'\n"
        "export HARDEN_T_EXP=exported\n"
        "HARDEN_T_HASH=pa#ss\n"
        "HARDEN_T_BARE\n"
        "HARDEN_T_REF=${HOME}\n",
        encoding="utf-8",
    )
    load_dotenv(dotenv)
    assert [os.environ[k] for k in keys] == [
        "sk-abc",
        "two words # not a comment",
        "single $HOME ${HOME}",
        "exported",
        "pa#ss",  # a # inside a value is no comment
    ]
    assert "HARDEN_T_BARE" not in os.environ  # a name without a value sets nothing
    assert os.environ["HARDEN_T_REF"] == "${HOME}"  # taken literally, never expanded


def test_load_dotenv_survives_a_file_that_is_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(monkeypatch, "HARDEN_T_LATIN", "HARDEN_T_AFTER")
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"HARDEN_T_LATIN=caf\xe9\nHARDEN_T_AFTER=ok\n")
    load_dotenv(dotenv)
    assert os.environ["HARDEN_T_AFTER"] == "ok"


def test_load_dotenv_without_a_file_does_nothing(tmp_path: Path) -> None:
    before = dict(os.environ)
    load_dotenv(tmp_path / ".env")
    assert dict(os.environ) == before


def test_pass_env_comes_from_pyproject_or_the_flag(tmp_path: Path) -> None:
    _pyproject(tmp_path, 'pass-env = ["DATABASE_URL", "PGHOST"]')
    assert load_settings(tmp_path, {}).pass_env == ("DATABASE_URL", "PGHOST")
    assert load_settings(tmp_path, {"pass_env": ("LD_DEBUG",)}).pass_env == ("LD_DEBUG",)
    assert load_settings(tmp_path, {"allow_unconfined": True}).allow_unconfined


@pytest.mark.parametrize("name", ["A=B", "", "1ABC", "PATH HOME"])
def test_pass_env_refuses_what_is_no_variable_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="invalid setting pass_env"):
        load_settings(tmp_path, {"pass_env": (name,)})


def test_priority_all_is_every_priority_in_run_order(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"priorities": priorities_of("all")})
    assert settings.priorities == PRIORITY_ORDER
    with pytest.raises(ValueError, match="one run takes one priority"):
        _ = settings.priority  # a single run of --priority all is a bug: run_all splits it
    one = load_settings(tmp_path, {"priorities": priorities_of("errors")})
    assert (one.priorities, one.priority) == ((Priority.ERRORS,), Priority.ERRORS)


def test_priorities_are_kept_in_run_order_and_never_empty(tmp_path: Path) -> None:
    chosen = (Priority.TESTS, Priority.SECURITY, Priority.TESTS)
    assert Settings(repo=tmp_path, priorities=chosen).priorities == (
        Priority.SECURITY,
        Priority.TESTS,
    )
    with pytest.raises(ConfigError, match="invalid setting priorities"):
        load_settings(tmp_path, {"priorities": ()})


@pytest.mark.parametrize("presentation", ["json_output", "verbose", "log_format"])
def test_presentation_is_no_run_setting(tmp_path: Path, presentation: str) -> None:
    with pytest.raises(ConfigError, match=f"invalid setting {presentation}"):
        load_settings(tmp_path, {presentation: 1})


def test_output_options_flag_over_env_over_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_output() == Output(as_json=False, verbose=0, log_format="text")
    monkeypatch.setenv("HARDEN_LOG_FORMAT", "json")
    assert load_output(True, 2) == Output(as_json=True, verbose=2, log_format="json")
    assert load_output(log_format="text").log_format == "text"
    monkeypatch.setenv("HARDEN_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="invalid setting log_format"):
        load_output()
