from app.durations import format_duration


def test_format_duration() -> None:
    assert format_duration(5400) == "1h30m"
    assert format_duration(45) == "45s"
    assert format_duration(0) == "0s"
