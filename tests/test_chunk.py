"""The chunk a model sees: imports, called signatures, the symbol verbatim, within budget."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.fix.chunk import ChunkError, build_chunk
from agent.llm.tokens import count_tokens
from agent.models import Confidence, Finding, Priority, Severity

MODULE = textwrap.dedent(
    '''\
    """Users."""
    import sqlite3
    from typing import Any


    def quote(name: str) -> str:
        """Quote a name for SQL.

        Not safe at all.
        """
        return f"'{name}'"


    def unused() -> None:
        """Never called."""


    class Store:
        """A store."""

        def connect(self) -> sqlite3.Connection:
            """Open the database."""
            return sqlite3.connect("app.db")

        def find(self, name: str) -> Any:
            conn = self.connect()
            query = "SELECT * FROM users WHERE name = " + quote(name)
            return conn.execute(query).fetchall()


    LIMIT = {"rows": 10}
    '''
)
FIND_LINE = 27  # query = "SELECT ..." + quote(name)


def finding(line: int, path: str = "app/store.py", symbol: str = "Store.find") -> Finding:
    return Finding(
        id="abc",
        rule="S608",
        tools=("ruff",),
        message="Possible SQL injection",
        severity=Severity.HIGH,
        confidence=Confidence.MEDIUM,
        priority=Priority.SECURITY,
        path=path,
        line=line,
        end_line=line,
        symbol=symbol,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "store.py").write_text(MODULE, encoding="utf-8")
    return tmp_path


def test_function_chunk_has_imports_signatures_and_the_method(repo: Path) -> None:
    chunk = build_chunk(repo, finding(FIND_LINE))
    assert (chunk.symbol, chunk.start_line, chunk.end_line) == ("Store.find", 25, 28)
    assert not chunk.truncated and chunk.tokens == count_tokens(chunk.text)
    text = chunk.text
    assert "import sqlite3\nfrom typing import Any\n" in text
    assert 'def quote(name: str) -> str:\n    """Quote a name for SQL."""' in text
    assert '    def connect(self) -> sqlite3.Connection:\n        """Open the database."""' in text
    assert "unused" not in text and "Not safe at all" not in text
    assert text.index("import sqlite3") < text.index("def quote") < text.index("def find")


def test_code_lines_are_verbatim_and_the_header_names_the_finding(repo: Path) -> None:
    text = build_chunk(repo, finding(FIND_LINE)).text
    method = "\n".join(MODULE.splitlines()[24:28])
    assert text.endswith(method + "\n")
    assert "# harden: app/store.py lines 25-28, function Store.find" in text
    flagged = 'query = "SELECT * FROM users WHERE name = " + quote(name)'
    assert f"# harden: the finding is on line {FIND_LINE}: {flagged}" in text
    headers = [line for line in text.splitlines() if line.startswith("#")]
    assert all(line.startswith("# harden:") for line in headers)


def test_module_level_finding_shows_whole_statements_around_it(repo: Path) -> None:
    chunk = build_chunk(repo, finding(31, symbol="<module>"))
    assert chunk.symbol == "<module>"
    assert (chunk.start_line, chunk.end_line) == (14, 31)  # from `def unused`, not mid-body
    assert chunk.text.endswith('LIMIT = {"rows": 10}\n')


def test_over_budget_drops_signatures_then_imports_then_trims(repo: Path) -> None:
    full = build_chunk(repo, finding(FIND_LINE))
    no_sigs = build_chunk(repo, finding(FIND_LINE), max_tokens=full.tokens - 1)
    assert no_sigs.truncated and "def quote" not in no_sigs.text
    assert "import sqlite3" in no_sigs.text
    no_imports = build_chunk(repo, finding(FIND_LINE), max_tokens=no_sigs.tokens - 1)
    assert "import sqlite3" not in no_imports.text and "def find" in no_imports.text
    trimmed = build_chunk(repo, finding(FIND_LINE), max_tokens=no_imports.tokens - 1)
    assert trimmed.tokens < no_imports.tokens
    assert trimmed.start_line <= FIND_LINE <= trimmed.end_line
    assert (trimmed.start_line, trimmed.end_line) != (25, 28)
    tiny = build_chunk(repo, finding(FIND_LINE), max_tokens=1)
    assert (tiny.start_line, tiny.end_line) == (FIND_LINE, FIND_LINE)


def test_a_file_that_does_not_parse_still_gets_a_window(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("x = 1\ndef broken(:\n    pass\n", encoding="utf-8")
    chunk = build_chunk(tmp_path, finding(2, path="bad.py"))
    assert (chunk.start_line, chunk.end_line) == (1, 3)
    assert "def broken(:" in chunk.text


def test_paths_outside_the_repo_are_refused(repo: Path) -> None:
    with pytest.raises(ChunkError, match="outside the repository"):
        build_chunk(repo / "app", finding(1, path="../../etc/passwd"))
    with pytest.raises(ChunkError, match="cannot read"):
        build_chunk(repo, finding(1, path="missing.py"))
