"""tempfile.mktemp -> tempfile.NamedTemporaryFile (CWE-377: insecure temporary file).

Only a statement line that is exactly ``name = tempfile.mktemp(args)`` (or
``name: str = tempfile.mktemp(args)``) is rewritten::

    with tempfile.NamedTemporaryFile(delete=False, suffix=...) as _harden_tmp:
        name = _harden_tmp.name

mktemp's positional arguments (suffix, prefix, dir) become keywords. The file is created
with safe permissions and closed, and its name is kept. Any other use of mktemp (inside
an expression, several statements on one line, ``*args``, unknown keywords) is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_PARAMS = ("suffix", "prefix", "dir")
_MKTEMP = m.Call(func=m.Attribute(value=m.Name("tempfile"), attr=m.Name("mktemp")))
_HANDLE = "_harden_tmp"
_NO_SPACE = cst.SimpleWhitespace("")
_ASSIGNS = (cst.Assign, cst.AnnAssign)


class TempfileMktemp(HardenCommand):
    DESCRIPTION = "Create temporary files with NamedTemporaryFile instead of mktemp."

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        if len(updated.body) != 1 or not self.is_target(original):
            return updated
        statement = updated.body[0]
        call = _mktemp_assigned(statement)
        keywords = _as_keywords(call.args) if call else None
        if call is None or keywords is None or not isinstance(statement, _ASSIGNS):
            return updated
        self.mark_fixed(original)
        return _with_statement(updated, statement, call, keywords)


def _mktemp_assigned(statement: cst.BaseSmallStatement) -> cst.Call | None:
    """The mktemp call when ``statement`` is ``<one target> = tempfile.mktemp(...)``."""
    if isinstance(statement, cst.Assign) and len(statement.targets) != 1:
        return None
    if not isinstance(statement, _ASSIGNS):
        return None
    call = statement.value
    return call if isinstance(call, cst.Call) and m.matches(call, _MKTEMP) else None


def _as_keywords(args: Sequence[cst.Arg]) -> list[cst.Arg] | None:
    """mktemp's arguments as keyword arguments, or None if they are not plain ones."""
    keywords = []
    for index, arg in enumerate(args):
        if arg.star or index >= len(_PARAMS):
            return None
        name = arg.keyword.value if arg.keyword else _PARAMS[index]
        if name not in _PARAMS:
            return None
        keywords.append(_keyword(name, arg.value))
    return keywords


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
    )


def _with_statement(
    line: cst.SimpleStatementLine,
    statement: cst.Assign | cst.AnnAssign,
    mktemp: cst.Call,
    keywords: list[cst.Arg],
) -> cst.With:
    """``with tempfile.NamedTemporaryFile(...) as _harden_tmp: <target> = _harden_tmp.name``."""
    func = mktemp.func
    if isinstance(func, cst.Attribute):
        func = func.with_changes(attr=cst.Name("NamedTemporaryFile"))
    args = [_keyword("delete", cst.Name("False")), *keywords]
    commas = [
        a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for a in args[:-1]
    ]
    opener = cst.Call(func=func, args=[*commas, args[-1]])
    item = cst.WithItem(item=opener, asname=cst.AsName(name=cst.Name(_HANDLE)))
    name = cst.Attribute(value=cst.Name(_HANDLE), attr=cst.Name("name"))
    body = line.with_changes(body=[statement.with_changes(value=name)], leading_lines=())
    return cst.With(
        items=[item], body=cst.IndentedBlock(body=[body]), leading_lines=line.leading_lines
    )


SPEC = CodemodSpec(
    id="harden:tempfile-mktemp",
    title="Create temporary files securely",
    rationale=(
        "tempfile.mktemp returns a name another process can claim before the file is "
        "created (CWE-377); NamedTemporaryFile creates it atomically with safe permissions."
    ),
    rules=frozenset({"S306", "B306"}),
    command=TempfileMktemp,
    reads=LOCAL,
)
