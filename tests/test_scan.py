"""The scanner on real files: ruff and bandit run for real, their reports merged."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.models import Confidence, Finding, Priority, Severity
from agent.scan import ScanResult, scan
from agent.scan.rules import default_cwe

APP = """\
import jwt
import torch
import yaml


def load(text):
    return yaml.load(text)


class Outer:
    class Inner:
        def method(self, s):
            return eval(s)


def deco(arg):
    return lambda f: f


@deco(eval("1 + 1"))
def decorated(s):
    return eval(s)


def outer(s):
    def inner():
        return eval(s)

    return inner


MODULE_VALUE = eval("2")


def twice(s):
    eval(s)
    eval(s)


def restore(path):
    return torch.load(path)


def verify_off(token):
    return jwt.decode(token, "k", verify=False, algorithms=["HS256"])


def options_off(token):
    return jwt.decode(token, "k", options={"verify_signature": False}, algorithms=["HS256"])


def no_algorithms(token):
    return jwt.decode(token, "k")


def verified(token):
    return jwt.decode(token, "k", algorithms=["HS256"])
"""


def _write(root: Path, files: dict[str, str | bytes]) -> list[str]:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return sorted(files)


def _only(findings: tuple[Finding, ...], rule: str, symbol: str) -> Finding:
    matches = [f for f in findings if f.rule == rule and f.symbol == symbol]
    assert len(matches) == 1, [(f.rule, f.symbol, f.line) for f in findings]
    return matches[0]


@pytest.fixture(scope="module")
def app_scan(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    root = tmp_path_factory.mktemp("scan")
    paths = _write(root, {"app.py": APP, "broken.py": "x = (\n", "latin.py": b'x = "\xff"\n'})
    return scan(root, paths)


def test_ruff_and_bandit_agree_on_one_finding(app_scan: ScanResult) -> None:
    yaml_load = [f for f in app_scan.findings if "506" in f.rule]
    assert len(yaml_load) == 1
    finding = yaml_load[0]
    assert finding.rule == "S506"
    assert finding.aliases == ("B506",)
    assert finding.tools == ("ruff", "bandit")
    assert finding.matches_rule("B506")
    assert finding.line == 7
    assert finding.cwe == 20
    assert finding.severity is Severity.MEDIUM
    assert finding.confidence is Confidence.HIGH  # only bandit knows it
    assert finding.priority is Priority.SECURITY
    assert finding.source_line == "return yaml.load(text)"


def test_bandit_only_rule_takes_its_cwe_from_bandit(app_scan: ScanResult) -> None:
    finding = _only(app_scan.findings, "B614", "restore")
    assert finding.tools == ("bandit",)
    assert default_cwe("B614") is None  # so 502 can only have come from bandit
    assert finding.cwe == 502


def test_enclosing_symbols(app_scan: ScanResult) -> None:
    evals = {(f.line, f.symbol) for f in app_scan.findings if f.rule == "S307"}
    assert (13, "Outer.Inner.method") in evals
    assert (20, "decorated") in evals  # the decorator line belongs to the function
    assert (22, "decorated") in evals
    assert (27, "outer.inner") in evals
    assert (32, "<module>") in evals


def test_identical_lines_in_one_symbol_get_different_ids(app_scan: ScanResult) -> None:
    twice = [f for f in app_scan.findings if f.symbol == "twice"]
    assert [f.line for f in twice] == [36, 37]
    assert twice[0].source_line == twice[1].source_line
    assert twice[0].id != twice[1].id
    assert len({f.id for f in app_scan.findings}) == len(app_scan.findings)


def test_stable_id_survives_lines_inserted_above(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": APP})
    first = _only(scan(tmp_path, ["app.py"]).findings, "S506", "load")
    shifted = APP.replace("import yaml\n", "import yaml\n\nX = 1\n\n\ndef other():\n    pass\n")
    (tmp_path / "app.py").write_text(shifted, encoding="utf-8")
    second = _only(scan(tmp_path, ["app.py"]).findings, "S506", "load")
    assert second.line == first.line + 6
    assert second.id == first.id


@pytest.mark.parametrize(
    ("symbol", "reason"),
    [
        ("verify_off", "verify=False"),
        ("options_off", "verify_signature disabled"),
        ("no_algorithms", "without algorithms"),
    ],
)
def test_jwt_decode_without_verification(app_scan: ScanResult, symbol: str, reason: str) -> None:
    finding = _only(app_scan.findings, "HS501", symbol)
    assert reason in finding.message
    assert finding.tools == ("harden",)
    assert finding.cwe == 347
    assert finding.severity is Severity.HIGH


def test_jwt_decode_with_algorithms_is_not_reported(app_scan: ScanResult) -> None:
    assert not [f for f in app_scan.findings if f.symbol == "verified"]


def test_jwt_check_follows_an_import_alias(tmp_path: Path) -> None:
    source = "import jwt as pyjwt\n\n\ndef f(t):\n    return pyjwt.decode(t, 'k')\n"
    _write(tmp_path, {"a.py": source})
    assert [f.rule for f in scan(tmp_path, ["a.py"]).findings] == ["HS501"]


def test_unparsable_files_are_skipped_and_the_rest_scanned(app_scan: ScanResult) -> None:
    reasons = {s.path: s.reason for s in app_scan.skipped}
    assert reasons.keys() == {"broken.py", "latin.py"}
    assert "syntax error" in reasons["broken.py"]
    assert "UTF-8" in reasons["latin.py"]
    assert {f.path for f in app_scan.findings} == {"app.py"}


@pytest.mark.parametrize("ignored", ["S506", "B506"])
def test_ignore_drops_a_rule_by_either_id(tmp_path: Path, ignored: str) -> None:
    _write(tmp_path, {"app.py": APP})
    findings = scan(tmp_path, ["app.py"], ignore=[ignored]).findings
    assert not [f for f in findings if f.matches_rule("S506") or f.matches_rule("B506")]
    assert [f for f in findings if f.rule == "S307"]  # other rules are kept


def test_ignore_drops_harden_rule(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": APP})
    findings = scan(tmp_path, ["app.py"], ignore=["HS501"]).findings
    assert not [f for f in findings if f.rule == "HS501"]
