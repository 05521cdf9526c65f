import random

from app.reset import make_reset_token


def test_token_does_not_follow_the_random_seed() -> None:
    random.seed(1234)
    first = make_reset_token()
    random.seed(1234)
    assert make_reset_token() != first
