import pytest

from app.pricing import discount


@pytest.mark.parametrize(
    ("total", "code", "expected"),
    [
        (10_000, "SAVE10", 1_000),
        (90_000, "SAVE10", 5_000),
        (2_000, "FLAT5", 500),
        (1_999, "FLAT5", 0),
        (10_000, " save10 ", 1_000),
        (10_000, "BOGUS", 0),
    ],
)
def test_discount(total: int, code: str, expected: int) -> None:
    assert discount(total, code) == expected
