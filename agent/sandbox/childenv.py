"""The environment of a confined command: an allow-list, plus what the user passes.

Only what a test run needs gets through: PATH, the locale (LANG, LANGUAGE, LC_*), TZ,
TERM, the active virtual env, the Python settings that cannot load code (not PYTHONPATH,
PYTHONSTARTUP, PYTHONHOME), and the names the user passes with ``--pass-env NAME`` or
``[tool.harden] pass-env`` (and, for a dependency install only, pip's settings). HOME and
TMPDIR point at the run's private temp dir. Everything
else (PGPASSWORD, DATABASE_URL, deploy keys, cloud credentials, API keys) stays out.

The user's choices for the sandbox are one `SandboxPolicy` per process, set by the command
that starts a run (`set_policy`) and read by whatever runs code on the user's behalf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ALLOWED", "SandboxPolicy", "child_env", "policy", "set_policy"]

ALLOWED = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "NO_COLOR",
        "VIRTUAL_ENV",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONWARNINGS",
        "PYTHONFAULTHANDLER",
        "PYTHONDEVMODE",
        "PYTHONUNBUFFERED",
        "PYTHONNOUSERSITE",
    }
)
_FIXED = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
# A dependency install (the one command that has the network) also gets pip's settings.
_INSTALL = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}
    | {"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"}
)


@dataclass(frozen=True)
class SandboxPolicy:
    """What the user allowed: extra variables, and running model-written tests unconfined."""

    pass_env: tuple[str, ...] = ()
    allow_unconfined: bool = False
    # The interpreter a wrapper script given as --python starts (a pyenv shim, say): the
    # sandbox exposes it read-only, as it does an interpreter named directly.
    interpreters: tuple[str, ...] = ()


_current = [SandboxPolicy()]


def set_policy(new: SandboxPolicy) -> None:
    _current[0] = new


def policy() -> SandboxPolicy:
    return _current[0]


def child_env(base: Mapping[str, str], temp: Path, install: bool = False) -> dict[str, str]:
    """The allowed part of ``base``, with HOME and TMPDIR at ``temp``.

    With ``install`` (pip installing a dependency) pip's own settings (PIP_*, proxies, CA
    bundles) pass too.
    """
    env = {k: v for k, v in base.items() if _allowed(k, install)}
    env.update(_FIXED, HOME=str(temp), TMPDIR=str(temp))
    return env


def _allowed(name: str, install: bool) -> bool:
    if name in ALLOWED or name in policy().pass_env or name.startswith("LC_"):
        return True
    return install and (name in _INSTALL or name.startswith("PIP_"))
