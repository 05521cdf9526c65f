"""Whether an ``except`` handler ignores its error on purpose, and how loud to log it.

``deliberate``: a comment says why (on the ``except`` line, above or beside its
``pass``/``continue``), or all the handler does is return a fixed fallback value
(``falls_back``: ``return False``, ``return None``, ``return 0``, ``return []``), as in a
validator given bad input. Such an error is not an ERROR with a traceback in the logs:
the logging codemods log it at DEBUG, with the traceback (``exc_info=True``) for whoever
turns debug logging on. Broad handlers without a word of explanation keep
``logger.exception(...)``.

``keeps_default``: the ``try`` only reassigns a name that the same block set just before
(``ts = None`` / ``try: ts = parse(raw)`` / ``except Exception: pass``), so the default
stays on purpose and the code after it checks it.

Handlers of narrow, expected exceptions (``except KeyError: pass``) are not reported by
ruff's S110/S112 or bandit's B110/B112 (nor BLE001), so they never reach a codemod and
stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods._lib.assign import assignment

__all__ = ["deliberate", "falls_back", "keeps_default", "only_passes"]


def deliberate(handler: cst.ExceptHandler) -> bool:
    """Whether ``handler`` ignores its error on purpose: a comment says so, or it returns
    a fixed fallback value."""
    return _explained(handler.body) or falls_back(handler)


_FALLBACK = m.Return(
    value=m.Name("True")
    | m.Name("False")
    | m.Name("None")
    | m.Integer()
    | m.Float()
    | m.SimpleString()
    | m.List(elements=[])
    | m.Tuple(elements=[])
    | m.Dict(elements=[])
)


def falls_back(handler: cst.ExceptHandler) -> bool:
    """The handler's body is one ``return <literal>``."""
    statements = handler.body.body
    if len(statements) != 1:
        return False
    line = statements[0]
    if isinstance(line, cst.SimpleStatementLine):
        return len(line.body) == 1 and m.matches(line.body[0], _FALLBACK)
    return isinstance(line, cst.BaseSmallStatement) and m.matches(line, _FALLBACK)


def _explained(body: cst.BaseSuite) -> bool:
    """A comment on the ``except`` line, or on/above a ``pass`` or ``continue`` in it."""
    if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
        return True
    if isinstance(body, cst.SimpleStatementSuite):
        return body.trailing_whitespace.comment is not None
    lines = body.body if isinstance(body, cst.IndentedBlock) else ()
    return any(_commented(line) for line in lines if _skips(line))


def _skips(line: cst.BaseStatement) -> bool:
    return m.matches(line, m.SimpleStatementLine(body=[m.Pass() | m.Continue()]))


def _commented(line: cst.BaseStatement) -> bool:
    if not isinstance(line, cst.SimpleStatementLine):
        return False
    above = any(empty.comment is not None for empty in line.leading_lines)
    return above or line.trailing_whitespace.comment is not None


def keeps_default(attempt: cst.Try, before: Sequence[cst.BaseStatement]) -> bool:
    """The ``try`` body is one assignment to a name that a statement in ``before`` set."""
    target = _assigned_name(attempt.body.body[0]) if len(attempt.body.body) == 1 else None
    return target is not None and any(_assigned_name(s) == target for s in before)


def only_passes(handler: cst.ExceptHandler) -> bool:
    """The handler's body is ``pass`` and nothing else."""
    body = handler.body
    if isinstance(body, cst.SimpleStatementSuite):
        return all(isinstance(s, cst.Pass) for s in body.body)
    lines = body.body if isinstance(body, cst.IndentedBlock) else ()
    return all(m.matches(line, m.SimpleStatementLine(body=[m.Pass()])) for line in lines)


def _assigned_name(statement: cst.BaseStatement | cst.BaseSmallStatement) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    parts = assignment(statement.body[0])
    return parts[0].value if parts and isinstance(parts[0], cst.Name) else None
