"""Settings for one run, from: flag > environment (HARDEN_*) > .env > [tool.harden] > default.

``Settings`` is the run's policy (what to fix, how, at what cost); ``Output`` is how a
command shows what it did (JSON or tables, log verbosity) and never reaches the run;
``Environment`` is every other variable harden reads. This module is the one reader of the
environment (tests/test_environment.py keeps it so); ``.env.example`` documents each variable.
``main()`` loads ``.env`` into the environment (never overriding what is already set), so
here the environment already holds .env's values.
"""

from __future__ import annotations

import io
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from agent.errors import ConfigError
from agent.models import PRIORITY_ORDER, Priority

__all__ = [
    "DEFAULT_IGNORE",
    "PROVIDER_VARIABLES",
    "CustomDirs",
    "Environment",
    "Output",
    "Settings",
    "custom_dirs",
    "load_dotenv",
    "load_output",
    "load_settings",
    "priorities_of",
    "read_environment",
]

# Informational rules that flag imports, or the *safe* form of what we fix: B403/B404
# flag any `import pickle` / `import subprocess` (the dangerous calls are S301 and
# S602-S605, which stay); S603/B603 flag every subprocess call without a shell (ruff's
# own docs say it cannot tell trusted input from untrusted); S607/B607 flag running a
# program by name through PATH.
DEFAULT_IGNORE: tuple[str, ...] = ("B403", "B404", "S603", "B603", "S607", "B607")

_ENV_KEYS = {
    "test_command": "HARDEN_TEST_COMMAND",
    "test_timeout": "HARDEN_TEST_TIMEOUT",
    "max_findings": "HARDEN_MAX_FINDINGS",
    "python": "HARDEN_PYTHON",
    "model": "HARDEN_MODEL",
    "base_url": "HARDEN_BASE_URL",
    "budget": "HARDEN_BUDGET",
    "jobs": "HARDEN_JOBS",
}
_TOML_KEYS = {
    "test-command": "test_command",
    "test-timeout": "test_timeout",
    "max-findings": "max_findings",
    "exclude": "exclude",
    "ignore": "ignore",
    "select": "select",
    "model": "model",
    "base-url": "base_url",
    "budget": "budget",
    "jobs": "jobs",
    "prompt": "prompt",
    "pricing": "pricing",
    "prompts": "prompts_dir",
    "cases": "cases_dir",
    "pass-env": "pass_env",
    "characterize": "characterize",
}
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_M = TypeVar("_M", bound=BaseModel)


# Lists that command-line flags add to ([tool.harden] exclude = [...] plus --exclude ...).
_ADDED = ("exclude", "ignore")


class Settings(BaseModel):
    """A run's policy: what to scan and fix, how, with which model, within which limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: Path
    # In the order a run takes them; one for a plain run, every one for ``--priority all``.
    priorities: tuple[Priority, ...] = (Priority.SECURITY,)
    test_command: str | None = None
    test_timeout: float = 600.0
    max_findings: int | None = None
    python: str | None = None
    exclude: tuple[str, ...] = ()
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    select: tuple[str, ...] = ()  # rule codes or prefixes; empty: every rule
    model: str | None = None  # provider/model; "builtin" = codemods only
    base_url: str | None = None
    budget: float | None = Field(default=None, gt=0)
    allow_unknown_cost: bool = False
    jobs: int = Field(default=4, ge=1, le=32)
    prompt: str | None = None  # a prompt ref; default fix/<priority>, its latest version
    pricing: dict[str, dict[str, float]] = Field(default_factory=dict)
    prompts_dir: Path | None = None  # a team's own prompt versions (default: the bundled ones)
    cases_dir: Path | None = None  # a team's own eval cases (harden eval)
    resume: str | None = None  # run id of an interrupted run to continue
    pass_env: tuple[Annotated[str, StringConstraints(pattern=_ENV_NAME)], ...] = ()
    allow_unconfined: bool = False  # run model-written tests even with no sandbox
    # pin untested functions with model-written tests first: None = whenever a model is
    # configured and the repo's tests collect nothing (notes only when asked for explicitly)
    characterize: bool | None = None
    since: str | None = None  # scan only the files changed from this commit to the base
    rerun: bool = False  # run even when a finished run of this commit has the same settings

    @field_validator("priorities")
    @classmethod
    def _in_run_order(cls, value: tuple[Priority, ...]) -> tuple[Priority, ...]:
        if not value:
            raise ValueError("at least one priority")
        return tuple(p for p in PRIORITY_ORDER if p in value)

    @property
    def priority(self) -> Priority:
        """The priority of a one-priority run (``run_all`` splits ``--priority all``)."""
        if len(self.priorities) != 1:
            raise ValueError(f"one run takes one priority, not {len(self.priorities)}")
        return self.priorities[0]


def priorities_of(choice: str) -> tuple[Priority, ...]:
    """``--priority``: one priority's name, or ``all`` (every one, in run order)."""
    return PRIORITY_ORDER if choice == "all" else (Priority(choice),)


