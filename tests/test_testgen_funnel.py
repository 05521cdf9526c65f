"""The generated-test funnel with scripted model replies, on a real repo with real pytest.

The tests priority: targets from coverage, the GeneratedTestWriter asks the (fake, local) model
through the real openai SDK, the reply becomes a patch that the real funnel judges. A fix
with a regression test: the security prompt's reply carries code edits and a new test.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from agent import config
from agent.fix.llm_fixer import LlmFixer
from agent.llm.budget import Budget
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.openai_provider import OpenAIProvider
from agent.llm.pricing import Pricing
from agent.llm.prompts import load_prompt
from agent.llm.retry import RetryPolicy
from agent.models import Finding, GeneratedTestFate, Priority, RunReport
from agent.report.markdown import render_markdown
from agent.report.terminal import print_summary
from agent.sandbox.runner import run_command
from agent.sandbox.suite import find_suite
from agent.scan import scan
from agent.testgen import coverage_targets, fates, generated_test_writer
from agent.validate.funnel import FunnelContext, run_funnel
from tests.conftest import GitRepo, git
from tests.fakellm import FakeLLM, Reply

APP = """\
import yaml


def load(text):
    return yaml.load(text, Loader=yaml.Loader)


def slugify(text):
    words = text.lower().split()
    return "-".join(words)


def shout(text):
    return text.upper()
"""
TESTS = """\
from app import load, shout


def test_load():
    assert load("a: 1") == {"a": 1}


def test_shout():
    assert shout("hi") == "HI"
"""
GOOD = """\
from app import slugify


def test_slugify_joins_lowercased_words():
    assert slugify("Hello  Big World") == "hello-big-world"
"""
FLAKY = """\
from pathlib import Path

from app import slugify

# Beside the test, in the worktree: the sandbox lets a test write nowhere else that lasts.
COUNTER = Path(__file__).with_name("runs.txt")


def test_slugify_on_odd_runs_only():
    runs = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
    COUNTER.write_text(str(runs))
    assert slugify("A b") == "a-b"
    assert runs % 2 == 1
"""
NO_GAIN = """\
from app import shout


def test_shout_again():
    assert shout("ok") == "OK"
"""
WRONG = """\
from app import slugify


def test_slugify_keeps_case():
    assert slugify("A B") == "A-B"
"""
BROKEN = """\
from app import slugify_all


def test_slugify_all():
    assert slugify_all(["A"]) == ["a"]
"""
CATCHES = """\
import pytest
import yaml

from app import load


def test_load_refuses_python_objects():
    with pytest.raises(yaml.YAMLError):
        load("!!python/object/apply:os.getcwd []")
"""
PASSES_BEFORE = """\
from app import load


def test_load_reads_mappings():
    assert load("b: 2") == {"b": 2}
