from app.text import reading_minutes


def test_reading_minutes() -> None:
    assert reading_minutes("word " * 450) == 3
    assert reading_minutes("") == 1
