"""One exception tree: every exception class in agent/ derives from HardenError, and the
errors a user meets through the CLI are one line and an exit code, never a traceback."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import HardenError, RunInterrupted

AGENT = Path(__file__).resolve().parent.parent / "agent"

# The one documented exception (see agent/errors.py): an interrupt must pass `except Exception`.
OUTSIDE_THE_TREE = {RunInterrupted}


def _modules() -> list[str]:
    """Every module of agent/, except the entry point and the plugin that runs in pytest."""
    names = []
    for path in sorted(AGENT.rglob("*.py")):
        parts = path.relative_to(AGENT.parent).with_suffix("").parts
        if parts[-1] == "__main__" or "_plugin" in parts:
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        for obj in vars(importlib.import_module(name)).values():
            exc = inspect.isclass(obj) and issubclass(obj, BaseException)
            if exc and obj.__module__.startswith("agent"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_every_exception_class_in_agent_derives_from_harden_error() -> None:
    classes = _exception_classes()
    outside = sorted(
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, HardenError) and c not in OUTSIDE_THE_TREE
    )
    assert outside == []
    assert len(classes) >= 25  # the walk found the tree, not an empty list


def test_the_one_exception_outside_the_tree_is_an_interrupt_no_except_exception_catches() -> None:
    for cls in OUTSIDE_THE_TREE:
        assert issubclass(cls, KeyboardInterrupt) and not issubclass(cls, Exception)


def test_every_error_has_an_exit_code_and_is_drawn_in_the_tree() -> None:
    tree = (AGENT / "errors.py").read_text(encoding="utf-8")
    for cls in _exception_classes():
        if cls in OUTSIDE_THE_TREE:
            continue
        assert getattr(cls, "exit_code", None) in {1, 2}, cls
        assert f" {cls.__name__} " in tree, f"{cls.__name__} is not drawn in agent/errors.py"


@pytest.mark.parametrize("name", ["SourceDecodeError", "SourceEncodingError"])
def test_source_errors_stay_value_errors_for_their_callers(name: str) -> None:
    cls = getattr(importlib.import_module("agent.scan.source"), name)
    assert issubclass(cls, HardenError) and issubclass(cls, ValueError)


def harden(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env},
    )  # fmt: skip


def _bad_prompts(tmp_path: Path, text: str = "no front matter here\n") -> Path:
    folder = tmp_path / "prompts" / "fix" / "bad"
    folder.mkdir(parents=True)
    (folder / "v1.md").write_text(text, encoding="utf-8")
    return tmp_path / "prompts"


CASES = {
    # a PromptError (llm.prompts) from `harden prompts`: exit 1
    "prompt": (["prompts", "--prompts-dir", "{prompts}"], 1, "no YAML front matter"),
    # a CaseError (evals.case) becomes an EvalError: exit 2
    "case": (["eval", "--cases", "no-such-case"], 2, "unknown eval case(s): no-such-case"),
    # a NotARepoError (errors) from `harden plan` on a folder that is no git repo: exit 1
    "repo": (["plan", "."], 1, "not a git repository"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_cli_facing_error_is_one_line_and_its_exit_code(tmp_path: Path, name: str) -> None:
    args, code, words = CASES[name]
    prompts = _bad_prompts(tmp_path)
    argv = [a.format(prompts=prompts) for a in args]
    done = harden(tmp_path, *argv)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert words in lines[0] and done.returncode == code, (done.returncode, done.stderr)


def test_an_error_made_of_several_lines_is_said_in_one() -> None:
    error = HardenError("git failed:\n  fatal: bad object\n\n  hint: run git fsck\n")
    assert error.message == "git failed:; fatal: bad object; hint: run git fsck"


@pytest.mark.parametrize(
    ("front", "words"),
    [
        ("id: fix/bad\nversion: one", "bad front matter: version: Input should be a valid integer"),
        ("id: [fix/bad", "bad front matter: while parsing a flow sequence"),
    ],
)
def test_a_prompt_with_bad_front_matter_is_one_line(tmp_path: Path, front: str, words: str) -> None:
    prompts = _bad_prompts(tmp_path, f"---\n{front}\n---\nsystem\n--- user ---\nuser\n")
    done = harden(tmp_path, "prompts", "--prompts-dir", str(prompts))
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert words in lines[0] and done.returncode == 1


def test_under_harden_debug_the_same_error_is_a_traceback(tmp_path: Path) -> None:
    done = harden(tmp_path, "eval", "--cases", "no-such-case", HARDEN_DEBUG="1")
    assert "Traceback" in done.stderr and "EvalError" in done.stderr
    assert done.returncode == 1
