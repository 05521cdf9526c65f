"""eval(text) -> ast.literal_eval(text) (CWE-95: eval injection).

``eval(x)`` with exactly one positional argument becomes ``ast.literal_eval(x)``, and
``import ast`` is added once if missing. ``eval`` with globals or locals, with keywords or
``*args``, or a local name that shadows the builtin ``eval`` is left alone.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import BuiltinAssignment, ScopeProvider

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand


class EvalLiteral(HardenCommand):
    DESCRIPTION = "Parse literals with ast.literal_eval instead of eval."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self._is_builtin_eval(original) or not self.is_target(original):
            return updated
        if len(updated.args) != 1 or updated.args[0].keyword or updated.args[0].star:
            self.refuse(original, "eval is given globals, locals, keywords or *args")
            return updated
        self.mark_fixed(original)
        AddImportsVisitor.add_needed_import(self.context, "ast")
        literal_eval = cst.Attribute(value=cst.Name("ast"), attr=cst.Name("literal_eval"))
        return updated.with_changes(func=literal_eval)

    def _is_builtin_eval(self, call: cst.Call) -> bool:
        """``call`` calls the builtin eval: no local or imported name shadows it."""
        wrapper = self.context.wrapper
        if not isinstance(call.func, cst.Name) or call.func.value != "eval" or wrapper is None:
            return False
        scope = wrapper.resolve(ScopeProvider).get(call.func)
        if scope is None:
            return False
        return all(isinstance(a, BuiltinAssignment) for a in scope["eval"])


SPEC = CodemodSpec(
    id="harden:eval-literal",
    title="Parse literals with ast.literal_eval instead of eval",
    rationale=(
        "eval runs any Python expression it is given, so input reaching it can execute "
        "code (CWE-95); ast.literal_eval accepts only literals."
    ),
    rules=frozenset({"S307", "B307"}),
    command=EvalLiteral,
    reads=LOCAL,
)
