"""Codemods run on a copy with untargeted function bodies elided, with exactly the outcome
they have on the whole module (agent/fix/elide.py, agent/fix/codemod_fixer.py).

Each module here is scanned for real; the group is the findings of one function, as the
plan groups them; the attempt is made both ways and must give the same patch (every edit,
claimed finding, title) and the same refusals, and the elided copy must really be smaller.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from agent.fix import elide
from agent.fix.codemod_fixer import CodemodAttempt, attempt_codemods
from agent.models import Finding
from agent.scan import scan


def _method(name: str, body: str) -> str:
    return f"    def {name}(self, text, url):\n" + textwrap.indent(textwrap.dedent(body), " " * 8)


_SIBLING = """\
    value = eval(text)
    reply = requests.get(url)
    data = yaml.load(text)
    print("fetched", url)
    return value, reply, data
"""

BIG_CLASS = (
    "import requests\nimport yaml\n\n\nclass Service:\n"
    + "\n".join(_method(f"m{i}", _SIBLING) for i in range(40))
    + "\n"
    + _method(
        "target",
        """\
        try:
            value = eval(text)
        except:
            pass
        return requests.get(url, verify=False), yaml.load(text), value
        """,
    )
    + "\n"
    + "\n".join(_method(f"n{i}", _SIBLING) for i in range(40))
)

GLOBAL_EVAL = """\
def install():
    global eval
    eval = len
    return eval


def parse(text):
    value = eval(text)
    return value


def other(text):
    value = eval(text)
    return value
"""

DECORATED_NESTED = '''\
import functools
import subprocess


def traced(fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        print("calling", fn)
        return fn(*args, **kwargs)

    return inner


@traced
@functools.lru_cache(maxsize=None)
def build(
    path,
    *,
    verbose=False,
):
    """Build the thing."""

    def helper(target):
        subprocess.run(f"ls {target}", shell=True)
        return target

    def unrelated(target):
        subprocess.run(f"ls {target}", shell=True)
        subprocess.run(f"rm {target}", shell=True)
        return target

    return helper(path), unrelated(path)


def elsewhere(target):
    subprocess.run(f"ls {target}", shell=True)
    subprocess.run(f"cat {target}", shell=True)
    return target
'''

DRIVER_INSIDE = """\
def connect(path):
    import sqlite3

    return sqlite3.connect(path)


def lookup(cur, name):
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return cur.fetchall()


def count(cur):
    cur.execute("SELECT COUNT(*) FROM users")
    total = cur.fetchone()
    return total
"""

LOGGER_INSIDE = """\
log = getLogger(__name__)


def setup():
    from logging import getLogger

    return getLogger("x")


def load(path):
    try:
        return open(path).read()
    except:
        pass


def other(path):
    try:
        return open(path).read()
    except Exception:
        return None
"""

SEEDED = """\
import random


def seed_everything():
    random.seed(0)
    return random.random()


def make_token():
    token = random.choice("abcdef")
    return token


def unrelated():
    x = 1
    return x
"""

TOP_LEVEL_LOOP = """\
items = [1, 2, 3]
result = []
for x in items:
    result.append(x * 2)


def later():
    total = 0
    total += x
    return total


def doubled(items):
    out = []
    for y in items:
        out.append(y * 2)
    return out
