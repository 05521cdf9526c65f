from app.auth import current_user, issue_token

KEY = "test-signing-key-that-is-long-enough-32b"


def test_round_trip() -> None:
    assert current_user(issue_token("alice", KEY), KEY) == "alice"
