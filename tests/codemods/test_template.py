import libcst as cst
import pytest

from agent.fix.codemods._lib.template import Value, decompose


def parts(source: str) -> list[str] | None:
    """Literal text as is, interpolated values as ``<code>`` (``<code:d>`` for %d)."""
    found = decompose(cst.parse_expression(source))
    if found is None:
        return None
    module = cst.Module(body=[])
    return [
        p if isinstance(p, str) else f"<{module.code_for_node(p.expr)}{':d' * p.numeric}>"
        for p in found
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"ls -la"', ["ls -la"]),
        ('f"ls -la {path}"', ["ls -la ", "<path>"]),
        ("f'{a}{b.c} x {d[0]}'", ["<a>", "<b.c>", " x ", "<d[0]>"]),
        ('f"{{literal}} {x}"', ["{literal} ", "<x>"]),
        (r'f"tab\t{x}\n"', ["tab\t", "<x>", "\n"]),
        ('f"a = {x} " "AND b = 1"', ["a = ", "<x>", " AND b = 1"]),
        ('"id = %s AND n > %d" % (a, b)', ["id = ", "<a>", " AND n > ", "<b:d>"]),
        ('"100%% of %s" % name', ["100% of ", "<name>"]),
        ('"SELECT " + col + " FROM t"', ["SELECT ", "<col>", " FROM t"]),
        ('"a" + f"{x}" + "%s" % y', ["a", "<x>", "<y>"]),
        ('"x " + (a + b)', ["x ", "<(a + b)>"]),
        ('"{} {name}".format(a, name=b)', ["<a>", " ", "<b>"]),
        ('"{1}-{0}".format(a, b)', ["<b>", "-", "<a>"]),
        ('"{{}} {}".format(a)', ["{} ", "<a>"]),
    ],
)
def test_decomposes_exactly(source: str, expected: list[str]) -> None:
    assert parts(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "name",
        'f"{x!r}"',
        'f"{x:>5}"',
        'f"{x=}"',
        'b"bytes"',
        '"%r" % x',
        '"%5s" % x',
        '"%(name)s" % {"name": x}',
        '"%s %s" % (x,)',
        '"%s" % (x, y)',
        '"%s" % (*xs,)',
        '"trailing %" % x',
        '"{x!r}".format(x=1)',
        '"{:>5}".format(x)',
        '"{} {0}".format(x)',
        '"{0} {0}".format(x)',
        '"{}".format(x, y)',
        '"{a.b}".format(a=x)',
        '"{}".format(*xs)',
        "a + b",
        "template.format(x)",
    ],
)
def test_gives_up_when_not_exact(source: str) -> None:
    assert decompose(cst.parse_expression(source)) is None


def test_values_are_the_original_nodes() -> None:
    expr = cst.parse_expression('f"ls {path}"')
    assert isinstance(expr, cst.FormattedString)
    found = decompose(expr)
    assert found is not None
    value = found[1]
    assert isinstance(value, Value)
    inner = expr.parts[1]
    assert isinstance(inner, cst.FormattedStringExpression)
    assert value.expr is inner.expression
