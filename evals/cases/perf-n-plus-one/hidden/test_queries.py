from app.orders import connect, list_orders


def test_listing_uses_a_constant_number_of_queries() -> None:
    conn = connect()
    conn.executemany("INSERT INTO customers VALUES (?, ?)", [(i, f"c{i}") for i in range(10)])
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(i, i % 10, i) for i in range(50)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    listing = list_orders(conn)
    conn.set_trace_callback(None)
    assert len(listing) == 50
    assert listing[7] == (7, "c7", 7)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2, f"{len(selects)} queries for 50 orders"
