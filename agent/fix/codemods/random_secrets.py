"""random -> secrets where the value is a token, password, key or other secret (CWE-330).

``random.choice(x)`` -> ``secrets.choice(x)``, ``random.getrandbits(k)`` ->
``secrets.randbits(k)``, any other ``random.f(...)`` -> ``secrets.SystemRandom().f(...)``,
when the call sits in a security context: an enclosing function or class, the assignment
target or the keyword it is passed as is named like token, password, secret, key, salt,
nonce, otp, csrf, session, reset or code. ``import secrets`` is added and
``import random`` dropped once unused.

Left alone: calls elsewhere (simulations, jitter, shuffling), ``from random import ...``
and aliased imports, and modules that seed the generator (``random.seed``/``setstate``:
they want reproducible values, which a system generator cannot give).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from agent.fix.codemods._lib.secretnames import is_security_name
from agent.fix.codemods.base import CodemodSpec, HardenCommand, Reads
from agent.models import Finding

_RENAMED = {"choice": "secrets.choice", "getrandbits": "secrets.randbits"}
_SYSTEM_RANDOM_METHODS = {
    "random",
    "randint",
    "randrange",
    "choices",
    "sample",
    "shuffle",
    "uniform",
    "triangular",
    "randbytes",
}
_IMPORT_RANDOM = m.Import(
    names=[m.ZeroOrMore(), m.ImportAlias(name=m.Name("random"), asname=None), m.ZeroOrMore()]
)
_SEEDING_CALL = m.Call(
    func=m.Attribute(value=m.Name("random"), attr=m.Name("seed") | m.Name("setstate"))
)


class RandomToSecrets(HardenCommand):
    DESCRIPTION = "Use the secrets module for security-sensitive random values."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._frames: list[list[str]] = []

    def visit_Module(self, node: cst.Module) -> bool:
        if m.findall(node, _SEEDING_CALL):
            why = "the module seeds random: it wants reproducible values"
        elif not m.findall(node, _IMPORT_RANDOM):
            why = "random is not imported as `import random`"
        else:
            return True
        self.refusals.update({f.id: why for f in self.targets})
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._frames.append([node.name.value])

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._frames.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._frames.append([node.name.value])

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._frames.pop()
        return updated

    def visit_Assign(self, node: cst.Assign) -> None:
        self._frames.append([n for t in node.targets for n in _target_names(t.target)])

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        self._frames.pop()
        return updated

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._frames.append(_target_names(node.target))

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        self._frames.pop()
        return updated

    def visit_Arg(self, node: cst.Arg) -> None:
        self._frames.append([node.keyword.value] if node.keyword else [])

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        self._frames.pop()
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        method = _random_method(original)
        if method is None or not self.is_target(original):
            return updated
        if not self._in_security_context():
            self.refuse(original, "no token, password, key or secret around it: not a secret")
            return updated
        self.mark_fixed(original)
        AddImportsVisitor.add_needed_import(self.context, "secrets")
        RemoveImportsVisitor.remove_unused_import(self.context, "random")
        return updated.with_changes(func=_secrets_func(method))

    def _in_security_context(self) -> bool:
        return any(is_security_name(name) for frame in self._frames for name in frame)


def _random_method(call: cst.Call) -> str | None:
    func = call.func
    if not m.matches(func, m.Attribute(value=m.Name("random"))):
        return None
    if not isinstance(func, cst.Attribute):
        return None
    name = func.attr.value
    return name if name in _RENAMED or name in _SYSTEM_RANDOM_METHODS else None


def _secrets_func(method: str) -> cst.BaseExpression:
    if method in _RENAMED:
        return cst.parse_expression(_RENAMED[method])
    return cst.parse_expression(f"secrets.SystemRandom().{method}")


def _target_names(target: cst.BaseExpression) -> list[str]:
    """The names an assignment binds: ``token``, ``self.token``, ``d["token"]``, tuples."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Attribute):
        return [target.attr.value]
    if isinstance(target, cst.Subscript):
        index = target.slice[0].slice if len(target.slice) == 1 else None
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return [str(index.value.evaluated_value)]
        return _target_names(target.value)
    if isinstance(target, cst.Tuple | cst.List):
        return [n for e in target.elements for n in _target_names(e.value)]
    return []


SPEC = CodemodSpec(
    id="harden:random-secrets",
    title="Generate secret values with the secrets module",
    rationale=(
        "The random module is a predictable pseudo-random generator, so tokens, passwords "
        "and keys made with it can be guessed (CWE-330); secrets uses the OS's CSPRNG."
    ),
    rules=frozenset({"S311", "B311"}),
    command=RandomToSecrets,
    reads=Reads(local=True, names=frozenset({"random"})),
)
