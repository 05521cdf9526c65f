"""User lookups for the admin dashboard."""

import sqlite3

SCHEMA = "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)"


def connect(path: str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(SCHEMA)
    return conn


def add_user(conn: sqlite3.Connection, name: str, email: str) -> int:
    cur = conn.execute("INSERT INTO users (name, email) VALUES (?, ?)", (name, email))
    conn.commit()
    return int(cur.lastrowid or 0)


def find_user(conn: sqlite3.Connection, name: str) -> tuple[int, str, str] | None:
    cur = conn.cursor()
    cur.execute("SELECT id, name, email FROM users WHERE name = ?", (name,))
    return cur.fetchone()
