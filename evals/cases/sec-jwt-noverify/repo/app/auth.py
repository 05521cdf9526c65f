"""Bearer-token auth for the API: issue a signed JWT at login, read the user back from it."""

import os
import time

import jwt

SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY", "")


def issue_token(user_id: str, key: str = SIGNING_KEY, ttl_s: int = 3600) -> str:
    claims = {"sub": user_id, "exp": int(time.time()) + ttl_s}
    return jwt.encode(claims, key, algorithm="HS256")


def current_user(token: str, key: str = SIGNING_KEY) -> str:
    claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": False})
    return str(claims["sub"])
