import ast
import textwrap
from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S113"}


def test_timeout_is_appended(tmp_path: Path) -> None:
    source = 'import requests\nr = requests.get("https://x")  # fetch\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.after == 'import requests\nr = requests.get("https://x", timeout=10)  # fetch\n'
    assert "S113" in {f.rule for f in out.findings_before}
    assert "S113" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


def test_timeout_none_becomes_ten(tmp_path: Path) -> None:
    source = 'import httpx\nr = httpx.post("https://x", json={}, timeout=None)\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.after == 'import httpx\nr = httpx.post("https://x", json={}, timeout=10)\n'
    assert "S113" in {f.rule for f in out.findings_before}
    assert "S113" not in out.rules_after()


def test_multiline_call_keeps_its_layout(tmp_path: Path) -> None:
    source = """\
    import requests

    r = requests.request(
        "GET",
        "https://x",  # the endpoint
    )
    """
    expected = """\
    import requests

    r = requests.request(
        "GET",
        "https://x",  # the endpoint
        timeout=10,
    )
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(expected)
    assert not {"S113", "B113"} & out.rules_after()


def test_call_with_kwargs_is_left_alone(tmp_path: Path) -> None:
    source = 'import requests\noptions = {}\nr = requests.get("https://x", **options)\n'
    out = run_fix(tmp_path, source, RULES)
    assert "S113" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


def test_only_the_targeted_call_changes(tmp_path: Path) -> None:
    source = 'import requests\na = requests.get("x", timeout=5)\nb = requests.get("y")\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.after == (
        'import requests\na = requests.get("x", timeout=5)\nb = requests.get("y", timeout=10)\n'
    )
    ast.parse(out.after)
