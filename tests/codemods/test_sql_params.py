import sqlite3
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.codemods.helpers import run_fix

RULES = {"S608"}


def fix_body(tmp_path: Path, body: str, driver: str = "sqlite3") -> tuple[str, str]:
    """Fix a function body (``cur``, ``name``, ``age`` in scope); return (body after, module)."""
    head = f"import {driver}\n\n\ndef lookup(cur, name, age):\n"
    source = head + textwrap.indent(textwrap.dedent(body), "    ")
    out = run_fix(tmp_path, source, RULES)
    assert "S608" in {f.rule for f in out.findings_before}
    assert out.patch is not None
    assert "S608" not in out.rules_after()
    return textwrap.dedent(out.after[len(head) :]), out.after


def test_fstring_becomes_parameterised_query(tmp_path: Path) -> None:
    after, _ = fix_body(
        tmp_path,
        """\
        # users by name and age
        cur.execute(f"SELECT * FROM users WHERE name = '{name}' AND age > {age}")  # keep
        return cur.fetchall()
        """,
    )
    assert after == textwrap.dedent(
        """\
        # users by name and age
        cur.execute("SELECT * FROM users WHERE name = ? AND age > ?", (name, age))  # keep
        return cur.fetchall()
        """
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            """cur.execute("SELECT * FROM users WHERE name = '%s' AND age >= %d" % (name, age))""",
            """cur.execute("SELECT * FROM users WHERE name = ? AND age >= ?", (name, age))""",
        ),
        (
            """cur.execute("SELECT * FROM users WHERE name = '" + name + "' LIMIT 1")""",
            """cur.execute("SELECT * FROM users WHERE name = ? LIMIT 1", (name,))""",
        ),
        (
            """cur.execute("SELECT * FROM users WHERE id <> {} OR age<{a}".format(name, a=age))""",
            """cur.execute("SELECT * FROM users WHERE id <> ? OR age<?", (name, age))""",
        ),
        (
            """cur.execute(f"INSERT INTO users (name, age) VALUES ('{name}', {age})")""",
            """cur.execute("INSERT INTO users (name, age) VALUES (?, ?)", (name, age))""",
        ),
        (
            """cur.execute(f"SELECT * FROM users WHERE id IN ({name}, {age})")""",
            """cur.execute("SELECT * FROM users WHERE id IN (?, ?)", (name, age))""",
        ),
        (
            """cur.execute(f'SELECT * FROM users WHERE name LIKE "{name}" OFFSET {age}')""",
            """cur.execute('SELECT * FROM users WHERE name LIKE ? OFFSET ?', (name, age))""",
        ),
    ],
)
def test_supported_forms(tmp_path: Path, call: str, expected: str) -> None:
    after, _ = fix_body(tmp_path, call + "\n")
    assert after == expected + "\n"


def test_split_string_keeps_its_lines(tmp_path: Path) -> None:
    after, _ = fix_body(
        tmp_path,
        """\
        cur.execute(
            f"SELECT * FROM users WHERE name = '{name}' "
            f"AND age > {age}"
        )
        """,
    )
    assert after == textwrap.dedent(
        """\
        cur.execute(
            "SELECT * FROM users WHERE name = ? "
            "AND age > ?",
            (name, age),
        )
        """
    )


def test_two_step_assignment(tmp_path: Path) -> None:
    after, _ = fix_body(
        tmp_path,
        """\
        query = f\"\"\"
            SELECT * FROM users
            WHERE name = '{name}'
        \"\"\"
        cur.execute(query)
        return cur.fetchall()
        """,
    )
    assert after == textwrap.dedent(
        """\
        query = \"\"\"
            SELECT * FROM users
            WHERE name = ?
        \"\"\"
        cur.execute(query, (name,))
        return cur.fetchall()
        """
    )


@pytest.mark.parametrize("driver", ["psycopg2", "pymysql", "MySQLdb", "mysql.connector"])
def test_percent_drivers_use_percent_s_and_double_literal_percent(
    tmp_path: Path, driver: str
) -> None:
    after, _ = fix_body(
        tmp_path, """cur.execute(f"SELECT * FROM t WHERE a LIKE 'x%' AND b = {name}")\n""", driver
    )
    assert after == """cur.execute("SELECT * FROM t WHERE a LIKE 'x%%' AND b = %s", (name,))\n"""


def test_percent_driver_two_step(tmp_path: Path) -> None:
    after, _ = fix_body(
        tmp_path,
        """\
        sql = "SELECT * FROM users WHERE name = '%s'" % name
        cur.execute(sql)
        """,
        "psycopg2",
    )
    assert after == 'sql = "SELECT * FROM users WHERE name = %s"\ncur.execute(sql, (name,))\n'


