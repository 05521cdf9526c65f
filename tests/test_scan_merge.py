"""One problem reported by ruff and bandit at different lines of one statement is one finding.

Real ruff and bandit on real files: ruff reports a defaulted password parameter (S107) at
the parameter, bandit (B107) at the ``def``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from agent.models import Finding
from agent.scan import scan

SOURCE = textwrap.dedent(
    """\
    def connect(
        host,
        password="hunter2",
    ):
        return host, password


    def clamp(
        value,
        floor_token: str = "<",
        ceil_token: str = ">",
    ):
        return value, floor_token, ceil_token


    def login(user, password="swordfish"):
        return user, password
    """
)


def _password_defaults(tmp_path: Path) -> list[Finding]:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    found = scan(tmp_path, ["app.py"]).findings
    return [f for f in found if {f.rule, *f.aliases} & {"S107", "B107"}]


def test_same_default_reported_by_both_tools_is_one_finding(tmp_path: Path) -> None:
    found = _password_defaults(tmp_path)
    by_symbol: dict[str, list[Finding]] = {}
    for finding in found:
        by_symbol.setdefault(finding.symbol, []).append(finding)
    assert [(f.line, f.tools) for f in by_symbol["connect"]] == [(3, ("ruff", "bandit"))]
    assert [(f.line, f.tools) for f in by_symbol["login"]] == [(16, ("ruff", "bandit"))]
    assert by_symbol["connect"][0].aliases == ("B107",)


def test_one_tools_several_reports_stay_apart(tmp_path: Path) -> None:
    """Two defaulted tokens in one def: ruff's two reports stay two; bandit's joins one."""
    clamp = [f for f in _password_defaults(tmp_path) if f.symbol == "clamp"]
    assert [(f.line, f.tools) for f in clamp] == [(10, ("ruff", "bandit")), (11, ("ruff",))]
    assert len({f.id for f in clamp}) == 2
