"""Take Flask's debug mode and public bind out of the code (CWE-94 debugger, CWE-605 bind).

In a call ``<anything>.run(...)``:

- ``debug=True`` becomes ``debug=os.environ.get("FLASK_DEBUG") == "1"``;
- ``host="0.0.0.0"`` becomes ``host=os.environ.get("FLASK_RUN_HOST", "127.0.0.1")``;

and ``import os`` is added once if missing. A "0.0.0.0" string anywhere else (a constant,
a positional host argument, a call that is not ``.run``) is left alone.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import AddImportsVisitor

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_RUN = m.Attribute(attr=m.Name("run"))
_DEBUG_TRUE = m.Arg(keyword=m.Name("debug"), value=m.Name("True"))
_ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the value we look for, not a bind


def _is_all_interfaces(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.SimpleString) and value.raw_value == _ALL_INTERFACES


_ANY_HOST = m.Arg(keyword=m.Name("host"), value=m.MatchIfTrue(_is_all_interfaces))


class FlaskRun(HardenCommand):
    DESCRIPTION = "Read Flask's debug flag and bind host from the environment."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not m.matches(original.func, _RUN):
            return updated
        pairs = zip(original.args, updated.args, strict=True)
        args = [self._fix_arg(old, new) for old, new in pairs]
        if all(new is old for new, old in zip(args, updated.args, strict=True)):
            return updated
        AddImportsVisitor.add_needed_import(self.context, "os")
        return updated.with_changes(args=args)

    def _fix_arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        if not self.is_target(original):
            return updated
        if m.matches(updated, _DEBUG_TRUE):
            value: cst.BaseExpression = _debug_from_env()
        elif m.matches(updated, _ANY_HOST):
            value = _environ_get('"FLASK_RUN_HOST"', '"127.0.0.1"')
        else:
            return updated
        self.mark_fixed(original)
        return updated.with_changes(value=value)


def _environ_get(*args: str) -> cst.Call:
    """``os.environ.get(<args>)``, each argument given as source text."""
    call = cst.parse_expression(f"os.environ.get({', '.join(args)})")
    if not isinstance(call, cst.Call):
        raise TypeError("os.environ.get(...) did not parse as a call")
    return call


def _debug_from_env() -> cst.Comparison:
    return cst.Comparison(
        left=_environ_get('"FLASK_DEBUG"'),
        comparisons=[
            cst.ComparisonTarget(operator=cst.Equal(), comparator=cst.SimpleString('"1"'))
        ],
    )


SPEC = CodemodSpec(
    id="harden:flask-run",
    title="Read Flask debug mode and bind host from the environment",
    rationale=(
        "app.run(debug=True) exposes the Werkzeug debugger, which runs code sent to it "
        "(CWE-94), and host='0.0.0.0' listens on every interface (CWE-605); both now "
        "default to off and to localhost unless the environment asks otherwise."
    ),
    rules=frozenset({"S201", "B201", "S104", "B104"}),
    command=FlaskRun,
    reads=LOCAL,
)
