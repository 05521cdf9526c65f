"""md5/sha1 for content hashing -> ``usedforsecurity=False`` (S324/B324, CWE-327).

A weak hash is a weakness where it protects something: a password, a token, a signature.
Used as a checksum, a cache key or a content id it is fine, and Python (3.9+) lets the code
say so: ``hashlib.md5(data)`` -> ``hashlib.md5(data, usedforsecurity=False)`` (also
``hashlib.sha1``, ``md5``/``sha1`` imported from hashlib, and ``hashlib.new("md5", ...)``).
The keyword documents the intent, keeps the code running on FIPS systems, and is the fix
ruff and bandit accept.

Offered only where the digest is computed on the spot: the call is followed by
``.hexdigest()``/``.digest()``/``.update()``, or assigned to a name that the function uses
only that way. A hash object that is returned or passed on (``return hashlib.sha1(s)`` as
an HMAC digest method) may protect anything, so it is left alone. Not offered either when
the hash looks like it protects something, so the finding stays for a model: a name or
string on the statement, in the enclosing function's name, or on a later statement of
that function that uses the assigned name is password-, token-, signature-like (see
``_SECURITY_WORDS``: ``token = md5(...)``, ``md5(password.encode())``,
``def sign(...)``, ``headers["X-Signature"] = digest``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.assign import assignment
from agent.fix.codemods._lib.secretnames import words
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.models import Finding

_WEAK = ("md5", "sha1", "md4")
_WEAK_CALL = m.Call(
    func=m.OneOf(
        m.Attribute(value=m.Name("hashlib"), attr=m.OneOf(*(m.Name(n) for n in _WEAK))),
        *(m.Name(n) for n in _WEAK),
    )
)
_NEW_WEAK = m.Call(
    func=m.Attribute(value=m.Name("hashlib"), attr=m.Name("new")),
    args=[m.Arg(value=m.OneOf(*(m.SimpleString(f'"{n}"') for n in _WEAK)))
          | m.Arg(value=m.OneOf(*(m.SimpleString(f"'{n}'") for n in _WEAK))), m.ZeroOrMore()],
)  # fmt: skip
_DIGEST_METHODS = m.OneOf(*(m.Name(n) for n in ("hexdigest", "digest", "update", "copy")))
_DIGESTED = m.Attribute(value=_WEAK_CALL | _NEW_WEAK, attr=_DIGEST_METHODS)
_SECURITY_WORDS = frozenset(
    {
        "password", "passwords", "passwd", "pwd", "pass", "passphrase", "token", "tokens",
        "secret", "secrets", "signature", "signatures", "sign", "signed", "signer",
        "signing", "hmac", "mac", "auth", "authenticate", "authentication", "credential",
        "credentials", "salt", "nonce", "otp", "csrf", "xsrf", "session", "apikey",
        "private", "login", "crypt", "encrypt", "cipher",
    }
)  # fmt: skip
_Function = cst.FunctionDef


class HashNotForSecurity(HardenCommand):
    DESCRIPTION = "Mark md5/sha1 used for content hashing as not used for security."

    def __init__(self, context: CodemodContext, targets: Iterable[Finding]) -> None:
        super().__init__(context, tuple(targets))
        self._functions: list[_Function] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._functions.pop()
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        if not self.is_target(original) or not m.findall(original, _WEAK_CALL | _NEW_WEAK):
            return updated
        if self._protects_something(original) or not self._digested_here(original):
            return updated
        self.mark_fixed(original)
        return cst.ensure_type(updated.visit(_MarkCalls()), cst.SimpleStatementLine)

    def _protects_something(self, line: cst.SimpleStatementLine) -> bool:
        names = _names_in(line)
        if self._functions:
            function = self._functions[-1]
            names.append(function.name.value)
            names += _names_in_uses(function, _assigned(line))
        return any(set(words(name)) & _SECURITY_WORDS for name in names)

    def _digested_here(self, line: cst.SimpleStatementLine) -> bool:
        """Every weak hash on the line is digested at once or through a local name."""
        calls = len(m.findall(line, _WEAK_CALL | _NEW_WEAK))
        if len(m.findall(line, _DIGESTED)) == calls:
            return True
        names = _assigned(line)
        parts = assignment(line.body[0]) if len(line.body) == 1 else None
        if not self._functions or len(names) != 1 or calls != 1 or parts is None:
            return False
        if not m.matches(parts[1], _WEAK_CALL | _NEW_WEAK):
            return False
        return _only_digested(self._functions[-1], names.pop())


class _MarkCalls(cst.CSTTransformer):
    """Add ``usedforsecurity=False`` to every weak hash call that lacks it."""

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not m.matches(updated, _WEAK_CALL | _NEW_WEAK):
            return updated
        if any(a.keyword and a.keyword.value == "usedforsecurity" for a in updated.args):
            return updated
        keyword = cst.Arg(
            keyword=cst.Name("usedforsecurity"),
            value=cst.Name("False"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = list(updated.args)
        if args:
            space = cst.SimpleWhitespace(" ")
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=space))
        return updated.with_changes(args=[*args, keyword])


def _names_in(node: cst.CSTNode) -> list[str]:
    """Every identifier and identifier-like string in ``node``."""
    names = [n.value for n in m.findall(node, m.Name()) if isinstance(n, cst.Name)]
    for string in m.findall(node, m.SimpleString()):
        value = string.evaluated_value if isinstance(string, cst.SimpleString) else None
        if isinstance(value, str):
            names += re.findall(r"[A-Za-z][A-Za-z0-9_-]*", value)
    return names


def _assigned(line: cst.SimpleStatementLine) -> set[str]:
    """The plain names the line assigns to."""
    targets = m.findall(line, m.AssignTarget(target=m.Name()) | m.AnnAssign(target=m.Name()))
    return {
        t.target.value
        for t in targets
        if isinstance(t, cst.AssignTarget | cst.AnnAssign) and isinstance(t.target, cst.Name)
    }


def _names_in_uses(function: cst.FunctionDef, assigned: set[str]) -> list[str]:
    """The names on the function's statements that use one of ``assigned``."""
    if not assigned:
        return []
    lines = m.findall(function.body, m.SimpleStatementLine())
    using = [line for line in lines if set(_names_in(line)) & assigned]
    return [name for line in using for name in _names_in(line)]


def _only_digested(function: cst.FunctionDef, name: str) -> bool:
    """``name`` appears in the function only as an assignment target or ``name.digest()``."""
    uses = len(m.findall(function.body, m.Name(name)))
    digested = len(m.findall(function.body, m.Attribute(value=m.Name(name), attr=_DIGEST_METHODS)))
    targets = len(m.findall(function.body, m.AssignTarget(target=m.Name(name))))
    return uses == digested + targets


SPEC = CodemodSpec(
    id="harden:hash-content",
    title="Mark md5/sha1 content hashing as not used for security",
    rationale=(
        "md5 and sha1 are broken for security (CWE-327) but fine for checksums and cache "
        "keys; usedforsecurity=False says which use this is and keeps it working on FIPS "
        "systems. Hashes that protect passwords, tokens or signatures are left to a model."
    ),
    rules=frozenset({"S324", "B324"}),
    command=HashNotForSecurity,
    reads=LOCAL,
)