"""

CASES = {
    "big_class": (BIG_CLASS, "Service.target"),
    "global_eval": (GLOBAL_EVAL, "parse"),
    "decorated_nested": (DECORATED_NESTED, "build"),
    "driver_inside": (DRIVER_INSIDE, "lookup"),
    "logger_inside": (LOGGER_INSIDE, "load"),
    "seeded": (SEEDED, "make_token"),
    "top_level_loop": (TOP_LEVEL_LOOP, "doubled"),
}


def _group(root: Path, source: str, symbol: str) -> list[Finding]:
    (root / "app.py").write_text(source, encoding="utf-8")
    found = scan(root, ["app.py"]).findings
    return [f for f in found if f.symbol == symbol or f.symbol.startswith(f"{symbol}.")]


def _both(root: Path, group: list[Finding]) -> tuple[CodemodAttempt, CodemodAttempt]:
    return (
        attempt_codemods(root, "app.py", group, elided=True),
        attempt_codemods(root, "app.py", group, elided=False),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_elided_copy_gives_the_whole_modules_outcome(tmp_path: Path, name: str) -> None:
    source, symbol = CASES[name]
    group = _group(tmp_path, source, symbol)
    assert group, f"{name}: the scan found nothing in {symbol}"
    for rule in sorted({f.rule for f in group}):  # each rule alone, and all together
        alone = [f for f in group if f.rule == rule]
        assert _both(tmp_path, alone)[0] == _both(tmp_path, alone)[1]
    elided, whole = _both(tmp_path, group)
    assert elided == whole
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == source
    copy = elide.reduce(source, [(f.line, f.end_line) for f in group], frozenset())
    assert copy is not None and copy.elided > 0
    cst.parse_module(copy.text)


def test_a_big_class_is_attempted_on_a_small_copy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    group = _group(tmp_path, BIG_CLASS, "Service.target")
    with caplog.at_level(logging.DEBUG, logger="harden.fix"):
        elided, whole = _both(tmp_path, group)
    assert elided == whole and elided.patch is not None
    assert {f.rule for f in group} >= {"S307", "E722", "S501", "S506"}
    assert "codemods run with 400 of " in caplog.text  # 80 sibling bodies of 5 lines each


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("global_eval", "`global` in a body binds a module name: that body stays"),
        ("driver_inside", "sqlite3 imported in a body decides the placeholder: it stays"),
        ("logger_inside", "getLogger imported in a body makes `log` the logger: it stays"),
        ("seeded", "random.seed in a body refuses the module: it stays"),
    ],
)
def test_bodies_a_codemod_reads_are_kept(tmp_path: Path, name: str, why: str) -> None:
    source, symbol = CASES[name]
    group = _group(tmp_path, source, symbol)
    elided, whole = _both(tmp_path, group)
    assert elided == whole, why
    kept = source.splitlines()[1]  # the first body line of the first function
    copy = _copy(source, group, name)
    assert copy is not None, why
    assert kept in copy.text.splitlines(), why


def _copy(source: str, group: list[Finding], name: str) -> elide.Reduced | None:
    names = {"driver_inside": {"sqlite3"}, "logger_inside": {"getLogger"}, "seeded": {"random"}}
    targets = [(f.line, f.end_line) for f in group]
    return elide.reduce(source, targets, frozenset(names.get(name, set())))


def test_the_copy_keeps_every_line_number_and_every_kept_line() -> None:
    targets = [(24, 24)]  # subprocess.run in build.helper
    copy = elide.reduce(DECORATED_NESTED, targets, frozenset())
    assert copy is not None
    original, reduced = DECORATED_NESTED.splitlines(), copy.text.splitlines()
    assert len(reduced) == len(original)
    elided = {i for a, b in copy.regions for i in range(a, b + 1)}
    assert all(reduced[i] == line for i, line in enumerate(original) if i not in elided)
    assert copy.regions == ((5, 10), (35, 37))  # the bodies of traced and elsewhere
    # the target's function stays whole, its nested functions too: a codemod may read it
    assert "def unrelated" in reduced[26] and "rm {target}" in reduced[28]
    assert "@traced" in reduced[13] and "verbose=False," in reduced[18]
    cst.parse_module(copy.text)  # a decorated body starts at its decorator


def test_a_change_beside_an_elided_body_is_not_spliced() -> None:
    source = "def a():\n    x = 1\n    return x\ndef b():\n    return eval(s)\n"
    copy = elide.reduce(source, [(5, 5)], frozenset())
    assert copy is not None and copy.regions == ((1, 2),)
    inside = copy.text.replace('"""elided by harden 1', '"""elided by harden one')
    assert elide.splice(copy, inside) is None
    beside = copy.text.replace("def b():", "def c():")
    assert elide.splice(copy, beside) is None
    fixed = copy.text.replace("eval(s)", "ast.literal_eval(s)")
    assert elide.splice(copy, fixed) == source.replace("eval(s)", "ast.literal_eval(s)")


def test_a_loop_at_the_top_level_reads_the_whole_module(tmp_path: Path) -> None:
    """list_comprehension asks whether the module reads the loop variable elsewhere."""
    (inside,) = _group(tmp_path, TOP_LEVEL_LOOP, "doubled")
    assert inside.rule == "PERF401"
    top = inside.model_copy(update={"line": 4, "end_line": 4, "symbol": "<module>"})
    assert elide.has_top_level(TOP_LEVEL_LOOP, [(4, 4)])
    assert not elide.has_top_level(TOP_LEVEL_LOOP, [(inside.line, inside.end_line)])
    elided, whole = _both(tmp_path, [top])
    assert elided == whole and elided.patch is None  # `x` is read in later(): refused
    assert _both(tmp_path, [inside])[0].patch is not None
