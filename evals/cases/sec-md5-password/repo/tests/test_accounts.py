from app.accounts import hash_password, login, register, verify_password


def test_login_with_right_password() -> None:
    register("alice", "correct horse")
    assert login("alice", "correct horse")


def test_login_with_wrong_password() -> None:
    register("bob", "battery staple")
    assert not login("bob", "battery")
    assert not login("nobody", "battery staple")


def test_verify_password() -> None:
    stored = hash_password("hunter2")
    assert verify_password("hunter2", stored)
    assert not verify_password("hunter3", stored)
