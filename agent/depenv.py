"""An interpreter that has a fix's new dependencies, layered on the user's environment.

When a patch adds a dependency the user's environment lacks (say ``defusedxml``), its
tests must still run for real: we create a throw-away virtual env, make the user's
site-packages visible in it through a ``.pth`` file, and pip-install the dependency there.
The user's environment itself is never changed. The install runs the package's build
steps, which are untrusted code: it runs sandboxed like the tests (`agent.sandbox`), with
the network (it needs the package index) but writing only the throw-away env.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from agent.sandbox import run_command

__all__ = ["DependencyError", "import_name", "python_with"]

_IMPORT_NAMES = {"pyjwt": "jwt", "pyyaml": "yaml", "beautifulsoup4": "bs4"}
_INSTALL_TIMEOUT_S = 300


class DependencyError(Exception):
    """The dependencies could not be made available; the patch cannot be validated."""


def import_name(distribution: str) -> str:
    name = distribution.lower()
    return _IMPORT_NAMES.get(name, name.replace("-", "_"))


def python_with(python: str, deps: Sequence[str], workdir: Path) -> str:
    """``python`` itself when it can import ``deps``, else a layered venv's python."""
    missing = [d for d in deps if not _can_import(python, import_name(d))]
    if not missing:
        return python
    key = hashlib.sha256(json.dumps([python, sorted(missing)]).encode()).hexdigest()[:10]
    env_dir = workdir / f"venv-{key}"
    layered = env_dir / "bin" / "python"
    if not layered.exists():
        try:
            _create_layered_env(python, env_dir)
            _install(layered, env_dir, missing)
        except DependencyError:
            # A half-built env would be reused next time, without the dependency.
            shutil.rmtree(env_dir, ignore_errors=True)
            raise
    return str(layered)


def _install(layered: Path, env_dir: Path, missing: list[str]) -> None:
    argv = [str(layered), "-m", "pip", "install", "--quiet", *missing]
    run = run_command(argv, env_dir, _INSTALL_TIMEOUT_S, network=True)
    if run.timed_out:
        raise DependencyError(f"pip install did not finish in {_INSTALL_TIMEOUT_S}s")
    if run.exit_code != 0:
        raise DependencyError(f"pip install failed: {(run.tail(1) or 'no output').strip()}")


def _can_import(python: str, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    done = subprocess.run([python, "-c", probe], capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def _create_layered_env(python: str, env_dir: Path) -> None:
    _run([python, "-m", "venv", str(env_dir)], "venv")
    site_dirs = _site_dirs(python)
    layered_python = str(env_dir / "bin" / "python")
    own_site = _site_dirs(layered_python)[0]
    lines = [f"import site; site.addsitedir({d!r})\n" for d in site_dirs]
    (Path(own_site) / "_harden_layer.pth").write_text("".join(lines), encoding="utf-8")


def _site_dirs(python: str) -> list[str]:
    probe = "import json, site; print(json.dumps(site.getsitepackages()))"
    out = _run([python, "-c", probe], "site-packages lookup")
    return [str(d) for d in json.loads(out)]


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DependencyError(f"{what} did not finish in {_INSTALL_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DependencyError(f"{what} failed: {tail}")
    return done.stdout
