"""An interpreter that has a fix's new dependencies, layered on the user's environment.

When a patch adds a dependency the user's environment lacks (say ``defusedxml``), its
tests must still run for real: we create a throw-away virtual env, make the user's
site-packages visible in it through a ``.pth`` file, and pip-install the dependency there.
The user's environment itself is never changed. The install runs the package's build
steps, which are untrusted code: it runs sandboxed like the tests (`agent.sandbox.runner`), with
the network (it needs the package index) but writing only the throw-away env.

Two layers are built once and kept under harden's cache dir: coverage.py for the project's
interpreter (harden's own copy, linked in; the tests priority needs it), and the bundled
example app's own environment (pytest and its requirements), so ``harden demo`` works
after a plain ``pip install harden``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.errors import HardenError, ToolError
from agent.sandbox.runner import run_command

__all__ = [
    "DependencyError",
    "bundled_python",
    "import_name",
    "own_env",
    "python_having",
    "python_with",
    "python_with_coverage",
]

_IMPORT_NAMES = {"pyjwt": "jwt", "pyyaml": "yaml", "beautifulsoup4": "bs4"}
_INSTALL_TIMEOUT_S = 300
_READY = ".harden-ready"


class DependencyError(HardenError):
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


def python_with_coverage(python: str, cache: Path) -> str:
    """``python`` if it has coverage.py, else a layer over it with harden's own coverage.py.

    When harden's copy does not import under ``python`` (another Python version it does
    not support), coverage.py is installed into a layer from the package index instead.
    """
    if _can_import(python, "coverage", really=True):
        return python
    import coverage

    own = str(Path(coverage.__file__).resolve().parent)
    env_dir = cache / f"coverage-{_key([python, own, sys.version])}"
    _build_once(env_dir, lambda d: _create_layered_env(python, d, linked=[own]))
    layered = str(env_dir / "bin" / "python")
    if _can_import(layered, "coverage", really=True):
        return layered
    return python_with(python, ["coverage"], cache)


def bundled_python(command: str, say: Callable[[str], None], also: Sequence[str] = ()) -> str:
    """An interpreter for the bundled example and eval cases: pytest and their libraries
    (the example's requirements, and ``also``).

    harden's own when it has them (a dev install), else an env of their own, built once in
    harden's cache dir: harden itself needs neither pytest nor flask. Raises ToolError.
    """
    from agent.llm.cache import default_cache_dir
    from agent.resources import bundled_dir

    lines = (bundled_dir("examples") / "requirements.txt").read_text(encoding="utf-8")
    packages = ["pytest", *(line.strip() for line in lines.splitlines() if line.strip())]
    packages += [p for p in also if p not in packages]
    where = default_cache_dir() / "envs"

    def notice() -> None:
        what = "pytest and the example's libraries"
        say(f"{command}: installing {what} once, into {where}")

    try:
        return python_having(packages, where, notice)
    except DependencyError as exc:
        raise ToolError(f"could not prepare the example's environment: {exc}") from exc


def python_having(packages: Sequence[str], cache: Path, notice: Callable[[], None]) -> str:
    """harden's own interpreter when it has ``packages`` (a dev install), else ``own_env``."""
    if all(_can_import(sys.executable, import_name(p)) for p in packages):
        return sys.executable
    return own_env(packages, cache, notice)


def own_env(packages: Sequence[str], cache: Path, notice: Callable[[], None]) -> str:
    """The python of a virtual env of its own holding ``packages``, built once in ``cache``.

    ``notice`` is called before a build, so the user knows why this first time is slow.
    """
    env_dir = cache / f"env-{_key([sys.version, sorted(packages)])}"

    def build(target: Path) -> None:
        notice()
        _run([sys.executable, "-m", "venv", str(target)], "venv")
        python = str(target / "bin" / "python")
        _run([python, "-m", "pip", "install", "--quiet", *packages], "pip install")

    _build_once(env_dir, build)
    return str(env_dir / "bin" / "python")


def _key(parts: object) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:10]


def _build_once(env_dir: Path, build: Callable[[Path], None]) -> None:
    """Build ``env_dir`` unless a complete one is there; concurrent callers wait their turn."""
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    with (env_dir.parent / f"{env_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (env_dir / _READY).is_file():
            return
        shutil.rmtree(env_dir, ignore_errors=True)
        try:
            build(env_dir)
        except DependencyError:
            shutil.rmtree(env_dir, ignore_errors=True)
            raise
        (env_dir / _READY).write_text("", encoding="utf-8")


def _can_import(python: str, module: str, really: bool = False) -> bool:
    """Whether ``python`` finds ``module`` (``really``: and imports it without an error)."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    if really:
        probe = f"import {module}"
    done = subprocess.run([python, "-c", probe], capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def _create_layered_env(python: str, env_dir: Path, linked: Sequence[str] = ()) -> None:
    """A venv seeing ``python``'s site-packages, then the packages ``linked`` (symlinked)."""
    _run([python, "-m", "venv", str(env_dir)], "venv")
    site_dirs = _site_dirs(python)
    if linked:
        extra = env_dir / "linked"
        extra.mkdir()
        for package in linked:
            (extra / Path(package).name).symlink_to(package, target_is_directory=True)
        site_dirs.append(str(extra))
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
