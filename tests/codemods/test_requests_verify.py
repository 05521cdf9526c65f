from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S501"}


def test_verify_false_is_removed(tmp_path: Path) -> None:
    source = 'import requests\nr = requests.get("https://x", verify=False, timeout=5)  # api\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.after == 'import requests\nr = requests.get("https://x", timeout=5)  # api\n'
    assert "S501" in {f.rule for f in out.findings_before}
    assert "S501" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


def test_last_argument_removed_keeps_commas_valid(tmp_path: Path) -> None:
    source = 'import requests\nr = requests.post("https://x", timeout=5, verify=False)\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.after == 'import requests\nr = requests.post("https://x", timeout=5)\n'


def test_multiline_call(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "r = requests.get(\n"
        '    "https://x",\n'
        "    verify=False,\n"
        "    timeout=5,\n"
        ")\n"
    )
    out = run_fix(tmp_path, source, RULES)
    assert out.after == 'import requests\nr = requests.get(\n    "https://x",\n    timeout=5,\n)\n'
    assert "S501" not in out.rules_after()


def test_httpx_client(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "import httpx\nclient = httpx.Client(verify=False)\n", RULES)
    assert out.after == "import httpx\nclient = httpx.Client()\n"
    assert "S501" not in out.rules_after()


def test_computed_verify_is_left_alone(tmp_path: Path) -> None:
    source = 'import requests\nr = requests.get("https://x", verify=0 == 1, timeout=5)\n'
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None
    assert out.after == source


def test_timeout_and_verify_on_one_line_are_both_fixed(tmp_path: Path) -> None:
    source = 'import requests\nr = requests.get("https://x", verify=False)\n'
    out = run_fix(tmp_path, source, {"S113", "S501"})
    assert out.after == 'import requests\nr = requests.get("https://x", timeout=10)\n'
    assert {"S113", "S501"} <= {f.rule for f in out.findings_before}
    assert not {"S113", "S501", "B113", "B501"} & out.rules_after()
    assert out.patch is not None
    assert len(out.patch.finding_ids) == 2
