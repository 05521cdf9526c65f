import string

import pytest

from notes_app import auth


def test_reset_token_length_and_alphabet():
    token = auth.make_reset_token()
    assert len(token) == 32
    assert set(token) <= set(string.ascii_letters + string.digits)
    assert len(auth.make_reset_token(12)) == 12


def test_reset_tokens_are_not_repeated():
    assert len({auth.make_reset_token() for _ in range(50)}) == 50


def test_session_token_roundtrip():
    token = auth.create_token({"username": "alice", "is_admin": False})
    assert isinstance(token, str)
    assert auth.decode_token(token) == {"username": "alice", "is_admin": False}


def test_register_and_check_login():
    auth.register("alice", "correct horse")
    assert auth.check_login("alice", "correct horse") == {"username": "alice", "is_admin": False}
    assert auth.check_login("alice", "wrong") is None
    assert auth.check_login("nobody", "x") is None
    with pytest.raises(ValueError):
        auth.register("alice", "again")


def test_admin_login_uses_configured_password(admin_password):
    user = auth.check_login(auth.ADMIN_USERNAME, admin_password)
    assert user == {"username": auth.ADMIN_USERNAME, "is_admin": True}
    assert auth.check_login(auth.ADMIN_USERNAME, admin_password + "-nope") is None


def test_require_admin():
    admin = {"username": "root", "is_admin": True}
    assert auth.require_admin(admin) is admin
    with pytest.raises((AssertionError, PermissionError)):
        auth.require_admin({"username": "alice", "is_admin": False})
