import ast
import textwrap
from pathlib import Path

from agent.fix.codemod_fixer import fix_with_codemods
from agent.scan import scan
from tests.codemods.helpers import run_fix

RULES = {"PERF102"}


def test_unused_keys_iterate_over_values(tmp_path: Path) -> None:
    source = """\
    def total(prices):
        sum_ = 0
        for _, price in prices.items():  # every item
            sum_ += price
        return sum_
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(source).replace(
        "for _, price in prices.items():", "for price in prices.values():"
    )
    assert "PERF102" in {f.rule for f in out.findings_before}
    assert out.rules_after() == {f.rule for f in out.findings_before} - RULES
    assert out.patch is not None and len(out.patch.finding_ids) == 1


def test_unused_values_iterate_over_keys(tmp_path: Path) -> None:
    source = """\
    def names(table):
        found = set()
        for (name, _row) in table.items():
            found.add(name.lower())
        for _, (a, b) in table.items():
            found.add(a + b)
        return found
    """
    out = run_fix(tmp_path, source, RULES)
    expected = source.replace("for (name, _row) in table.items():", "for name in table.keys():")
    expected = expected.replace("for _, (a, b) in table.items():", "for (a, b) in table.values():")
    assert out.after == textwrap.dedent(expected)
    assert "PERF102" not in out.rules_after()
    ast.parse(out.after)


def test_only_the_targeted_loop_changes(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        def both(table):
            for _, first in table.items():
                print(first)
            for _, second in table.items():
                print(second)
        """
    )
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    found = [f for f in scan(tmp_path, ["app.py"]).findings if f.rule == "PERF102"]
    assert [f.line for f in found] == [2, 4]
    patch = fix_with_codemods(tmp_path, "app.py", found[1:])
    assert patch is not None and patch.finding_ids == (found[1].id,)
    assert patch.edits[0].after == source.replace(
        "for _, second in table.items()", "for second in table.values()"
    )