"""
TEST_PATH = "tests/test_app_slugify_generated.py"


def _reply(content: str, edits: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "decision": "fix",
        "title": "Test slugify" if edits is None else "Load YAML safely",
        "rationale": "pins down the behaviour",
        "risk": "low",
        "edits": edits or [],
        "new_test_file": {"path": TEST_PATH, "content": content},
    }


SAFE_LOAD = [
    {
        "path": "app.py",
        "search": "yaml.load(text, Loader=yaml.Loader)",
        "replace": "yaml.safe_load(text)",
    }
]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def _fixer(llm: FakeLLM, tmp_path: Path) -> LlmFixer:
    client = LLMClient(
        OpenAIProvider("gpt-4.1-mini", api_key="sk-test", base_url=llm.url, timeout_s=10),
        ledger=Ledger(tmp_path / "ledger.sqlite"),
        cache=None,
        budget=Budget(None),
        pricing=Pricing.load(),
        retry=RetryPolicy(max_attempts=1),
        run_id="run-1",
        model_spec="openai/gpt-4.1-mini",
    )
    return LlmFixer(client, load_prompt("fix/security"), "openai/gpt-4.1-mini")


@pytest.fixture
def ctx(make_repo: GitRepo, tmp_path: Path) -> FunnelContext:
    """The repo, its scan and coverage targets, and the context the pipeline would build."""
    root = make_repo({"app.py": APP, "tests/test_app.py": TESTS})
    files = git(root, "ls-files").splitlines()
    plan = find_suite(None, sys.executable, files)
    targets = coverage_targets(root, files, plan, sys.executable, 120)
    found = scan(root, ["app.py"], config.DEFAULT_IGNORE).findings
    (tmp_path / "work").mkdir()
    return FunnelContext(
        root=root,
        findings=(*found, *targets.findings),
        plan=plan,
        baseline=run_command(list(plan.argv or ()), root, 60),
        python=sys.executable,
        timeout_s=60,
        ignore=config.DEFAULT_IGNORE,
        workdir=tmp_path / "work",
    )


def _judge(fixer: LlmFixer, ctx: FunnelContext, finding: Finding) -> GeneratedTestFate:
    """Propose, validate, read the fate; then put the repo back as the pipeline would."""
    patch = fixer.propose(ctx.root, [finding]).to_patch(ctx.root)
    verdict = run_funnel(patch, ctx).verdict
    fate = fates.fate_of(verdict, ctx.findings)
    git(ctx.root, "checkout", "-q", "--", ".")
    git(ctx.root, "clean", "-fdq")
    assert fate is not None
    return fate


def test_tests_priority_funnel_keeps_only_the_test_that_earns_it(
    llm: FakeLLM, ctx: FunnelContext, tmp_path: Path
) -> None:
    target = next(f for f in ctx.findings if f.rule == "HT101")
    assert target.symbol == "slugify"
    llm.script(*(Reply(_reply(text)) for text in (GOOD, FLAKY, NO_GAIN, WRONG, BROKEN)))
    writer = generated_test_writer(_fixer(llm, tmp_path))
    judged = [_judge(writer, ctx, target) for _ in range(5)]
    print({t.fate: t.detail.splitlines()[0] for t in judged})
    assert [t.fate for t in judged] == [
        "kept",
        "flaky",
        "no coverage gain",
        "failed",
        "did not run",
    ]
    assert all(t.test_path == TEST_PATH and t.target == "app.py::slugify" for t in judged)
    assert "rose from 0 to 2/2" in judged[0].detail
    assert "passed 1 run(s), then failed run 2 of 3" in judged[1].detail
    sent = [json.dumps(r.json) for r in llm.requests]
    assert all("from app import slugify" in s and TEST_PATH in s for s in sent)
    assert all("def test_shout():" in s for s in sent)  # the repo's test as an example


def test_a_regression_test_must_fail_on_the_pre_patch_code(
    llm: FakeLLM, ctx: FunnelContext, tmp_path: Path
) -> None:
    finding = next(f for f in ctx.findings if f.rule == "S506")
    llm.script(Reply(_reply(CATCHES, SAFE_LOAD)), Reply(_reply(PASSES_BEFORE, SAFE_LOAD)))
    fixer = _fixer(llm, tmp_path)
    caught, missed = (_judge(fixer, ctx, finding) for _ in range(2))
    assert (caught.fate, missed.fate) == ("kept", "passes on pre-patch code")
    assert "fails on the pre-patch code" in caught.detail
    assert (ctx.root / "app.py").read_text(encoding="utf-8") == APP


def test_the_report_counts_each_fate(tmp_path: Path) -> None:
    kinds = ["kept", "flaky", "flaky", "did not run"]
    tests = tuple(
        GeneratedTestFate(test_path=f"tests/t{i}.py", target="a.py::f", fate=k, detail="why")
        for i, k in enumerate(kinds)
    )  # type: ignore[arg-type]
    report = RunReport(
        run_id="r",
        repo="/r",
        base_commit="0" * 40,
        priority=Priority.TESTS,
        branch=None,
        started_at="2026-11-27T00:00:00+00:00",
        duration_s=1.0,
        test_command=None,
        generated_tests=tests,
    )
    markdown = render_markdown(report)
    assert "## Generated tests" in markdown
    assert "4 generated (did not run: 1, failed: 0, flaky: 2, no coverage gain: 0" in markdown
    assert "`tests/t0.py` for `a.py::f`: **kept** (why)" in markdown
    console = Console(record=True, width=200)
    print_summary(report, console)
    assert "generated tests: 4 (1 did not run, 2 flaky, 1 kept)" in console.export_text()
    assert Counter(t.fate for t in tests)["flaky"] == 2
