from app.payments import charge, refund


def _gateway(customer_id: str, amount_cents: int) -> str:
    return f"r-{customer_id}-{amount_cents}"


def test_charge_and_refund_return_receipts() -> None:
    assert charge(_gateway, "c1", 500) == "r-c1-500"
    assert refund(_gateway, "c1", 500) == "r-c1--500"
