"""Prices at checkout: promo-code discounts and how amounts are shown."""


def discount(total_cents: int, code: str) -> int:
    """Cents off for a promo code.

    SAVE10 takes 10% off, at most 50.00; FLAT5 takes 5.00 off orders of 20.00 or more.
    Codes are case-insensitive; unknown codes give nothing.
    """
    code = code.strip().upper()
    if code == "SAVE10":
        return min(total_cents // 10, 5000)
    if code == "FLAT5" and total_cents >= 2000:
        return 500
    return 0


def format_price(cents: int, currency: str = "EUR") -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d} {currency}"