def left_alone(tmp_path: Path, body: str, imports: str = "import sqlite3\n") -> None:
    source = (
        imports
        + "\n\ndef lookup(cur, name, age, col, ids):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    out = run_fix(tmp_path, source, RULES)
    assert "S608" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


@pytest.mark.parametrize(
    "body",
    [
        'cur.execute(f"SELECT * FROM users ORDER BY {col}")\n',
        'cur.execute(f"SELECT * FROM {col} WHERE id = 1")\n',
        'cur.execute(f"SELECT {col} FROM users WHERE id = 1")\n',
        'cur.execute(f"SELECT * FROM users WHERE {col} = 1")\n',
        "cur.execute(f\"SELECT * FROM users WHERE name LIKE '%{name}%'\")\n",
        "cur.execute(f\"SELECT * FROM users WHERE name = 'Dr {name}'\")\n",
        'cur.execute(f"SELECT * FROM users WHERE id IN ({ids})")\n',
        """cur.execute(f"SELECT * FROM users WHERE id IN ({','.join(ids)}, 0)")\n""",
        'cur.execute(f"SELECT * FROM users WHERE id = {name}{age}")\n',
        'cur.execute(f"SELECT * FROM users WHERE id = {name}0")\n',
        'cur.execute(f"SELECT * FROM users WHERE name = {name!r}")\n',
        'cur.execute(f"SELECT * FROM users WHERE id = {age} AND name = ?", (name,))\n',
        'cur.executemany(f"INSERT INTO {col} VALUES (?)", ids)\n',
        'cur.execute(f"SELECT * FROM users WHERE name = ? AND id = {age}")\n',
        'cur.execute(f"SELECT * FROM users -- by id\\nWHERE id = {age}")\n',
    ],
)
def test_unsafe_queries_are_left_alone(tmp_path: Path, body: str) -> None:
    left_alone(tmp_path, body)


@pytest.mark.parametrize("imports", ["", "import sqlite3\nimport psycopg2\n"])
def test_unknown_or_several_drivers_are_left_alone(tmp_path: Path, imports: str) -> None:
    left_alone(tmp_path, 'cur.execute(f"SELECT * FROM users WHERE id = {age}")\n', imports)


@pytest.mark.parametrize(
    "body",
    [
        # the query variable is used again
        'q = f"SELECT * FROM users WHERE id = {age}"\ncur.execute(q)\nprint(q)\n',
        # assigned twice
        'q = f"SELECT * FROM users WHERE id = {age}"\nq = q + " LIMIT 1"\ncur.execute(q)\n',
        # a value is rebound between the assignment and the call
        'q = f"SELECT * FROM users WHERE id = {age}"\nage = 0\ncur.execute(q)\n',
        # the call runs in a loop that the assignment is outside of
        'q = f"SELECT * FROM users WHERE id = {age}"\nfor _ in ids:\n    cur.execute(q)\n',
        # the value is a call: moving it to execute() would change when it runs
        'q = f"SELECT * FROM users WHERE id = {len(ids)}"\ncur.execute(q)\n',
    ],
)
def test_unsafe_two_step_forms_are_left_alone(tmp_path: Path, body: str) -> None:
    left_alone(tmp_path, body)


SEARCH = """\
import sqlite3


def search(conn, name):
    cur = conn.cursor()
    query = f"SELECT id FROM users WHERE name = '{name}'"
    cur.execute(query)
    return cur.fetchall()


def older(conn, age):
    return conn.execute("SELECT id FROM users WHERE age > %s" % age).fetchall()
"""


def load(source: str, name: str) -> Any:
    module = ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    return module


def test_injection_no_longer_returns_every_row(tmp_path: Path) -> None:
    out = run_fix(tmp_path, SEARCH, RULES)
    assert out.patch is not None and len(out.patch.finding_ids) == 2
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE users (id INTEGER, name TEXT, age INTEGER)")
    conn.executemany("INSERT INTO users VALUES (?, ?, ?)", [(1, "ann", 30), (2, "bob", 40)])
    before, after = load(out.before, "before"), load(out.after, "after")
    payload = "x' OR '1'='1"

    assert before.search(conn, payload) == [(1,), (2,)]
    assert after.search(conn, payload) == []
    assert after.search(conn, "bob") == before.search(conn, "bob") == [(2,)]
    assert before.older(conn, "0 OR 1=1") == [(1,), (2,)]
    assert after.older(conn, "0 OR 1=1") == []
    assert after.older(conn, 35) == [(2,)]
