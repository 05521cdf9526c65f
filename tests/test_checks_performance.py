import ast
import textwrap

from agent.fix.llm_fixer import prompt_variables
from agent.llm.prompts import load_prompt
from agent.models import Priority
from agent.scan import scan
from agent.scan.checks._walk import ModuleWalk
from agent.scan.checks.performance import findings
from tests.conftest import GitRepo


def found(source: str) -> list[tuple[str, int]]:
    tree = ast.parse(textwrap.dedent(source))
    return sorted((f.rule, f.line) for f in findings("app.py", ModuleWalk(tree)))


def test_http_calls_in_loops_and_comprehensions_are_reported() -> None:
    source = """\
    import requests
    import httpx as hx


    def fetch(urls):
        for u in urls:
            requests.get(u, timeout=5)
        while urls:
            hx.post(urls.pop(), json={})
        return [requests.head(u, timeout=5) for u in urls]
    """
    assert found(source) == [("HP101", 7), ("HP101", 9), ("HP101", 10)]


def test_http_calls_run_once_are_not_reported() -> None:
    source = """\
    import requests


    def once(url, session):
        for item in requests.get(url, timeout=5).json():
            session.get(item, timeout=5)

        def later(u):
            return requests.get(u, timeout=5)

        return [later for _ in range(3)]


    for u in ["module", "level"]:
        requests.get(u, timeout=5)
    """
    assert found(source) == []


def test_a_call_in_nested_loops_is_reported_once() -> None:
    source = """\
    import requests


    def grid(rows):
        for row in rows:
            for url in row:
                requests.get(url, timeout=5)
    """
    assert found(source) == [("HP101", 7)]


def test_queries_in_loops_over_query_results_are_n_plus_one() -> None:
    source = """\
    def report(conn, session):
        rows = conn.execute("SELECT id FROM users").fetchall()
        for row in rows:
            conn.execute("SELECT * FROM orders WHERE user_id = ?", (row[0],))
        for user in session.query(User).all():
            session.query(Order).filter(Order.user_id == user.id).first()
        return [Profile.objects.get(user=u) for u in User.objects.filter(active=True)]
    """
    assert found(source) == [("HP102", 4), ("HP102", 6), ("HP102", 7)]


def test_queries_in_other_loops_are_not_n_plus_one() -> None:
    source = """\
    def setup(conn, ids, session):
        rows = conn.execute("SELECT id FROM users").fetchall()
        for i in ids:
            conn.execute("INSERT INTO seen VALUES (?)", (i,))
        for row in rows:
            print(row, session.get(row))
        for key in session.query(User).all():
            requests_cache = {key: key}
        return requests_cache
    """
    assert found(source) == []


def test_scan_ranks_both_rules_as_performance(make_repo: GitRepo) -> None:
    repo = make_repo(
        {
            "app.py": """\
            import requests


            def sync(conn, urls):
                for row in conn.execute("SELECT id FROM items"):
                    conn.execute("DELETE FROM cache WHERE id = ?", (row[0],))
                    requests.post(urls[0], json={"id": row[0]}, timeout=5)
            """
        }
    )
    result = scan(repo, ["app.py"])
    ours = {f.rule: f for f in result.findings if f.rule in {"HP101", "HP102"}}
    assert set(ours) == {"HP101", "HP102"}
    assert {f.priority for f in ours.values()} == {Priority.PERFORMANCE}
    assert (ours["HP101"].line, ours["HP101"].symbol, ours["HP101"].cwe) == (7, "sync", 400)
    assert (ours["HP102"].line, ours["HP102"].cwe) == (6, 1073)


def test_the_performance_prompt_renders_an_n_plus_one_finding(make_repo: GitRepo) -> None:
    repo = make_repo(
        {
            "app.py": """\
            def totals(conn):
                rows = conn.execute("SELECT id FROM users").fetchall()
                return [conn.execute("SELECT 1 WHERE ? > 0", row) for row in rows]
            """
        }
    )
    [finding] = [f for f in scan(repo, ["app.py"]).findings if f.rule == "HP102"]
    prompt = load_prompt("fix/performance")
    rendered = prompt.render(prompt_variables([finding], "CODE", feedback=""))
    assert "HP102 (CWE-1073) in app.py, symbol totals, line 3" in rendered.messages.user
    assert "N+1" in rendered.messages.system
