import ast
from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"S307"}


def test_eval_becomes_literal_eval(tmp_path: Path) -> None:
    source = "import json\n\nvalue = eval(text)  # parse\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.after == "import ast\nimport json\n\nvalue = ast.literal_eval(text)  # parse\n"
    assert "S307" in {f.rule for f in out.findings_before}
    assert "S307" not in out.rules_after()
    assert out.patch is not None and out.patch.finding_ids


def test_import_added_once_for_several_calls(tmp_path: Path) -> None:
    source = "a = eval(x)\nb = eval(y)\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.after.count("import ast") == 1
    assert out.after == "import ast\n\na = ast.literal_eval(x)\nb = ast.literal_eval(y)\n"
    ast.parse(out.after)


def test_existing_import_is_reused(tmp_path: Path) -> None:
    source = "import ast\n\nvalue = eval(text)\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.after == "import ast\n\nvalue = ast.literal_eval(text)\n"


def test_eval_with_globals_is_left_alone(tmp_path: Path) -> None:
    source = "value = eval(text, {})\n"
    out = run_fix(tmp_path, source, RULES)
    assert "S307" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


def test_shadowed_eval_is_left_alone(tmp_path: Path) -> None:
    source = "def run(eval, text):\n    return eval(text)\n"
    out = run_fix(tmp_path, source, RULES)
    assert out.patch is None
    assert out.after == source
