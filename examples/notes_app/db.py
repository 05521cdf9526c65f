"""sqlite3 storage for users and notes."""

import os
import sqlite3
import tempfile


def db_path():
    return os.environ.get("DATABASE_PATH") or os.path.join(
        tempfile.gettempdir(), "notes_app.db"
    )


def get_conn():
    conn = sqlite3.connect(db_path())
    conn.row_factory = sqlite3.Row
    init_db(conn)
    return conn


def init_db(conn):
    conn.execute(
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " username TEXT UNIQUE NOT NULL,"
        " password_hash TEXT NOT NULL,"
        " is_admin INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS notes ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " owner TEXT NOT NULL,"
        " title TEXT NOT NULL,"
        " body TEXT NOT NULL DEFAULT '')"
    )
    conn.commit()


def create_user(username, password_hash, is_admin=False):
    conn = get_conn()
    try:
        conn.execute(
            "INSERT INTO users (username, password_hash, is_admin) VALUES (?, ?, ?)",
            (username, password_hash, int(is_admin)),
        )
        conn.commit()
    finally:
        conn.close()


def get_user(username):
    conn = get_conn()
    try:
        row = conn.execute(
            "SELECT id, username, password_hash, is_admin FROM users WHERE username = ?",
            (username,),
        ).fetchone()
        return dict(row) if row else None
    finally:
        conn.close()


def add_note(owner, title, body=""):
    conn = get_conn()
    try:
        cur = conn.execute(
            "INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)",
            (owner, title, body),
        )
        conn.commit()
        return cur.lastrowid
    finally:
        conn.close()


def list_notes(owner):
    conn = get_conn()
    try:
        rows = conn.execute(f"SELECT id, title, body FROM notes WHERE owner = '{owner}'").fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def delete_note(note_id):
    conn = get_conn()
    try:
        cur = conn.cursor()
        query = f"DELETE FROM notes WHERE id = {note_id}"
        cur.execute(query)
        conn.commit()
        return cur.rowcount
    finally:
        conn.close()


def find_by_title(title):
    conn = get_conn()
    try:
        rows = conn.execute("SELECT id, owner, title, body FROM notes WHERE title = '%s'" % title).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def count_notes():
    conn = get_conn()
    try:
        return conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    finally:
        conn.close()
