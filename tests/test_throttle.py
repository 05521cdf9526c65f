from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from agent.fix.llm_patch import ModelPatch
from agent.llm.base import TransientError
from agent.llm.budget import Budget
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.pricing import Pricing
from agent.llm.retry import RetryPolicy
from agent.llm.throttle import Throttle
from tests.llm_scripted import ScriptedProvider, rendered
from tests.test_llm_faults import ABSTAIN


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_pause_makes_the_next_callers_wait_it_out() -> None:
    clock = FakeClock()
    throttle = Throttle(clock=clock, sleep=clock.sleep)
    assert throttle.wait() == 0.0
    throttle.pause(2.0)
    clock.now += 0.5
    assert throttle.wait() == 1.5
    assert throttle.wait() == 0.0
    throttle.pause(None)
    assert clock.slept == [1.5] and throttle.wait() == 1.0


def test_a_429_in_one_call_delays_the_other_calls_of_the_run(tmp_path: Path) -> None:
    limited = TransientError("rate limited", status=429, retry_after=0.4)
    provider = ScriptedProvider([limited, json.dumps(ABSTAIN), json.dumps(ABSTAIN)])
    client = LLMClient(
        provider,
        ledger=Ledger(tmp_path / "l.sqlite"),
        cache=None,
        budget=Budget(None),
        pricing=Pricing.load(),
        retry=RetryPolicy(base_delay_s=0.01),
        run_id="r",
    )
    first = threading.Thread(
        target=client.complete, args=(rendered("a"), ModelPatch), kwargs={"finding_id": "a"}
    )
    first.start()
    time.sleep(0.1)  # the first call has had its 429 and set the pause
    started = time.monotonic()
    result = client.complete(rendered("b"), ModelPatch, finding_id="b")
    first.join()
    assert result.outcome == "ok"
    assert time.monotonic() - started >= 0.25  # waited out most of the 0.4 s pause
