from app.users import add_user, connect, find_user


def test_find_existing_user() -> None:
    conn = connect()
    uid = add_user(conn, "alice", "alice@example.com")
    assert find_user(conn, "alice") == (uid, "alice", "alice@example.com")


def test_unknown_user_is_none() -> None:
    conn = connect()
    add_user(conn, "alice", "alice@example.com")
    assert find_user(conn, "bob") is None
