from app.session import dump_session, load_session


def test_round_trip() -> None:
    session = {"user": "alice", "cart": [1, 2, 3], "admin": False}
    assert load_session(dump_session(session)) == session


def test_empty_cookie_is_empty_session() -> None:
    assert load_session("") == {}
