from app.orders import Order, place_order


def test_order_sends_confirmation() -> None:
    sent: list[tuple[str, str]] = []
    assert place_order(Order(7, "a@example.com", 1250), lambda to, body: sent.append((to, body)))
    assert sent == [("a@example.com", "Order 7 confirmed: 12.50 EUR")]


def test_mail_failure_does_not_fail_the_order() -> None:
    def broken(to: str, body: str) -> None:
        raise ConnectionError("smtp down")

    assert place_order(Order(8, "b@example.com", 100), broken)
