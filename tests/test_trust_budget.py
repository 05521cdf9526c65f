"""Issue 11 §5: the budget holds whatever the provider reports.

Each class is tried through the real ``harden`` CLI and the real SDKs against the fake
server, on a repo of ``pickle.loads`` findings that only a model fixes. gpt-4.1-mini is
priced at $0.40/$1.60 per million tokens, so a call reserves about $0.0069 (4,096 output
tokens at most). Whatever a reply says about its usage:

- the ledger says what the provider reported, and a call is never settled below its
  estimate when the usage is missing or impossible, nor below zero;
- no call is sent once the budget is reached; the invariant checked on every run is
  that the spend settled before the last request was sent is at most the budget plus
  one in-flight reservation per job;
- the run ends with exit 0 and one ``note: budget: ...`` line naming what was left.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent.llm.ledger import CallRecord, Ledger
from tests.fakellm import Computed, FakeLLM, Raw, Reply, Step, WireUsage
from tests.secret_corpus import ABSTAIN
from tests.trust_harness import ANTHROPIC_MODEL, OPENAI_MODEL, harden_command, init_repo
from tests.trust_harness import pickle_modules as modules

ESTIMATE = 0.0069  # about what one call reserves (a little more with a longer prompt)
# Room for one call and not two: claude-haiku-4-5 reserves about $0.021 a call.
ONE_CALL = {OPENAI_MODEL: 0.01, ANTHROPIC_MODEL: 0.03}
GROUPS = 6


def _empty_chat_reply(usage: dict[str, Any]) -> Raw:
    """A chat completion with no content (retried as an empty reply) and ``usage``."""
    message = {"role": "assistant", "content": None, "refusal": None}
    body = {
        "id": "chatcmpl-empty",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": usage,
    }
    return Raw(json.dumps(body))


class Outcome:
    """One finished run: its output, the requests the server saw, and the ledger rows."""

    def __init__(self, done: subprocess.CompletedProcess[str], times: list[float], data: Path):
        self.returncode, self.stderr = done.returncode, done.stderr
        self.report = json.loads(done.stdout) if done.returncode == 0 else None
        self.request_times = times
        with Ledger(data / "data" / "ledger.sqlite") as ledger:
            self.rows = ledger.records()

    @property
    def sent(self) -> int:
        return len(self.request_times)

    @property
    def settled(self) -> float:
        return sum(r.cost_usd or 0.0 for r in self.rows)

    def settled_before_last_request(self) -> float:
        last = max(self.request_times)
        return sum(r.cost_usd or 0.0 for r in self.rows if _when(r) < last)

    def budget_note(self) -> str:
        notes = [ln for ln in self.stderr.splitlines() if ln.startswith("note: budget: ")]
        assert len(notes) == 1, self.stderr
        return notes[0]


def _when(row: CallRecord) -> float:
    return datetime.fromisoformat(row.time).timestamp()


def _run(
    tmp: Path, steps: list[Step], budget: float, jobs: int = 1, model: str = OPENAI_MODEL
) -> Outcome:
    repo = init_repo(tmp / "repo", modules(GROUPS))
    with FakeLLM() as llm:
        llm.script(*steps)
        argv, env = harden_command(repo, llm, tmp, "--budget", str(budget), model=model)
        argv[argv.index("--jobs") + 1] = str(jobs)
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        times = [r.time for r in llm.requests]
    return Outcome(done, times, tmp)


def _holds(out: Outcome, budget: float, jobs: int) -> None:
    """Exit 0, the invariant, no negative row, and the one-line note."""
    assert out.returncode == 0, out.stderr
    assert out.sent >= 1
    assert out.settled_before_last_request() <= budget + jobs * 1.5 * ESTIMATE
    assert all((r.cost_usd or 0.0) >= 0 for r in out.rows)
    assert "group(s) of findings were not sent to the model" in out.budget_note()


MISSING: dict[str, tuple[list[Step], str]] = {
    "no-usage-key": ([Reply(ABSTAIN, usage=None)] * GROUPS, OPENAI_MODEL),
    "null-counts": (
        [Reply(ABSTAIN, usage=WireUsage(input_tokens=None, output_tokens=None))] * GROUPS,
        OPENAI_MODEL,
    ),
    "anthropic-no-usage": ([Reply(ABSTAIN, usage=None)] * GROUPS, ANTHROPIC_MODEL),
}


@pytest.mark.parametrize("variant", list(MISSING))
def test_a_reply_without_usage_is_settled_at_its_estimate(variant: str, tmp_path: Path) -> None:
    steps, model = MISSING[variant]
    out = _run(tmp_path, steps, budget=ONE_CALL[model], model=model)
    _holds(out, ONE_CALL[model], jobs=1)
    assert out.sent == 1  # the second call's estimate no longer fits in $0.01
    [first] = [r for r in out.rows if r.outcome == "ok"]
    assert first.cost_usd is not None and first.cost_usd >= ESTIMATE * 0.9
    assert "usage missing" in first.usage_note and "settled at the estimate" in first.usage_note


IMPOSSIBLE: dict[str, tuple[WireUsage, str]] = {
    "negative": (WireUsage(input_tokens=-20_000_000, output_tokens=-10_000_000), OPENAI_MODEL),
    "fractional": (WireUsage(input_tokens=100, output_tokens=0.5), OPENAI_MODEL),
    "text": (WireUsage(input_tokens="lots", output_tokens="none"), OPENAI_MODEL),
    "anthropic-negative": (WireUsage(input_tokens=-5_000_000, output_tokens=20), ANTHROPIC_MODEL),
}


@pytest.mark.parametrize("variant", list(IMPOSSIBLE))
def test_impossible_usage_is_recorded_and_never_refunds(variant: str, tmp_path: Path) -> None:
    usage, model = IMPOSSIBLE[variant]
    steps: list[Step] = [Reply(ABSTAIN, usage=usage)] * GROUPS
    out = _run(tmp_path, steps, budget=ONE_CALL[model], model=model)
    _holds(out, ONE_CALL[model], jobs=1)
    assert out.sent == 1
    [first] = [r for r in out.rows if r.outcome == "ok"]
    assert "impossible usage" in first.usage_note  # what the provider said, kept
    assert first.cost_usd is not None and first.cost_usd >= ESTIMATE * 0.9
    assert min(first.input_tokens, first.output_tokens) >= 0


def _slow(step: Reply | Raw) -> Computed:
    """``step`` after 0.3 s, so the four calls in flight are all sent before one settles.

    (The fake answers in microseconds; a provider takes seconds. Without the pause, a
    request checked against the budget just before another call settled can reach the
    server just after the ledger recorded that call, which the invariant would count.)
    """

    def later(body: Any) -> Reply | Raw:
        time.sleep(0.3)
        return step

    return Computed(later)


HUGE_OUTPUT = Reply(ABSTAIN, usage=WireUsage(output_tokens=350_000_000))
HUGE: dict[str, list[Step]] = {
    "huge-output": [_slow(HUGE_OUTPUT)] * GROUPS,
    "huge-input": [_slow(Reply(ABSTAIN, usage=WireUsage(input_tokens=900_000_000)))] * GROUPS,
    "one-huge-then-cheap": [_slow(HUGE_OUTPUT), *[_slow(Reply(ABSTAIN))] * GROUPS],
    "huge-then-retry": [
        *[_slow(_empty_chat_reply({"prompt_tokens": 100, "completion_tokens": 350_000_000}))] * 4,
        *[_slow(Reply(ABSTAIN))] * GROUPS,
    ],
}


@pytest.mark.parametrize("variant", list(HUGE))
def test_huge_usage_with_four_jobs_stops_the_calls(variant: str, tmp_path: Path) -> None:
    out = _run(tmp_path, HUGE[variant], budget=0.05, jobs=4)
    _holds(out, 0.05, jobs=4)
    assert out.sent < GROUPS
    assert out.settled > 0.05  # recorded as the provider reported it
    assert max(r.input_tokens + r.output_tokens for r in out.rows) >= 350_000_000
    assert out.report is not None
    kinds = [o["kind"] for o in out.report["model_outcomes"]]
    assert kinds.count("budget") >= GROUPS - 4
