import sqlite3
from types import SimpleNamespace


class FakeClient:
    """The SDK client at the network edge: its reply is the given text."""

    def __init__(self, text: str) -> None:
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))
        self.text = text

    def _create(self, **_: object) -> SimpleNamespace:
        message = SimpleNamespace(content=self.text)
        usage = SimpleNamespace(total_tokens=52)
        return SimpleNamespace(choices=[SimpleNamespace(message=message)], usage=usage)


def orders() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL, placed TEXT)")
    db.executemany(
        "INSERT INTO orders(customer, total, placed) VALUES (?, ?, ?)",
        [("ada", 12.5, "2026-01-02"), ("bob", 40.0, "2026-01-03"), ("ada", 7.5, "2026-02-01")],
    )
    return db


from app.reports import ask


def test_a_select_is_answered():
    db = orders()
    sql = "SELECT customer, SUM(total) FROM orders GROUP BY customer ORDER BY customer;"
    assert ask(FakeClient(sql), db, "spend per customer") == [("ada", 20.0), ("bob", 40.0)]
