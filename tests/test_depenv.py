"""Layered environments for fixes that add a dependency: a real venv, a real pip install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.sandbox.depenv import DependencyError, import_name, python_with


def _imports(python: str, *modules: str) -> subprocess.CompletedProcess[str]:
    code = "; ".join(f"import {m}" for m in modules)
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def package_index(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip unless pip can fetch defusedxml from the configured index."""
    dest = tmp_path_factory.mktemp("pip-probe")
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(dest)]
    try:
        done = subprocess.run(
            [*argv, "defusedxml"], capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.skip("the package index did not answer within 60 s (pip download defusedxml)")
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"the package index cannot be reached (pip download defusedxml): {tail}")


@pytest.mark.parametrize(
    ("distribution", "module"),
    [
        ("pyjwt", "jwt"),
        ("PyJWT", "jwt"),
        ("PyYAML", "yaml"),
        ("beautifulsoup4", "bs4"),
        ("defusedxml", "defusedxml"),
        ("typing-extensions", "typing_extensions"),
    ],
)
def test_import_name(distribution: str, module: str) -> None:
    assert import_name(distribution) == module


def test_the_project_python_is_used_when_it_has_the_dependency(tmp_path: Path) -> None:
    assert python_with(sys.executable, ["pyyaml", "PyJWT"], tmp_path) == sys.executable
    assert python_with(sys.executable, [], tmp_path) == sys.executable
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("package_index")
def test_layered_env_adds_the_dependency_and_keeps_the_users_packages(tmp_path: Path) -> None:
    assert _imports(sys.executable, "defusedxml").returncode != 0, "defusedxml is preinstalled"
    layered = python_with(sys.executable, ["pyyaml", "defusedxml"], tmp_path)
    assert layered != sys.executable
    assert Path(layered).is_relative_to(tmp_path)
    done = _imports(layered, "defusedxml", "yaml", "jwt")
    assert done.returncode == 0, done.stderr
    assert _imports(sys.executable, "defusedxml").returncode != 0  # the user's env is unchanged
    assert python_with(sys.executable, ["defusedxml"], tmp_path) == layered  # reused


def test_a_failed_install_raises_and_leaves_no_half_built_env(tmp_path: Path) -> None:
    requirement = "defusedxml==not a version"  # pip rejects it without asking the index
    with pytest.raises(DependencyError, match="pip install failed"):
        python_with(sys.executable, [requirement], tmp_path)
    assert list(tmp_path.iterdir()) == []  # else the next call would reuse it, without pip
