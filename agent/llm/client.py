"""One path for every model call: cache -> budget -> retry -> provider -> ledger -> cache.

``LLMClient.complete`` never raises for what a model or provider can do wrong: the outcome
(a ``CallOutcome``: "ok", "unparsable", "schema-invalid", "error: <class>",
"refused-budget") is data in the ``CallResult`` and a row in the ledger. Every call that
reached the provider is billed, failed ones too (a ``ProviderError`` carries the usage it
was charged). Only valid replies are cached; a hit costs nothing and records what it saved.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from agent.llm.base import (
    Provider,
    ProviderError,
    ProviderReply,
    RenderedPrompt,
    Usage,
)
from agent.llm.budget import Budget, BudgetExceeded
from agent.llm.cache import ResponseCache, cache_key
from agent.llm.call import (
    Call,
    CallOutcome,
    CallResult,
    Meter,
    OverBudget,
    outcome_of,
    validation_outcome,
)
from agent.llm.ledger import CallRecord, Ledger
from agent.llm.pricing import Pricing
from agent.llm.retry import RetryPolicy
from agent.llm.settle import settlement
from agent.llm.structured import StructuredUse
from agent.llm.throttle import Throttle

__all__ = ["CallResult", "LLMClient", "estimate_cost", "estimate_tokens"]

M = TypeVar("M", bound=BaseModel)
_log = logging.getLogger("harden.llm")

_RATE_LIMITED = 429


def estimate_tokens(prompt: RenderedPrompt) -> int:
    """A rough count of prompt tokens: four characters a token."""
    return math.ceil((len(prompt.messages.system) + len(prompt.messages.user)) / 4)


def estimate_cost(
    model_spec: str, input_tokens: int, output_tokens: int, pricing: Pricing | None = None
) -> float | None:
    """Dollars for a call of this size on ``provider/model``; None when the price is unknown."""
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    return (pricing or Pricing.load()).price(model_spec, usage)


class LLMClient:
    """Calls ``provider`` for one run; see the module docstring for the path of a call."""

    def __init__(
        self,
        provider: Provider,
        *,
        ledger: Ledger,
        cache: ResponseCache | None,
        budget: Budget,
        pricing: Pricing,
        retry: RetryPolicy,
        run_id: str,
        model_spec: str | None = None,
    ) -> None:
        self.provider = provider
        # The name the user chose ("openai/gpt-4.1-mini" even when served through a
        # compatible --base-url) is what pricing and the ledger know it by.
        self.model_spec = model_spec or f"{provider.name}/{provider.model}"
        self.run_id = run_id
        self._ledger, self._cache, self._budget = ledger, cache, budget
        self._pricing, self._retry = pricing, retry
        self._unpriced: set[str] = set()
        self.throttle = Throttle()
        self.structured = StructuredUse()
        self._lock = threading.Lock()

    def complete(
        self,
        prompt: RenderedPrompt,
        schema: type[M],
        *,
        finding_id: str,
        sample: int = 0,
        max_tokens: int = 4096,
        estimate_input_tokens: int | None = None,
    ) -> CallResult[M]:
        call = Call(prompt, schema, finding_id, sample)
        key = cache_key(
            self.provider.name, self.provider.model, prompt, schema, prompt.temperature, sample
        )
        hit = self._from_cache(call, key)
        if hit is not None:
            return hit
        tokens = estimate_tokens(prompt) if estimate_input_tokens is None else estimate_input_tokens
        result, reply = self._metered(call, tokens, max_tokens)
        self._record(call, result)
        if self._cache is not None and reply is not None and result.ok:
            self._cache.put(key, reply, result.cost_usd)
        return result

    def _metered(
        self, call: Call[M], input_tokens: int, max_tokens: int
    ) -> tuple[CallResult[M], ProviderReply | None]:
        """Reserve the estimate, make the call, settle what it cost."""
        estimate = self.estimate(input_tokens, max_tokens)
        try:
            reservation = self._budget.reserve(estimate)
        except BudgetExceeded as exc:
            return self._refused(str(exc)), None
        try:
            result, reply = self._call(call, max_tokens)
        except BaseException:
            self._budget.cancel(reservation)
            raise
        result = self._settled(result, estimate, max_tokens)
        self._budget.settle(reservation, result.cost_usd)
        return result, reply

    def _settled(self, result: CallResult[M], estimate: float | None, limit: int) -> CallResult[M]:
        """The result at the cost to settle (agent.llm.settle), noted when usage was odd."""
        cost, note = settlement(result.usage, result.cost_usd, estimate, limit, result.attempts)
        if not note:
            return result
        _log.warning("%s: %s", self.model_spec, note)
        return result.model_copy(update={"cost_usd": cost, "usage_note": note})

    @property
    def budget(self) -> Budget:
        return self._budget

    def estimate(self, input_tokens: int, output_tokens: int) -> float | None:
        return estimate_cost(self.model_spec, input_tokens, output_tokens, self._pricing)

    def _from_cache(self, call: Call[M], key: str) -> CallResult[M] | None:
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is None:
            return None
        try:
            parsed = call.schema.model_validate_json(cached.reply.text)
        except ValidationError:
            return None
        result = CallResult[M](outcome=CallOutcome.OK, parsed=parsed, cost_usd=0.0, cache_hit=True)
        self._record(call, result, saved_usd=cached.cost_usd or 0.0)
        return result

    def _refused(self, message: str) -> CallResult[M]:
        _log.info("%s: call refused: %s", self.model_spec, message)
        return CallResult[M](
            outcome=CallOutcome.REFUSED_BUDGET, error=f"budget: {message}", cost_usd=0.0
        )

    def _call(self, call: Call[M], max_tokens: int) -> tuple[CallResult[M], ProviderReply | None]:
        meter, start = Meter(), time.monotonic()
        try:
            reply, _ = self._retry.call(lambda: self._send(call, max_tokens, meter))
        except ProviderError as exc:
            _log.warning("%s: %s: %s", self.model_spec, type(exc).__name__, exc.message)
            self.structured.add(meter.mode, meter.rejected)
            return self._result(outcome_of(exc), None, exc.message, meter.usage, meter, start), None
        parsed, outcome, error = self._validate(call.schema, reply.text)
        self.structured.add(meter.mode, meter.rejected)
        return self._result(outcome, parsed, error, meter.usage + reply.usage, meter, start), reply

    def _send(self, call: Call[M], max_tokens: int, meter: Meter) -> ProviderReply:
        """One request; a failed one still adds what it was billed to ``meter``.

        Nothing is sent once the budget is reached (what other calls settled meanwhile, what
        is held, and what this call's attempts were billed so far).
        """
        try:
            self._budget.check_send(self._pricing.price(self.model_spec, meter.usage))
        except BudgetExceeded as exc:
            raise OverBudget(f"budget: {exc}", usage=Usage()) from exc
        self.throttle.wait()
        meter.sent += 1
        try:
            reply = self.provider.complete(
                call.prompt.messages, call.schema, call.prompt.temperature, max_tokens
            )
        except ProviderError as exc:
            meter.usage += exc.usage
            meter.count(exc.requests, exc.rejected, exc.mode)
            if exc.status == _RATE_LIMITED:
                self.throttle.pause(exc.retry_after)
            raise
        meter.count(reply.requests, reply.rejected, reply.mode)
        return reply

    @staticmethod
    def _validate(schema: type[M], text: str) -> tuple[M | None, CallOutcome, str | None]:
        try:
            return schema.model_validate_json(text), CallOutcome.OK, None
        except ValidationError as exc:
            outcome, error = validation_outcome(exc)
            return None, outcome, error

    def _result(
        self,
        outcome: CallOutcome,
        parsed: M | None,
        error: str | None,
        usage: Usage,
        meter: Meter,
        start: float,
    ) -> CallResult[M]:
        return CallResult[M](
            outcome=outcome,
            parsed=parsed,
            error=error,
            usage=usage,
            cost_usd=self._price(usage),
            attempts=meter.sent,
            latency_s=time.monotonic() - start,
            mode=meter.mode,
        )

    def _price(self, usage: Usage) -> float | None:
        cost = self._pricing.price(self.model_spec, usage)
        if cost is None:
            with self._lock:
                first = self.model_spec not in self._unpriced
                self._unpriced.add(self.model_spec)
            if first:
                _log.warning(
                    "no price known for %s: its cost is recorded as unknown (add it under "
                    '[tool.harden.pricing."%s"] in pyproject.toml)',
                    self.model_spec,
                    self.model_spec,
                )
        return cost

    def _record(self, call: Call[M], result: CallResult[M], saved_usd: float = 0.0) -> None:
        usage = result.usage
        self._ledger.record(
            CallRecord(
                run_id=self.run_id,
                finding_id=call.finding_id,
                provider=self.model_spec.partition("/")[0],
                model=self.model_spec.partition("/")[2],
                prompt=str(call.prompt.ref),
                prompt_hash=call.prompt.ref.content_hash,
                input_tokens=usage.input_tokens,
                cached_tokens=usage.cached_input_tokens,
                cache_write_tokens=usage.cache_write_tokens,
                output_tokens=usage.output_tokens,
                cost_usd=result.cost_usd,
                latency_s=result.latency_s,
                attempts=result.attempts,
                cache_hit=result.cache_hit,
                outcome=result.outcome.value,
                sample=call.sample,
                saved_usd=saved_usd,
                usage_note=result.usage_note,
                structured_mode=result.mode,
            )
        )
