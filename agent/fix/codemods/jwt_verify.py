"""Unverified jwt.decode -> verified decode with a fixed algorithm list (CWE-347).

``jwt.decode(t, key, options={"verify_signature": False})`` and
``jwt.decode(t, key, verify=False)`` lose the flag that turns verification off (and
``options=`` when nothing else is left in it); a decode without ``algorithms=`` gains
``algorithms=["X"]``, X being the one algorithm this module's ``jwt.encode`` calls use,
else "HS256" when nothing in the module suggests an asymmetric key.

Left alone: a decode with no key (nothing to verify with), options passed as a variable
or with a non-literal verify_signature, extra positional arguments (PyJWT 1.x), and
modules whose algorithm cannot be told (several encode algorithms, a computed one, or
RS/ES/PS/EdDSA names and public/PEM keys with no encode call to copy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods.base import CodemodSpec, HardenCommand
from agent.models import Finding

_ASYMMETRIC = re.compile(r"^(RS|ES|PS)\d{3}K?$|^EdDSA$")
_ASYMMETRIC_KEY = re.compile(r"public|pem|cert", re.IGNORECASE)


class JwtVerify(HardenCommand):
    DESCRIPTION = "Verify JWT signatures with a fixed algorithm list."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._jwt_names: set[str] = set()
        self._algorithm: str | None = None

    def visit_Module(self, node: cst.Module) -> bool:
        self._jwt_names = {
            alias.evaluated_alias or "jwt"
            for imp in m.findall(node, m.Import())
            if isinstance(imp, cst.Import)
            for alias in imp.names
            if alias.evaluated_name == "jwt"
        }
        self._algorithm = _module_algorithm(node, self._jwt_names)
        return bool(self._jwt_names)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self._is_decode(original) or not self.is_target(original):
            return updated
        args = _verified_args(list(updated.args))
        if args is None:
            return updated
        if not any(_keyword(a) == "algorithms" for a in args):
            if self._algorithm is None or _has_asymmetric_key(args):
                return updated
            args = _append(args, _algorithms_arg(self._algorithm))
        self.mark_fixed(original)
        return updated.with_changes(args=args)

    def _is_decode(self, call: cst.Call) -> bool:
        return _is_jwt_call(call, self._jwt_names, "decode")


def _is_jwt_call(node: cst.CSTNode, jwt_names: set[str], method: str) -> bool:
    func = node.func if isinstance(node, cst.Call) else None
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == method
        and isinstance(func.value, cst.Name)
        and func.value.value in jwt_names
    )


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword else None


def _verified_args(args: list[cst.Arg]) -> list[cst.Arg] | None:
    """The arguments without the flags that skip verification; None if unsafe to edit."""
    positional = [a for a in args if a.keyword is None and not a.star]
    if len(positional) > 2 or any(a.star for a in args):
        return None
    if len(positional) < 2 and not any(_keyword(a) == "key" for a in args):
        return None
    for index, arg in reversed(list(enumerate(args))):
        if _keyword(arg) == "verify" and m.matches(arg.value, m.Name("False")):
            args = _remove(args, index)
        elif _keyword(arg) == "options":
            options = _without_verify_signature(arg.value)
            if options is None:
                return None
            has_items = bool(options.elements)
            args = _replace(args, index, arg.with_changes(value=options), keep=has_items)
    return args


def _without_verify_signature(value: cst.BaseExpression) -> cst.Dict | None:
    """The options dict without ``"verify_signature": False``; None if it cannot be told."""
    if not isinstance(value, cst.Dict):
        return None
    kept: list[cst.BaseDictElement] = []
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            return None
        if not _is_verify_signature(element):
            kept.append(element)
        elif not m.matches(element.value, m.Name("False") | m.Name("True")):
            return None
        elif m.matches(element.value, m.Name("True")):
            kept.append(element)
    if kept and len(kept) < len(value.elements):
        kept[-1] = kept[-1].with_changes(comma=value.elements[-1].comma)
    return value.with_changes(elements=kept)


def _is_verify_signature(element: cst.DictElement) -> bool:
    key = element.key
    return isinstance(key, cst.SimpleString) and key.evaluated_value == "verify_signature"


def _replace(args: list[cst.Arg], index: int, new: cst.Arg, keep: bool) -> list[cst.Arg]:
    return [*args[:index], new, *args[index + 1 :]] if keep else _remove(args, index)


def _remove(args: list[cst.Arg], index: int) -> list[cst.Arg]:
    """Drop one argument; the last one hands its comma (layout) to the new last."""
    rest = [*args[:index], *args[index + 1 :]]
    if index == len(args) - 1 and rest:
        rest[-1] = rest[-1].with_changes(comma=args[index].comma)
    return rest


def _append(args: list[cst.Arg], new: cst.Arg) -> list[cst.Arg]:
    """Add a last argument, laid out like the ones before it."""
    last = args[-1]
    between = args[-2].comma if len(args) > 1 else cst.MaybeSentinel.DEFAULT
    if not isinstance(between, cst.Comma):
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], last.with_changes(comma=between), new.with_changes(comma=last.comma)]


def _algorithms_arg(algorithm: str) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name("algorithms"),
        value=cst.List([cst.Element(cst.SimpleString(f'"{algorithm}"'))]),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _has_asymmetric_key(args: list[cst.Arg]) -> bool:
    keys = [a for a in args if _keyword(a) == "key"] or [a for a in args if not a.keyword][1:2]
    return any(_ASYMMETRIC_KEY.search(cst.Module([]).code_for_node(a.value)) for a in keys)


def _module_algorithm(module: cst.Module, jwt_names: set[str]) -> str | None:
    """The algorithm this module signs with, or HS256 when nothing suggests another."""
    calls = m.findall(module, m.Call())
    encodes = [c for c in calls if isinstance(c, cst.Call) and _is_jwt_call(c, jwt_names, "encode")]
    found = {_encode_algorithm(call) for call in encodes}
    if found:
        return found.pop() if len(found) == 1 else None
    strings = m.findall(module, m.SimpleString())
    values = {s.evaluated_value for s in strings if isinstance(s, cst.SimpleString)}
    return None if any(isinstance(v, str) and _ASYMMETRIC.match(v) for v in values) else "HS256"


def _encode_algorithm(call: cst.Call) -> str | None:
    """The algorithm of ``jwt.encode(payload, key, algorithm="X")`` (HS256 by default)."""
    given = [a for a in call.args if _keyword(a) == "algorithm"]
    given += [a for a in call.args if a.keyword is None][2:3]
    if not given:
        return "HS256"
    value = given[0].value
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return value.evaluated_value
    return None


SPEC = CodemodSpec(
    id="harden:jwt-verify",
    title="Verify JWT signatures on decode",
    rationale=(
        "A JWT decoded without signature verification or with the token's own choice of "
        "algorithm can be forged by anyone (CWE-347); decode now checks the signature "
        "with a fixed algorithm list."
    ),
    rules=frozenset({"HS501"}),
    command=JwtVerify,
    # reads the whole module: jwt imports, encode calls and algorithm names anywhere
)
