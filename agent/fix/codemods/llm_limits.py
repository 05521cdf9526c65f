"""Bound the app's LLM calls: a timeout, explicit retries and an output-token cap.

For the openai and anthropic SDKs (findings HA102, HA103, HA104 of the ai priority):

- a request with no timeout gets ``timeout=60`` on the call itself (both SDKs take it per
  request, so a client shared with other code keeps its own settings);
- a client made without ``max_retries`` gets ``max_retries=2`` (the SDKs' default, now
  visible and reviewable);
- a request with no cap gets one of 4096 tokens under the name its endpoint takes:
  ``max_output_tokens`` for ``responses``, ``max_completion_tokens`` for
  ``chat.completions``, ``max_tokens`` for ``messages`` and legacy ``completions``.

Left alone: the legacy ``openai.ChatCompletion``/``Completion`` API for a timeout (it names
it ``request_timeout``), and any call passing ``**kwargs``.
"""

from __future__ import annotations

import libcst as cst

from agent.fix.codemods._lib.log_calls import add_keyword
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.models import Finding
from agent.scan.llm_calls import endpoint
from agent.scan.parse import parse_expression

_TIMEOUT, _RETRIES, _CAP = "60", "2", "4096"
_CLIENTS = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI", "Anthropic",
                      "AsyncAnthropic", "AnthropicBedrock", "AnthropicVertex"})  # fmt: skip
_LEGACY = ("ChatCompletion.", "Completion.")


class LlmLimits(HardenCommand):
    DESCRIPTION = "Give LLM requests a timeout and a token cap, and clients explicit retries."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.is_target(original) or any(a.star == "**" for a in updated.args):
            return updated
        callee = _callee(self.module_code(original.func))
        if callee is None:
            return updated
        if callee.rsplit(".", 1)[-1] in _CLIENTS:
            return self._add(original, updated, "HA103", "max_retries", _RETRIES)
        called = endpoint(parse_expression(callee))
        if called is None:
            return updated
        updated = self._add(original, updated, "HA104", _cap_name(called), _CAP)
        if called.startswith(_LEGACY):
            self._refuse_rule(original, "HA102", "the legacy openai API names it request_timeout")
            return updated
        return self._add(original, updated, "HA102", "timeout", _TIMEOUT)

    def module_code(self, node: cst.CSTNode) -> str:
        return cst.Module(body=[]).code_for_node(node)

    def _own(self, original: cst.Call, rule: str) -> list[Finding]:
        """The targeted findings of ``rule`` that start on the call's first line."""
        start = self.span(original)[0]
        return [f for f in self.targets_in(original) if f.rule == rule and f.line == start]

    def _add(
        self, original: cst.Call, updated: cst.Call, rule: str, name: str, value: str
    ) -> cst.Call:
        own = self._own(original, rule)
        if not own:
            return updated
        self.fixed_ids.update(f.id for f in own)
        return add_keyword(updated, name, cst.Integer(value))

    def _refuse_rule(self, original: cst.Call, rule: str, why: str) -> None:
        self.refusals.update({f.id: why for f in self._own(original, rule)})


def _callee(code: str) -> str | None:
    """The callee as parseable text (``OpenAI().chat.completions.create``), or None."""
    try:
        parse_expression(code)
    except SyntaxError:
        return None
    return " ".join(code.split())


def _cap_name(called: str) -> str:
    if called.startswith("responses."):
        return "max_output_tokens"
    return "max_completion_tokens" if called.startswith("chat.completions.") else "max_tokens"


SPEC = CodemodSpec(
    id="harden:llm-limits",
    title="Bound LLM calls: timeout, retries, token cap",
    rationale=(
        "An LLM request without a timeout holds the worker for up to 10 minutes when the "
        "provider stalls, one without a token cap bounds neither the reply's length nor its "
        "cost, and a client's retries should be a visible decision; timeout=60, "
        "max_retries=2 and a 4096-token cap make them explicit (CWE-400, CWE-770)."
    ),
    rules=frozenset({"HA102", "HA103", "HA104"}),
    command=LlmLimits,
    reads=LOCAL,
)
