"""Which names speak of authorisation: shared by the assert check and the assert codemod.

A name is about authorisation when one of its words (``isAdmin`` and ``is_admin`` both give
is, admin) is admin, authenticated, authorized, permission(s), perm(s), role(s), owner,
owns, staff, superuser or allowed, or when it is logged_in/login_required or starts with
``can_``.
"""

from __future__ import annotations

import re

__all__ = ["is_auth_name"]

_AUTH_WORDS = frozenset(
    {
        "admin",
        "admins",
        "authenticated",
        "authorized",
        "authorised",
        "authorization",
        "authorisation",
        "permission",
        "permissions",
        "perm",
        "perms",
        "role",
        "roles",
        "owner",
        "owns",
        "staff",
        "superuser",
        "allowed",
    }
)
_AUTH_NAMES = frozenset({"logged_in", "is_logged_in", "login_required"})
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_auth_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in _AUTH_NAMES or lowered.startswith("can_"):
        return True
    spaced = _CAMEL_BOUNDARY.sub("_", name)
    return bool({w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w} & _AUTH_WORDS)
