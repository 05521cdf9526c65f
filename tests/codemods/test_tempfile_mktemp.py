import ast
import textwrap
from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S306"}


def test_assignment_becomes_named_temporary_file(tmp_path: Path) -> None:
    source = """\
    import tempfile


    def scratch():
        # where the report goes
        path = tempfile.mktemp(".csv", "r-")  # temp
        return path
    """
    expected = """\
    import tempfile


    def scratch():
        # where the report goes
        with tempfile.NamedTemporaryFile(delete=False, suffix=".csv", prefix="r-") as _harden_tmp:
            path = _harden_tmp.name  # temp
        return path
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(expected)
    assert "S306" in {f.rule for f in out.findings_before}
    assert "S306" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


def test_keywords_and_annotation(tmp_path: Path) -> None:
    source = "import tempfile\nname: str = tempfile.mktemp(dir='/srv')\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.after == (
        "import tempfile\n"
        "with tempfile.NamedTemporaryFile(delete=False, dir='/srv') as _harden_tmp:\n"
        "    name: str = _harden_tmp.name\n"
    )
    ast.parse(out.after)


def test_mktemp_inside_an_expression_is_left_alone(tmp_path: Path) -> None:
    source = "import tempfile\nopen(tempfile.mktemp(), 'w').close()\n"
    out = run_fix(tmp_path, source, RULES)
    assert "S306" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


def test_two_statements_on_one_line_are_left_alone(tmp_path: Path) -> None:
    source = "import tempfile\na = tempfile.mktemp(); b = 1\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None
    assert out.after == source
