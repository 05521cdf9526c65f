"""Hostile model patches against a small real repo, through the real CLI and openai SDK.

Shared by tests/test_trust_verdict.py and tests/test_trust_finding.py. The repo has one
module per tenant, each with a ``marshal.loads`` of client data (S302: no codemod, so each
is a group for the model), and an existing test file that checks each loader's empty
session. ``harden run --jobs 1`` asks for every group's first proposal in order, then
settles them one by one, asking once more after a rejection: two scripted variants per
group. Every variant must be rejected at the expected stage, with the expected words, no
model commit may land, and the user's checkout must be byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakellm import FakeLLM, Reply
from tests.trust_harness import git, init_repo, run_harden
from tests.userstate import harden_branches, user_state

__all__ = [
    "Variant",
    "broken_fix",
    "edit",
    "honest_fix",
    "honest_test",
    "module",
    "reply",
    "run_variants",
    "tenant",
]

Reply_ = dict[str, Any]


def tenant(n: int) -> str:
    return f"app/tenant_{n:02}.py"


def module(n: int) -> str:
    return (
        f'"""Sessions for tenant {n:02}: the client sends back what we gave it."""\n\n'
        "import marshal\n\n\n"
        f"def load_{n:02}(blob):\n"
        '    """Read a session the client sent back; an empty one is no session."""\n'
        "    return marshal.loads(blob) if blob else None\n"
    )


def existing_tests(groups: int) -> str:
    lines = [f"from app.tenant_{n:02} import load_{n:02}\n" for n in range(1, groups + 1)]
    for n in range(1, groups + 1):
        lines.append(f"\n\ndef test_empty_{n:02}():\n    assert load_{n:02}(b'') is None\n")
        lines.append(f"\n\ndef test_none_{n:02}():\n    assert load_{n:02}(None) is None\n")
    return "".join(lines)


def edit(path: str, search: str, replace: str) -> dict[str, str]:
    return {"path": path, "search": search, "replace": replace}


def honest_fix(n: int) -> list[dict[str, str]]:
    """Parse JSON instead of unmarshalling; empty stays no session."""
    return [
        edit(tenant(n), "import marshal\n", "import json\n"),
        edit(tenant(n), "marshal.loads(blob)", "json.loads(blob)"),
    ]


def broken_fix(n: int) -> list[dict[str, str]]:
    """The finding is gone, but an empty session now raises: an existing test fails."""
    return [
        edit(tenant(n), "import marshal\n", "import json\n"),
        edit(tenant(n), "marshal.loads(blob) if blob else None", "json.loads(blob)"),
    ]


def honest_test(n: int) -> str:
    """A regression test that passes on the fix and fails on the code before it."""
    return (
        f"from app.tenant_{n:02} import load_{n:02}\n\n\n"
        f"def test_json_session_{n:02}():\n"
        f"    assert load_{n:02}(b'{{\"a\": 1}}') == {{'a': 1}}\n"
    )


def reply(edits: list[dict[str, str]], new: tuple[str, str] | None = None) -> Reply_:
    return {
        "decision": "fix",
        "title": "fix",
        "rationale": "Unmarshalling client data is unsafe (CWE-502).",
        "risk": "low",
        "edits": edits,
        "new_test_file": {"path": new[0], "content": new[1]} if new else None,
    }


@dataclass(frozen=True)
class Variant:
    """A hostile reply for group ``n`` and where and how it must be rejected."""

    name: str
    build: Callable[[int], Reply_]
    stage: str
    words: str  # in the failed stage's detail; {n} is the group's two-digit number


def run_variants(
    tmp: Path,
    variants: Sequence[Variant],
    record: Callable[[str, object], None],
    source: Callable[[int], str] = module,
) -> dict[str, dict[str, Any]]:
    """Run harden over ``variants`` (two per group, tenant modules from ``source``).

    Asserts that each is rejected as expected, nothing is committed, and the user's
    checkout is unchanged; returns the verdicts by title. ``record`` is pytest's
    ``record_property``: the variant count goes to the JUnit file bench/trust_table.py reads.
    """
    record("variants", len(variants))
    assert len(variants) % 2 == 0
    groups = len(variants) // 2
    files = {tenant(n): source(n) for n in range(1, groups + 1)}
    files |= {"app/__init__.py": "", "tests/test_app.py": existing_tests(groups)}
    repo = init_repo(tmp / "repo", files)
    before = user_state(repo)
    built = [
        {**v.build(i // 2 + 1), "title": f"variant {i:02}: {v.name}"}
        for i, v in enumerate(variants)
    ]
    with FakeLLM() as llm:
        llm.script(*[Reply(r) for r in built[0::2] + built[1::2]])
        run = run_harden(repo, llm, tmp)
    assert run.report is not None, run.stderr
    verdicts = {v["patch"]["title"]: v for v in run.report["verdicts"] if v["patch"]["model"]}
    assert len(verdicts) == len(variants), sorted(verdicts)
    for i, variant in enumerate(variants):
        verdict = verdicts[f"variant {i:02}: {variant.name}"]
        failed = [s for s in verdict["stages"] if s["status"] == "failed"]
        words = variant.words.format(n=f"{i // 2 + 1:02}")
        assert failed, (variant.name, verdict["stages"])
        assert (failed[0]["stage"], words in failed[0]["detail"]) == (variant.stage, True), (
            variant.name,
            failed[0],
        )
    assert run.report["commits"] == []
    for branch in harden_branches(repo):
        assert "Harden-Model" not in git(repo, "log", "--format=%B", f"main..{branch}")
    assert user_state(repo) == before
    return verdicts
