"""Log what each LLM request cost: its reply's ``usage`` on a log line (HA105).

``reply = client.chat.completions.create(...)`` in a function that never reads
``reply.usage`` gets, right after it, ``logger.info("<function>: LLM usage %s",
reply.usage)`` through the module logger (made when the module has none, see
``_lib.logger``). Left alone: a request whose reply is not assigned to one plain name.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods._lib.log_calls import string_literal
from agent.fix.codemods._lib.logger import LOGGER_READS, LoggingCommand
from agent.fix.codemods.base import CodemodSpec
from agent.scan.llm_calls import endpoint
from agent.scan.parse import parse_expression

_ASSIGNED = m.SimpleStatementLine(
    body=[m.Assign(targets=[m.AssignTarget(target=m.Name())], value=m.Call())]
)
_NOT_ASSIGNED = "the reply is not assigned to one name, so there is no usage to log"


class LlmUsage(LoggingCommand):
    DESCRIPTION = "Log the usage of each LLM reply."

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body: list[cst.BaseStatement] = []
        for before, after in zip(original.body, updated.body, strict=True):
            body.append(after)
            reply = self._reply(before)
            if reply is not None:
                self.mark_fixed(before)
                message = string_literal(f"{self.where()}: LLM usage %s")
                usage = cst.Attribute(cst.Name(reply), cst.Name("usage"))
                body.append(self.log("info", message, usage))
        return updated.with_changes(body=body)

    def _reply(self, statement: cst.BaseStatement) -> str | None:
        """The name a targeted request's reply is assigned to, or None."""
        if not m.matches(statement, _ASSIGNED) or not self.is_target(statement):
            return None
        assign = statement.body[0]  # type: ignore[attr-defined]
        code = cst.Module(body=[]).code_for_node(assign.value.func)
        try:
            callee = parse_expression(" ".join(code.split()))
        except SyntaxError:
            return None
        name: str = assign.targets[0].target.value
        return name if endpoint(callee) else None

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        unfixed = {t.id: _NOT_ASSIGNED for t in self.targets if t.id not in self.fixed_ids}
        self.refusals.update(unfixed)
        return super().leave_Module(original, updated)


SPEC = CodemodSpec(
    id="harden:llm-usage",
    title="Log the usage of each LLM reply",
    rationale=(
        "A reply whose usage is never read leaves the feature's token use and cost "
        "untracked; one log line with reply.usage after each request makes it visible "
        "(CWE-778)."
    ),
    rules=frozenset({"HA105"}),
    command=LlmUsage,
    reads=LOGGER_READS,
)
