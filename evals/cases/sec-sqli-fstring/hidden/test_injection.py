from app.users import add_user, connect, find_user


def test_quote_payload_is_data() -> None:
    conn = connect()
    add_user(conn, "alice", "alice@example.com")
    assert find_user(conn, "x' OR '1'='1") is None


def test_name_with_apostrophe_is_found() -> None:
    conn = connect()
    uid = add_user(conn, "O'Brien", "ob@example.com")
    assert find_user(conn, "O'Brien") == (uid, "O'Brien", "ob@example.com")
