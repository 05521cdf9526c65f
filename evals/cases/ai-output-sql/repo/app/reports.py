"""Answer a question about the orders table with a query the model writes."""

from __future__ import annotations

import logging
import sqlite3

from openai import OpenAI

logger = logging.getLogger(__name__)
MODEL = "gpt-4.1-mini"
SCHEMA = "orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL, placed TEXT)"
SYSTEM = f"Write one SQLite SELECT statement over {SCHEMA} and nothing else."


def make_client() -> OpenAI:
    return OpenAI(timeout=30, max_retries=2)


def ask(client: OpenAI, db: sqlite3.Connection, question: str) -> list[tuple[object, ...]]:
    reply = client.chat.completions.create(
        model=MODEL,
        max_tokens=200,
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question},
        ],
    )
    logger.info("ask tokens=%s", reply.usage.total_tokens)
    sql = reply.choices[0].message.content.strip().removesuffix(";")
    return db.execute(sql).fetchall()
