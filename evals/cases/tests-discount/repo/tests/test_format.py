from app.pricing import format_price


def test_format_price() -> None:
    assert format_price(123456) == "1,234.56 EUR"
    assert format_price(-5, "USD") == "-0.05 USD"
