"""harden's own checks, for risks that neither ruff nor bandit reports.

HS501  jwt.decode without signature verification (CWE-347): ``verify=False``,
       ``options={"verify_signature": False}``, or no ``algorithms=`` list (PyJWT 1.x
       then accepts whatever algorithm the token names, including "none").
"""

from __future__ import annotations

import ast

from agent.models import Confidence, Priority, Severity
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding

__all__ = ["PRIORITIES", "findings"]

PRIORITIES = frozenset({Priority.SECURITY})

_JWT_DECODE = "HS501"


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    jwt_names = _jwt_aliases(walk)
    if not jwt_names:
        return []
    return [
        _jwt_finding(path, node, reason)
        for node in walk.of(ast.Call)
        if _is_jwt_decode(node, jwt_names)
        for reason in [_unverified_reason(node)]
        if reason
    ]


def _jwt_aliases(walk: ModuleWalk) -> set[str]:
    return {a.asname or a.name for n in walk.of(ast.Import) for a in n.names if a.name == "jwt"}


def _is_jwt_decode(call: ast.Call, jwt_names: set[str]) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "decode"
        and isinstance(func.value, ast.Name)
        and func.value.id in jwt_names
    )


def _unverified_reason(call: ast.Call) -> str | None:
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    verify = keywords.get("verify")
    if isinstance(verify, ast.Constant) and verify.value is False:
        return "jwt.decode called with verify=False: the signature is not checked"
    options = keywords.get("options")
    if isinstance(options, ast.Dict) and _disables_signature(options):
        return "jwt.decode called with verify_signature disabled: the signature is not checked"
    if "algorithms" not in keywords:
        return "jwt.decode called without algorithms=[...]: the token chooses the algorithm"
    return None


def _disables_signature(options: ast.Dict) -> bool:
    return any(
        isinstance(k, ast.Constant)
        and k.value == "verify_signature"
        and isinstance(v, ast.Constant)
        and v.value is False
        for k, v in zip(options.keys, options.values, strict=True)
    )


def _jwt_finding(path: str, call: ast.Call, reason: str) -> RawFinding:
    return RawFinding(
        tool="harden",
        rule=_JWT_DECODE,
        path=path,
        line=call.lineno,
        column=call.col_offset + 1,
        end_line=call.end_lineno or call.lineno,
        message=reason,
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        cwe=347,
    )
