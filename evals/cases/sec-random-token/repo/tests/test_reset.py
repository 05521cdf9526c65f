from app.reset import ALPHABET, make_reset_token, redeem, start_reset


def test_token_shape() -> None:
    token = make_reset_token(40)
    assert len(token) == 40
    assert set(token) <= set(ALPHABET)


def test_token_is_single_use() -> None:
    token = start_reset("alice@example.com")
    assert redeem(token) == "alice@example.com"
    assert redeem(token) is None
