"""What a call is settled at when the usage its provider reported cannot be trusted.

A reply with no usage, or with counts no provider can mean (negative, fractional, text:
see ``agent.llm.base.reported_usage``), is settled at no less than the estimate reserved
for it: a broken or hostile server must not make calls free (or refund money) and so let
``--budget`` admit more of them. Counts past ``max_tokens`` are recorded as reported and
settled at what they price to (the provider may bill them), with a note. The note is what
the ledger shows beside the call.
"""

from __future__ import annotations

from agent.llm.base import Usage

__all__ = ["settlement"]

SETTLED_AT_ESTIMATE = "settled at the estimate"


def settlement(
    usage: Usage, priced: float | None, estimate: float | None, max_tokens: int, attempts: int
) -> tuple[float | None, str]:
    """The dollars to settle a call at, and a note on its usage ("" when all is well)."""
    notes = [usage.problem] if usage.problem else []
    if usage.output_tokens > max_tokens * max(attempts, 1):
        notes.append(f"output_tokens {usage.output_tokens:,} > max_tokens {max_tokens:,}")
    if usage.problem and estimate is not None:
        priced = max(priced or 0.0, estimate)
        notes.append(SETTLED_AT_ESTIMATE)
    if priced is not None:
        priced = max(priced, 0.0)
    return priced, "; ".join(notes)
