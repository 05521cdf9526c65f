"""What a cached result of harden's depends on in harden itself: its code and its tools.

``code_fingerprint`` hashes harden's version, the source of every module of ``agent``
(an edited checkout is a new harden), Python's version, and the versions of the analysers
harden runs (ruff, bandit) and of detect-secrets (which redacts findings). It is computed
once per process.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import agent

__all__ = ["code_fingerprint"]

_TOOLS = ("ruff", "bandit", "detect-secrets", "libcst")


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{agent.__version__}\0{sys.version}\0".encode())
    for tool in _TOOLS:
        digest.update(f"{tool}={_version(tool)}\0".encode())
    package = Path(agent.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"
