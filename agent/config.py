"""Settings for one run, from: flag > environment (HARDEN_*) > .env > [tool.harden] > default.

``main()`` loads ``.env`` into the environment (never overriding what is already set), so
here the environment already holds .env's values.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from agent.errors import ConfigError
from agent.models import Priority

__all__ = ["DEFAULT_IGNORE", "Settings", "load_dotenv", "load_settings"]

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
    "log_format": "HARDEN_LOG_FORMAT",
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
    "model": "model",
    "base-url": "base_url",
    "budget": "budget",
    "jobs": "jobs",
    "prompt": "prompt",
    "pricing": "pricing",
    "pass-env": "pass_env",
}
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: Path
    priority: Priority | None = Priority.SECURITY
    all_priorities: bool = False
    test_command: str | None = None
    test_timeout: float = 600.0
    max_findings: int | None = None
    python: str | None = None
    exclude: tuple[str, ...] = ()
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    model: str | None = None  # provider/model; "builtin" = codemods only
    base_url: str | None = None
    budget: float | None = Field(default=None, gt=0)
    allow_unknown_cost: bool = False
    jobs: int = Field(default=4, ge=1, le=32)
    prompt: str | None = None  # a prompt ref; default fix/<priority>, its latest version
    pricing: dict[str, dict[str, float]] = Field(default_factory=dict)
    resume: str | None = None  # run id of an interrupted run to continue
    pass_env: tuple[Annotated[str, StringConstraints(pattern=_ENV_NAME)], ...] = ()
    allow_unconfined: bool = False  # run model-written tests even with no sandbox
    json_output: bool = False
    verbose: int = 0
    log_format: str = "text"


def load_settings(repo: Path, flags: Mapping[str, Any]) -> Settings:
    """Merge the sources for ``repo``; ``flags`` holds only options given on the command line."""
    values: dict[str, Any] = {}
    values.update(_from_pyproject(repo))
    values.update({k: os.environ[v] for k, v in _ENV_KEYS.items() if os.environ.get(v)})
    values.update({k: v for k, v in flags.items() if v is not None})
    values["ignore"] = tuple(dict.fromkeys((*DEFAULT_IGNORE, *values.get("ignore", ()))))
    try:
        return Settings(repo=repo, **values)
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
    return {_TOML_KEYS[k]: tuple(v) if isinstance(v, list) else v for k, v in section.items()}


def load_dotenv(path: Path) -> None:
    """Set variables from a .env file that are not already in the environment."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))
