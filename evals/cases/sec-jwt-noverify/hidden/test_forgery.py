import time

import jwt
import pytest

from app.auth import current_user

KEY = "test-signing-key-that-is-long-enough-32b"


def test_token_signed_with_another_key_is_rejected() -> None:
    claims = {"sub": "admin", "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, "attacker-key-that-is-also-long-enough", algorithm="HS256")
    with pytest.raises(jwt.InvalidTokenError):
        current_user(forged, KEY)


def test_unsigned_token_is_rejected() -> None:
    forged = jwt.encode({"sub": "admin"}, None, algorithm="none")
    with pytest.raises(jwt.InvalidTokenError):
        current_user(forged, KEY)
