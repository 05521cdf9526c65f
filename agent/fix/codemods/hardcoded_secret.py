"""Hardcoded credentials -> read from the environment (CWE-259/CWE-798).

Handled, when the name holds a credential and the value is a non-empty str literal:

- ``SECRET_KEY = "..."`` (also annotated, ``app.secret_key = ...``,
  ``app.config["SECRET_KEY"] = ...``);
- dict entries ``{"password": "..."}`` and keyword arguments ``connect(password="...")``.

A signing key the app can make itself (SECRET_KEY, JWT_SECRET, SIGNING..., SESSION_SECRET,
*_SECRET) becomes ``os.environ.get("NAME") or secrets.token_hex(32)``: the app keeps
working, with a random key when none is configured. Any other credential becomes
``os.environ.get("NAME", "")``. NAME is the assigned name or key, upper-cased. Missing
``NAME=`` lines are appended to the repo's ``.env.example`` when it has one.

Left alone: function-argument defaults (S107: a default evaluated at import time is not a
fix), comparisons with a literal, bytes, f-strings and concatenations, chained
assignments, names about a secret rather than the secret (TOKEN_URL, PASSWORD_FIELD,
TOKEN_TYPE), and a second, different literal for a variable name already introduced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from agent.fix.codemods._lib.secretnames import env_var_name, is_credential_name, is_signing_key
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.models import FileEdit, Finding

_ENV_EXAMPLE = ".env.example"
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)


class HardcodedSecretToEnv(HardenCommand):
    DESCRIPTION = "Read hardcoded credentials from the environment."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self.env_values: dict[str, str] = {}

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if len(original.targets) != 1:
            return updated
        name = _target_name(original.targets[0].target)
        new = self._from_env(original, name, original.value)
        return updated if new is None else updated.with_changes(value=new)

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        new = self._from_env(original, _target_name(original.target), original.value)
        return updated if new is None else updated.with_changes(value=new)

    def leave_DictElement(
        self, original: cst.DictElement, updated: cst.DictElement
    ) -> cst.DictElement:
        new = self._from_env(original, _literal(original.key), original.value)
        return updated if new is None else updated.with_changes(value=new)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        name = original.keyword.value if original.keyword else None
        new = self._from_env(original, name, original.value)
        return updated if new is None else updated.with_changes(value=new)

    def _from_env(
        self, node: cst.CSTNode, name: str | None, value: cst.BaseExpression | None
    ) -> cst.BaseExpression | None:
        """The environment read replacing ``value``, or None to leave the node alone."""
        literal = _literal(value)
        if not name or not literal or not is_credential_name(name) or not self.is_target(node):
            return None
        env = env_var_name(name)
        if self.env_values.setdefault(env, literal) != literal:
            return None
        self.mark_fixed(node)
        AddImportsVisitor.add_needed_import(self.context, "os")
        if is_signing_key(env):
            AddImportsVisitor.add_needed_import(self.context, "secrets")
            return cst.parse_expression(f'os.environ.get("{env}") or secrets.token_hex(32)')
        return cst.parse_expression(f'os.environ.get("{env}", "")')

    def companion_edits(self, root: Path) -> list[FileEdit]:
        path = root / _ENV_EXAMPLE
        if not self.env_values or not path.is_file():
            return []
        before = path.read_text(encoding="utf-8")
        listed = set(_ENV_LINE.findall(before))
        missing = [name for name in self.env_values if name not in listed]
        if not missing:
            return []
        separator = "" if not before or before.endswith("\n") else "\n"
        after = before + separator + "".join(f"{name}=\n" for name in missing)
        return [FileEdit(path=_ENV_EXAMPLE, before=before, after=after)]


def _target_name(target: cst.BaseExpression) -> str | None:
    """``NAME``, ``obj.name`` and ``obj["NAME"]`` bind the name NAME."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        return _literal(index.value) if isinstance(index, cst.Index) else None
    return None


def _literal(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain (not bytes, not f-) string literal."""
    if not isinstance(node, cst.SimpleString):
        return None
    value = node.evaluated_value
    return value if isinstance(value, str) else None


SPEC = CodemodSpec(
    id="harden:hardcoded-secret",
    title="Read hardcoded secrets from the environment",
    rationale=(
        "A credential written in the source is shared with everyone who can read the "
        "repository and cannot be rotated without a release (CWE-259, CWE-798); it now comes "
        "from an environment variable."
    ),
    rules=frozenset({"S105", "S106", "S107", "B105", "B106", "B107"}),
    command=HardcodedSecretToEnv,
    reads=LOCAL,
)
