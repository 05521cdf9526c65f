"""The project installs as README says, and the wheel carries what harden needs at run time."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)
    return [line.strip() for line in blocks[0].splitlines() + blocks[1].splitlines() if line]


def test_ci_runs_the_readme_install_and_test_commands_verbatim() -> None:
    install, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install in ci
    assert test in ci
    assert "harden demo" in install


# Variables harden sets for the processes it runs (the pytest outcome plugin's channel):
# harden writes them, the user never does.
SET_FOR_CHILDREN = {"HARDEN_OUTCOME_FDS"}


def test_env_example_lists_every_variable_harden_reads() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "agent").rglob("*.py"))
    # Names harden reads are whole quoted strings; "HARDEN_REDACTED_" (a placeholder prefix
    # ending in "_") is not a variable.
    read = set(re.findall(r"\"(HARDEN_[A-Z]+(?:_[A-Z]+)*)\"", source)) - SET_FOR_CHILDREN
    listed = set(re.findall(r"^(HARDEN_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no HARDEN_ variable found: the scan of the source is broken"
    assert read <= listed


def test_the_wheel_ships_the_code_the_prompts_and_the_example(tmp_path: Path) -> None:
    argv = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "-w",
        str(tmp_path),
        str(ROOT),
    ]
    subprocess.run(argv, check=True, capture_output=True, timeout=600)
    wheel = next(tmp_path.glob("harden-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        f"agent/{p.relative_to(ROOT / 'agent').as_posix()}" for p in (ROOT / "agent").rglob("*.py")
    }
    assert modules <= names
    assert "agent/_prompts/README.md" in names
    assert "agent/_examples/notes_app/app.py" in names
    assert "agent/_examples/tests/test_app.py" in names
    assert "agent/_examples/requirements.txt" in names
    assert "agent/_evals/baselines/builtin.json" in names  # harden eval from an install
    cases = {p.parent.name for p in (ROOT / "evals" / "cases").glob("*/case.toml")}
    assert cases and {f"agent/_evals/cases/{c}/case.toml" for c in cases} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "harden = agent.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
