from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S506"}


def test_yaml_load_becomes_safe_load(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import yaml


        def read(path):
            with open(path) as fh:
                return yaml.load(fh, Loader=yaml.FullLoader)  # keep this comment
        """,
        RULES,
    )
    assert "return yaml.safe_load(fh)  # keep this comment" in out.after
    assert "S506" in {f.rule for f in out.findings_before}
    assert "S506" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


def test_bare_yaml_load_becomes_safe_load(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "import yaml\ndata = yaml.load(open('x'))\n", RULES)
    assert out.after == "import yaml\ndata = yaml.safe_load(open('x'))\n"
    assert "S506" not in out.rules_after()


def test_custom_loader_is_left_alone(tmp_path: Path) -> None:
    source = (
        "import yaml\nfrom mylib import MyLoader\ndata = yaml.load(open('x'), Loader=MyLoader)\n"
    )
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None
    assert out.after == source


def test_codemods_in_one_group_find_their_lines_after_an_earlier_one_adds_imports(
    tmp_path: Path,
) -> None:
    source = """\
import random

import jwt

JWT_SECRET = "super-secret-jwt-signing-key"


def make_reset_token():
    return "".join(random.choice("abc") for _ in range(8))


def decode(token):
    return jwt.decode(token, JWT_SECRET, options={"verify_signature": False})
"""
    out = run_fix(tmp_path, source, {"S105", "S311", "HS501"})
    assert out.patch is not None
    assert len(out.patch.finding_ids) == 3
    assert "secrets.choice" in out.after
    assert 'algorithms=["HS256"]' in out.after
    assert not {"S105", "S311", "HS501"} & out.rules_after()
