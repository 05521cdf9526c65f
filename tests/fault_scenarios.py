"""Scripted model faults, a few harden runs' worth, each run consuming several of them.

With ``--jobs 1`` the groups of findings are asked in order, one request at a time, so a
script is a list of per-group steps; the unreadable replies are asked once more (with the
error as feedback) after all first proposals, so their second answers come last. A
``Delay`` longer than ``HARDEN_MODEL_TIMEOUT`` trips the client's timeout; its sleeping
handler later swallows one spare step, so it goes last, before spare abstentions.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakellm import Delay, Fault, Raw, Reply, Reset, Step
from tests.secret_corpus import ABSTAIN
from tests.trust_harness import ANTHROPIC_MODEL, OPENAI_MODEL

__all__ = ["SCENARIOS", "FaultScenario"]

ABSTAINED = Reply(ABSTAIN)
SCHEMA_INVALID = Reply({"decision": "maybe", "title": 3, "edits": "none"})
WRONG_LANGUAGE = Reply(
    {
        **ABSTAIN,
        "title": "Pas de correctif sûr",
        "rationale": "Les appelants dépendent de pickle; 呼び出し元は任意の"
        "オブジェクトに依存します。",
    }
)
PROSE = Reply("Voici le correctif : remplacez pickle.loads par json.loads, c'est plus sûr.")
FIVE_MB = Reply('{"decision": "fix", "rationale": "' + "A" * 5_000_000)
TRUNCATED_OPENAI = Raw('{"id": "chatcmpl-fake", "object": "chat.completion", "choi')
TRUNCATED_ANTHROPIC = Raw('{"id": "msg_fake", "type": "message", "conte')


@dataclass(frozen=True)
class FaultScenario:
    """One harden run: its groups, the script, the faults in it and what must come out."""

    name: str
    model: str
    groups: int
    steps: tuple[Step, ...]
    faults: tuple[str, ...]
    outcomes: tuple[str, ...]  # sorted model_outcomes kinds
    requests: int
    failed_because: str = ""  # in the reason of every "failed" outcome


TRANSPORT = FaultScenario(
    name="transport",
    model=OPENAI_MODEL,
    groups=6,
    steps=(
        *(Fault(429, headers={"retry-after": "1"}), ABSTAINED),
        *(Fault(429), ABSTAINED),
        *(Fault(500), Fault(502), Fault(503), ABSTAINED),
        *(Reset(), ABSTAINED),
        *(Fault(503),) * 4,  # every attempt fails: the group is reported as failed
        *(Delay(3.0), ABSTAINED, ABSTAINED),
    ),
    faults=(
        "429 Retry-After",
        "429 no Retry-After",
        "500",
        "502",
        "503",
        "connection reset",
        "503 x4 (gave up)",
        "client timeout",
    ),
    outcomes=("abstained",) * 5 + ("failed",),
    requests=2 + 2 + 4 + 2 + 4 + 2,
    failed_because="503",
)

REPLIES = FaultScenario(
    name="replies",
    model=OPENAI_MODEL,
    groups=6,
    steps=(
        TRUNCATED_OPENAI,
        SCHEMA_INVALID,
        *(Reply(""), ABSTAINED),
        FIVE_MB,
        WRONG_LANGUAGE,
        PROSE,
        # second answers to the unreadable ones, in the same order
        ABSTAINED,
        SCHEMA_INVALID,
        ABSTAINED,
        ABSTAINED,
    ),
    faults=(
        "truncated JSON",
        "schema-invalid JSON x2 (gave up)",
        "empty reply",
        "5 MB reply",
        "wrong language (valid schema)",
        "prose instead of JSON",
    ),
    outcomes=("abstained",) * 5 + ("failed",),
    requests=2 + 2 + 2 + 2 + 1 + 2,
    failed_because="unparsable reply",
)

ANTHROPIC = FaultScenario(
    name="anthropic",
    model=ANTHROPIC_MODEL,
    groups=3,
    steps=(
        *(Fault(529), Fault(529, headers={"retry-after": "0"}), ABSTAINED),
        *(Fault(429, headers={"retry-after": "1"}), ABSTAINED),
        TRUNCATED_ANTHROPIC,
        ABSTAINED,  # its second answer
    ),
    faults=("529 overloaded", "529 Retry-After", "429 Retry-After", "truncated JSON"),
    outcomes=("abstained",) * 3,
    requests=3 + 2 + 2,
)

SCENARIOS = (TRANSPORT, REPLIES, ANTHROPIC)
