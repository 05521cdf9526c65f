"""Pass SQL values as query parameters (CWE-89: SQL injection).

``cur.execute(f"SELECT * FROM users WHERE name = '{name}' AND age > {age}")`` becomes
``cur.execute("SELECT * FROM users WHERE name = ? AND age > ?", (name, age))``, for SQL
built by f-string, ``%``, ``+`` or ``.format`` and passed to ``<x>.execute(...)``. The
two-step form inside one function is fixed too::

    query = f"SELECT * FROM t WHERE id = {uid}"   ->   query = "SELECT * FROM t WHERE id = ?"
    cursor.execute(query)                         ->   cursor.execute(query, (uid,))

The placeholder comes from the module's imports: ``sqlite3`` gives ``?``; ``psycopg2``,
``psycopg``, ``pymysql``, ``MySQLdb`` and ``mysql.connector`` give ``%s`` (literal ``%``
then doubled).

Left alone: modules importing no known driver or several; calls that already pass
parameters (so every ``executemany``); values that are not in a value position (see
``_sql``); a two-step query variable used or assigned anywhere else in the function,
assigned after the call, assigned outside a loop or nested scope that holds the call,
or built from values that are not simple names/attributes/subscripts, or whose names
are rebound between the assignment and the call.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.sql import DRIVER_NAMES, placeholder_for, rewrite_sql
from agent.fix.codemods._lib.sql_flow import (
    TwoStep,
    barriers,
    is_simple,
    root_names,
    sql_arg,
    stores,
    two_steps,
)
from agent.fix.codemods.base import CodemodSpec, HardenCommand, Reads
from agent.models import Finding


class SqlParameters(HardenCommand):
    DESCRIPTION = "Pass SQL values as driver parameters instead of formatting them in."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self.placeholder: str | None = None
        self.new_values: dict[cst.Assign, cst.BaseExpression] = {}
        self.new_params: dict[cst.Call, cst.Tuple] = {}

    def visit_Module(self, node: cst.Module) -> None:
        self.placeholder = placeholder_for(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for step in two_steps(node) if self.placeholder else []:
            self._plan(node, step)

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        new = self.new_values.get(original)
        if new is None:
            return updated
        self.mark_fixed(original.value)
        return updated.with_changes(value=new)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original in self.new_params:
            return _with_params(updated, self.new_params[original])
        arg, new_arg = sql_arg(original), sql_arg(updated)
        if arg is None or new_arg is None or self.placeholder is None:
            return updated
        if not self.is_target(arg.value):
            return updated
        rewrite = rewrite_sql(new_arg.value, self.placeholder)
        if rewrite is None:
            return updated
        self.mark_fixed(arg.value)
        query, params = rewrite
        return _with_params(updated.with_changes(args=[new_arg.with_changes(value=query)]), params)

    def _plan(self, func: cst.FunctionDef, step: TwoStep) -> None:
        value = step.assign.value
        if self.placeholder is None or not self.is_target(value):
            return
        if not self._in_order(func, step):
            return
        rewrite = rewrite_sql(value, self.placeholder)
        if rewrite is None or not self._unchanged_until_call(func, step, rewrite[1]):
            return
        self.new_values[step.assign] = rewrite[0]
        self.new_params[step.call] = rewrite[1]

    def _in_order(self, func: cst.FunctionDef, step: TwoStep) -> bool:
        """The assignment comes first and runs each time the call can (no loop between)."""
        if self.span(step.assign)[1] > self.span(step.call)[0]:
            return False
        scopes = barriers(func)
        return scopes[step.call] <= scopes[step.assign]

    def _unchanged_until_call(
        self, func: cst.FunctionDef, step: TwoStep, params: cst.Tuple
    ) -> bool:
        """Moving the values to the call is exact: they are simple and not rebound before it."""
        values = [e.value for e in params.elements]
        if not all(is_simple(v) for v in values):
            return False
        names = {n for v in values for n in root_names(v)}
        first, last = self.span(step.assign)[0], self.span(step.call)[1]
        return not any(
            root_names(target) & names and first <= self.span(target)[0] <= last
            for target in stores(func)
        )


def _with_params(call: cst.Call, params: cst.Tuple) -> cst.Call:
    """Append ``params`` after the query, on its own line when the call is split."""
    query = call.args[0]
    split = isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
    gap = call.whitespace_before_args if split else cst.SimpleWhitespace(" ")
    last = cst.Arg(
        params,
        comma=cst.Comma() if split else query.comma,
        whitespace_after_arg=query.whitespace_after_arg,
    )
    first = query.with_changes(
        comma=cst.Comma(whitespace_after=gap), whitespace_after_arg=cst.SimpleWhitespace("")
    )
    return call.with_changes(args=[first, last])


SPEC = CodemodSpec(
    id="harden:sql-params",
    title="Pass SQL values as query parameters",
    rationale=(
        "Values formatted into SQL text can change the query itself (CWE-89); passed as "
        "driver parameters they are always data."
    ),
    rules=frozenset({"S608", "B608"}),
    command=SqlParameters,
    reads=Reads(local=True, names=DRIVER_NAMES),
)
