"""The order listing of the back office: each order with its customer's name."""

import sqlite3

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total INTEGER);
"""


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    return conn


def list_orders(conn: sqlite3.Connection) -> list[tuple[int, str, int]]:
    query = (
        "SELECT o.id, c.name, o.total FROM orders o"
        " JOIN customers c ON c.id = o.customer_id ORDER BY o.id"
    )
    return [(order_id, name, total) for order_id, name, total in conn.execute(query)]
