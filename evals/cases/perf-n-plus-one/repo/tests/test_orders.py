from app.orders import connect, list_orders


def test_listing_names_each_customer() -> None:
    conn = connect()
    conn.executemany("INSERT INTO customers VALUES (?, ?)", [(1, "Ada"), (2, "Alan")])
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(10, 2, 500), (11, 1, 700)])
    assert list_orders(conn) == [(10, "Alan", 500), (11, "Ada", 700)]