class Output(BaseModel):
    """How a command shows its result; presentation only, never passed into a run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_json: bool = False  # the report (or plan, spend) as JSON on stdout
    verbose: int = Field(default=0, ge=0)  # -v info, -vv debug
    log_format: Literal["text", "json"] = "text"


def load_output(as_json: bool = False, verbose: int = 0, log_format: str | None = None) -> Output:
    """Flags win over ``HARDEN_LOG_FORMAT``, which wins over the default (text)."""
    values: dict[str, Any] = {"as_json": as_json, "verbose": verbose}
    if chosen := log_format or os.environ.get("HARDEN_LOG_FORMAT"):
        values["log_format"] = chosen
    return _validated(Output, values)


def load_settings(repo: Path, flags: Mapping[str, Any]) -> Settings:
    """Merge the sources for ``repo``; ``flags`` holds only options given on the command line."""
    values: dict[str, Any] = {}
    values.update(_from_pyproject(repo))
    values.update({k: os.environ[v] for k, v in _ENV_KEYS.items() if os.environ.get(v)})
    merged = {k: (*values.get(k, ()), *flags[k]) for k in _ADDED if flags.get(k)}
    values.update({k: v for k, v in flags.items() if v is not None})
    values.update(merged)
    values["ignore"] = tuple(dict.fromkeys((*DEFAULT_IGNORE, *values.get("ignore", ()))))
    return _validated(Settings, {"repo": repo, **values})


def _validated(model: type[_M], values: dict[str, Any]) -> _M:
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from exc


def _from_pyproject(repo: Path) -> dict[str, Any]:
    path = repo / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    section = dict(data.get("tool", {}).get("harden", {}))
    section.pop("eval", None)  # [tool.harden.eval]: the eval command's thresholds
    unknown = sorted(set(section) - set(_TOML_KEYS))
    if unknown:
        raise ConfigError(f"unknown key in [tool.harden] of {path}: {', '.join(unknown)}")
    values = {_TOML_KEYS[k]: tuple(v) if isinstance(v, list) else v for k, v in section.items()}
    for key in ("prompts_dir", "cases_dir"):
        if isinstance(folder := values.get(key), str):
            values[key] = repo / folder
    return values


@dataclass(frozen=True)
class CustomDirs:
    """A project's own prompt versions and eval cases (``[tool.harden] prompts, cases``)."""

    prompts: Path | None
    cases: Path | None


def custom_dirs(project: Path) -> CustomDirs:
    settings = load_settings(project, {})
    return CustomDirs(settings.prompts_dir, settings.cases_dir)


# What a provider reads by name (agent.llm.providers): its key, base URL, request timeout.
PROVIDER_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "HARDEN_MODEL_TIMEOUT",
)


@dataclass(frozen=True)
class Environment:
    """The variables harden reads besides its settings (``.env`` already loaded by main()).

    ``process`` is the whole environment, read only as the source of the allow-listed
    environment of the commands harden starts (agent.sandbox.childenv).
    """

    debug: bool  # HARDEN_DEBUG=1: tracebacks for errors that are normally one line
    sandbox: str  # HARDEN_SANDBOX: auto (default), bubblewrap or landlock; else none
    data_dir: Path  # the ledger's folder
    cache_dir: Path  # cached replies and dependency envs
    tiktoken_cache_dir: Path | None  # tiktoken's own download cache
    virtual_env: Path | None  # the active virtual env, whose python runs the tests
    provider: Mapping[str, str]  # the PROVIDER_VARIABLES that are set
    process: Mapping[str, str]


def defer_gitpython_check() -> None:
    """GitPython looks for git at import and raises ImportError when it is missing; with
    ``GIT_PYTHON_REFRESH=quiet`` the first command fails instead, as a one-line error."""
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


def read_environment(source: Mapping[str, str] | None = None) -> Environment:
    """harden's variables from ``source`` (default: this process's environment, read now)."""
    env = os.environ if source is None else source
    return Environment(
        debug=env.get("HARDEN_DEBUG") == "1",
        sandbox=env.get("HARDEN_SANDBOX") or "auto",
        data_dir=_own_dir(env, "HARDEN_DATA_DIR", "XDG_DATA_HOME", ".local/share"),
        cache_dir=_own_dir(env, "HARDEN_CACHE_DIR", "XDG_CACHE_HOME", ".cache"),
        tiktoken_cache_dir=_path(env.get("TIKTOKEN_CACHE_DIR")),
        virtual_env=_path(env.get("VIRTUAL_ENV")),
        provider=MappingProxyType({k: env[k] for k in PROVIDER_VARIABLES if k in env}),
        process=MappingProxyType(dict(env)),
    )


def _own_dir(env: Mapping[str, str], own: str, xdg: str, under_home: str) -> Path:
    """``$own``, else ``$xdg/harden``, else ``$HOME/<under_home>/harden``."""
    if env.get(own):
        return Path(env[own])
    if env.get(xdg):
        return Path(env[xdg]) / "harden"
    return Path(env.get("HOME") or Path.home()) / under_home / "harden"


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def load_dotenv(path: Path) -> None:
    """Set the variables of a .env file that are not already in the environment.

    python-dotenv parses it (quotes, ``export``, inline ``# comments``); values are taken
    literally (no ``${VAR}`` expansion), and a name without ``=`` sets nothing.
    """
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for key, value in dotenv_values(stream=io.StringIO(text), interpolate=False).items():
        if value is not None:
            os.environ.setdefault(key, value)
