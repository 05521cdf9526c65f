"""Accounts: register users and check their passwords at login.

Passwords are stored as salted PBKDF2-SHA256: ``pbkdf2_sha256$<iterations>$<salt>$<hash>``.
"""

import hashlib
import hmac
import secrets

_ITERATIONS = 100_000
_users: dict[str, str] = {}


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    _, _, salt, _ = stored.split("$")
    return hmac.compare_digest(hash_password(password, salt), stored)


def register(username: str, password: str) -> None:
    _users[username] = hash_password(password)


def login(username: str, password: str) -> bool:
    stored = _users.get(username)
    return stored is not None and verify_password(password, stored)
