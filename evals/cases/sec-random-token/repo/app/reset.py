"""Password reset: a one-time token per request, mailed to the user."""

import random
import string
import time

ALPHABET = string.ascii_letters + string.digits
_pending: dict[str, tuple[str, float]] = {}


def make_reset_token(length: int = 32) -> str:
    return "".join(random.choice(ALPHABET) for _ in range(length))


def start_reset(email: str, ttl_s: float = 900.0) -> str:
    token = make_reset_token()
    _pending[token] = (email, time.time() + ttl_s)
    return token


def redeem(token: str) -> str | None:
    email, expires = _pending.pop(token, ("", 0.0))
    return email if email and expires > time.time() else None
