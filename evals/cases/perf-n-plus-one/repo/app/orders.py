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
    rows = conn.execute("SELECT id, customer_id, total FROM orders ORDER BY id").fetchall()
    listing = []
    for order_id, customer_id, total in rows:
        name = conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()
        listing.append((order_id, name[0], total))
    return listing
