import hashlib

from app.accounts import hash_password


def test_same_password_hashes_differently() -> None:
    assert hash_password("hunter2") != hash_password("hunter2")


def test_stored_hash_is_not_plain_md5() -> None:
    stored = hash_password("hunter2")
    assert hashlib.md5(b"hunter2").hexdigest() not in stored

