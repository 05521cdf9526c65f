"""Accounts: register users and check their passwords at login."""

import hashlib

_users: dict[str, str] = {}


def hash_password(password: str) -> str:
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def verify_password(password: str, stored: str) -> bool:
    return hash_password(password) == stored


def register(username: str, password: str) -> None:
    _users[username] = hash_password(password)


def login(username: str, password: str) -> bool:
    stored = _users.get(username)
    return stored is not None and verify_password(password, stored)
