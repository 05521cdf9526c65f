"""``subprocess.run(...)`` whose result is dropped gets ``check=True`` (CWE-252).

A command that fails returns a non-zero exit status; when nobody looks at the result the
failure goes unnoticed and the program carries on as if it had worked. With
``check=True`` a failure raises ``CalledProcessError``.

Left alone: calls whose result is assigned, returned or passed on (the code may inspect
``returncode``; the finding goes to the model), calls passing ``**kwargs`` (``check``
may be inside), and ``run`` imported with ``from subprocess import run``.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods._lib.log_calls import add_keyword
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_RUN = m.Call(func=m.Attribute(value=m.Name("subprocess"), attr=m.Name("run")))


class SubprocessCheck(HardenCommand):
    DESCRIPTION = "Make subprocess.run raise when a command whose result is unused fails."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if m.matches(original, _RUN):  # leave_Expr fixes it if the result is dropped
            self.refuse(original, "its result is used (the code may inspect returncode)")
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr:
        call = updated.value
        if not isinstance(call, cst.Call) or not m.matches(call, _RUN):
            return updated
        if any(a.star == "**" for a in call.args):
            self.refuse(original, "it passes **kwargs (check may be among them)")
            return updated
        if not self.is_target(original):
            return updated
        if any(a.keyword is not None and a.keyword.value == "check" for a in call.args):
            return updated
        self.mark_fixed(original)
        return updated.with_changes(value=add_keyword(call, "check", cst.Name("True")))


SPEC = CodemodSpec(
    id="harden:subprocess-check",
    title="Fail loudly when a subprocess fails",
    rationale=(
        "subprocess.run ignores a failing command unless check=True, so the program "
        "carries on after a failure nobody sees (CWE-252); check=True raises instead."
    ),
    rules=frozenset({"PLW1510"}),
    command=SubprocessCheck,
    reads=LOCAL,
)
