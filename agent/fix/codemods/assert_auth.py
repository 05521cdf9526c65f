"""Authorisation asserts -> an explicit check that raises PermissionError (CWE-703).

``assert user.is_admin, "admins only"`` becomes::

    if not user.is_admin:
        raise PermissionError("admins only")

(``"permission denied"`` without a message). The condition is negated the way a reader
would write it: ``assert not x`` -> ``if x:``, ``==``/``in``/``is`` -> ``!=``/``not in``/
``is not``; other comparisons, and/or, conditional expressions, lambdas and ``:=`` are
parenthesised after ``not``.

Only asserts about authorisation are rewritten: their test names something like
is_admin, is_authenticated, authorized, permission(s), has_perm, role(s), owner,
is_staff, is_superuser, can_*, allowed or logged_in. Other asserts (invariants, type
narrowing) are left alone, as is an assert sharing its line with other statements.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.scan.auth_names import is_auth_name

_NEEDS_PARENS = (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr)
_INVERSE: dict[type[cst.BaseCompOp], type[cst.BaseCompOp]] = {
    cst.Equal: cst.NotEqual,
    cst.NotEqual: cst.Equal,
    cst.In: cst.NotIn,
    cst.NotIn: cst.In,
    cst.Is: cst.IsNot,
    cst.IsNot: cst.Is,
}


class AssertAuthToCheck(HardenCommand):
    DESCRIPTION = "Replace authorisation asserts with checks that survive python -O."

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        asserts = [s for s in updated.body if isinstance(s, cst.Assert)]
        if len(updated.body) != 1 or not asserts:
            if asserts:
                self.refuse(original, "the assert shares its line with other statements")
            return updated
        assertion = asserts[0]
        if not self.is_target(original) or not _is_about_auth(assertion.test):
            self.refuse(original, "not an authorisation check (an invariant stays an assert)")
            return updated
        self.mark_fixed(original)
        return cst.If(
            test=_negated(assertion.test),
            body=cst.IndentedBlock(
                body=[cst.SimpleStatementLine([_raise(assertion.msg)])],
                header=updated.trailing_whitespace,
            ),
            leading_lines=updated.leading_lines,
        )


def _is_about_auth(test: cst.BaseExpression) -> bool:
    """The test names an auth concept (``user.is_admin``) or compares with one ("admin")."""
    names = [n.value for n in m.findall(test, m.Name()) if isinstance(n, cst.Name)]
    strings = [
        s.evaluated_value
        for s in m.findall(test, m.SimpleString())
        if isinstance(s, cst.SimpleString)
    ]
    names += [s for s in strings if isinstance(s, str) and s.isidentifier()]
    return any(is_auth_name(name) for name in names)


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    """``not test`` as a reader would write it: ``x``, ``a != b``, ``a not in b``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test.expression
    inverted = _inverted_comparison(test)
    if inverted is not None:
        return inverted
    if isinstance(test, (*_NEEDS_PARENS, cst.Comparison)) and not test.lpar:
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(operator=cst.Not(), expression=test)


def _inverted_comparison(test: cst.BaseExpression) -> cst.Comparison | None:
    """``a == b`` -> ``a != b``, ``in`` -> ``not in``, ``is`` -> ``is not`` (and back)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1 or test.lpar:
        return None
    target = test.comparisons[0]
    inverse = _INVERSE.get(type(target.operator))
    if inverse is None:
        return None
    return test.with_changes(comparisons=[target.with_changes(operator=inverse())])


def _raise(msg: cst.BaseExpression | None) -> cst.Raise:
    message = msg if msg is not None else cst.SimpleString('"permission denied"')
    return cst.Raise(
        exc=cst.Call(func=cst.Name("PermissionError"), args=[cst.Arg(message)]),
    )


SPEC = CodemodSpec(
    id="harden:assert-auth",
    title="Check permissions with an explicit raise instead of assert",
    rationale=(
        "assert statements are removed when Python runs with -O, silently skipping "
        "the authorisation check (CWE-703); an if/raise PermissionError always runs."
    ),
    rules=frozenset({"S101", "B101"}),
    command=AssertAuthToCheck,
    reads=LOCAL,
)
