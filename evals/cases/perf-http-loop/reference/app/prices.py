"""Fetch current prices for a list of products from the pricing service."""

import requests


def fetch_prices(base_url: str, skus: list[str]) -> dict[str, int]:
    prices: dict[str, int] = {}
    with requests.Session() as session:
        for sku in skus:
            resp = session.get(f"{base_url}/prices/{sku}", timeout=5)
            resp.raise_for_status()
            prices[sku] = int(resp.json()["cents"])
    return prices
