"""Versioned prompts: strict rendering, stable prefix first, released files locked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.llm.prompts import (
    PromptError,
    check_lock,
    list_prompts,
    load_prompt,
    lock_new_versions,
)
from agent.resources import bundled_dir

VARIABLES = {
    "rule": "S608",
    "cwe": "CWE-89",
    "message": "- line 12: S608 possible SQL injection",
    "path": "app/db.py",
    "symbol": "find_user",
    "line": "12",
    "chunk": 'def find_user(name):\n    return db.execute(f"SELECT {name}")\n',
    "feedback": "",
}
TEMPLATE = """---
id: demo/braces
version: VERSION
description: a test prompt
output: Patch
temperature: 0.0
variables: [VARIABLES]
---
Literal braces {} and {{ not a var }} and {{1}} and {a: {b}}.
--- user ---
Code:
BODY
"""


def write_prompt(
    root: Path, version: int = 1, variables: str = "code", body: str = "{{ code }}"
) -> Path:
    path = root / "demo" / "braces" / f"v{version}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.replace("VERSION", str(version)).replace("VARIABLES", variables)
    text = text.replace("BODY", body)
    path.write_text(text, encoding="utf-8")
    return path


def test_latest_and_pinned_versions_load() -> None:
    latest, pinned = load_prompt("fix/security"), load_prompt("fix/security@v1")
    assert pinned.version == 1 and latest.version >= 1
    assert str(pinned.ref) == "fix/security@v1"
    assert pinned.output == "Patch" and pinned.temperature == 0.0
    assert len(pinned.content_hash) == 64


def test_render_keeps_the_stable_prefix_first_and_the_chunk_last() -> None:
    prompt = load_prompt("fix/security@v1")
    rendered = prompt.render(VARIABLES)
    assert "{{" not in rendered.messages.system
    assert rendered.messages.user.rstrip().endswith(VARIABLES["chunk"].rstrip())
    assert "S608 (CWE-89) in app/db.py" in rendered.messages.user
    other = prompt.render({**VARIABLES, "chunk": "x = 1\n", "feedback": "did not apply"})
    assert other.messages.system == rendered.messages.system
    assert rendered.ref == prompt.ref and rendered.temperature == 0.0


def test_render_names_missing_and_unknown_variables() -> None:
    prompt = load_prompt("fix/security@v1")
    partial = {k: v for k, v in VARIABLES.items() if k not in ("chunk", "cwe")}
    with pytest.raises(PromptError, match="missing variables: chunk, cwe; unknown variables: x"):
        prompt.render({**partial, "x": "1"})


def test_values_are_inserted_verbatim_and_other_braces_are_literal(tmp_path: Path) -> None:
    write_prompt(tmp_path)
    prompt = load_prompt("demo/braces", tmp_path)
    code = 'd = {"a": {{ code }}}\nf"{x}"\n'
    rendered = prompt.render({"code": code})
    assert "{} and {{ not a var }} and {{1}} and {a: {b}}." in rendered.messages.system
    assert rendered.messages.user == f"Code:\n{code}\n"


def test_undeclared_or_unused_variables_fail_at_load(tmp_path: Path) -> None:
    write_prompt(tmp_path, variables="code, extra")
    with pytest.raises(PromptError, match="declared but not used in the template: extra"):
        load_prompt("demo/braces", tmp_path)
    write_prompt(tmp_path, body="{{ code }} {{ other }}")
    with pytest.raises(PromptError, match="used but not declared: other"):
        load_prompt("demo/braces", tmp_path)


def test_unknown_and_malformed_references() -> None:
    with pytest.raises(PromptError, match=r"available: .*fix/security@v1"):
        load_prompt("fix/security@v99")
    with pytest.raises(PromptError, match="bad prompt reference"):
        load_prompt("security v1")


def test_front_matter_must_match_the_path(tmp_path: Path) -> None:
    path = write_prompt(tmp_path)
    path.rename(path.with_name("v2.md"))
    with pytest.raises(PromptError, match="front matter says demo/braces@v1, path demo/braces@v2"):
        list_prompts(tmp_path)


def test_list_prompts_describes_each_version() -> None:
    found = {str(p.ref): p for p in list_prompts()}
    assert "fix/security@v1" in found
    assert found["fix/security@v1"].description


def test_released_prompts_match_the_lock() -> None:
    """A released prompt is never edited: a change must be a new version (vN+1.md)."""
    assert [str(m) for m in check_lock()] == []


def test_a_modified_copy_is_detected(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(bundled_dir("prompts"), root)
    released = root / "fix" / "security" / "v1.md"
    released.write_text(released.read_text(encoding="utf-8") + "\nOne more rule.\n", "utf-8")
    [mismatch] = check_lock(root)
    assert (mismatch.ref, mismatch.kind) == ("fix/security@v1", "changed")
    released.unlink()
    assert [(m.ref, m.kind) for m in check_lock(root)] == [("fix/security@v1", "missing")]


def test_a_new_version_is_locked_without_touching_released_ones(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(bundled_dir("prompts"), root)
    before = (root / "prompts.lock").read_text(encoding="utf-8")
    write_prompt(root, version=1)
    assert [(m.ref, m.kind) for m in check_lock(root)] == [("demo/braces@v1", "unlocked")]
    assert lock_new_versions(root) == ["demo/braces@v1"]
    assert check_lock(root) == []
    assert (root / "prompts.lock").read_text(encoding="utf-8").startswith(before)
