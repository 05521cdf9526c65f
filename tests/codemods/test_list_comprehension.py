import textwrap
from pathlib import Path

from tests.codemods.helpers import run_fix

RULES = {"PERF401"}


def test_append_under_one_if_becomes_a_comprehension(tmp_path: Path) -> None:
    source = """\
    def evens(numbers):
        doubled: list[int] = []  # keep
        for n in numbers:
            if n % 2 == 0:
                doubled.append(n * 2)
        return doubled
    """
    expected = """\
    def evens(numbers):
        doubled: list[int] = [n * 2 for n in numbers if n % 2 == 0]  # keep
        return doubled
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(expected)
    assert "PERF401" in {f.rule for f in out.findings_before}
    assert out.rules_after() == {f.rule for f in out.findings_before} - RULES
    assert _run(out.before, "evens", [1, 2, 3, 4]) == _run(out.after, "evens", [1, 2, 3, 4])


def test_loose_expressions_are_parenthesised(tmp_path: Path) -> None:
    source = """\
    def parts(rows, flag):
        out = []
        for row in rows if flag else []:
            out.append(cell * 2 for cell in row)
        return [list(cells) for cells in out]
    """
    out = run_fix(tmp_path, source, RULES)
    assert "out = [(cell * 2 for cell in row) for row in (rows if flag else [])]" in out.after
    assert "PERF401" not in out.rules_after()
    rows = [[1, 2], [3]]
    assert _run(out.before, "parts", rows, True) == _run(out.after, "parts", rows, True)
    assert _run(out.after, "parts", rows, False) == []


def test_loops_it_cannot_rewrite_safely_are_left_alone(tmp_path: Path) -> None:
    source = """\
    class Box:
        items = []
        for i in range(3):
            items.append(i * 2)


    async def collect(stream, xs):
        got = []
        async for x in stream:
            got.append(x + 1)
        done = []
        for x in xs:
            done.append(x + 1)
        else:
            done.append(0)
        noted = []
        for x in xs:
            noted.append(x + 1)  # the model should keep this note
        return got, done, noted
    """
    out = run_fix(tmp_path, source, RULES)
    assert len([f for f in out.findings_before if f.rule == "PERF401"]) == 4
    assert out.patch is None
    assert out.after == textwrap.dedent(source)


def test_only_the_simple_loop_among_others_changes(tmp_path: Path) -> None:
    source = """\
    def labels(items):
        upper = []
        for i in items:
            upper.append(i.upper())
            upper.append(i.lower())
        labels = []
        for i in items:
            labels.append(str(i))
        return upper, labels
    """
    out = run_fix(tmp_path, source, RULES)
    assert "    labels = [str(i) for i in items]\n" in out.after
    assert out.after.count("for i in items:") == 1
    assert out.patch is not None and len(out.patch.finding_ids) == 1
    assert _run(out.before, "labels", ["a"]) == _run(out.after, "labels", ["a"])


def _run(source: str, name: str, *args: object) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "app.py", "exec"), namespace)  # noqa: S102 - our own test source
    function = namespace[name]
    assert callable(function)
    return function(*args)
