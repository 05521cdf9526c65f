from app.prices import fetch_prices


def test_prices_for_each_sku(price_server: tuple[str, list[int]]) -> None:
    url, _ = price_server
    assert fetch_prices(url, ["a", "bb", "ccc"]) == {"a": 100, "bb": 200, "ccc": 300}
