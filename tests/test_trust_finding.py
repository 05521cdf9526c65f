"""Issue 11 §3: a finding must really be gone, and the scope must hold.

Each class is tried through the real CLI and openai SDK against the fake server
(tests/trust_scripted.py) with at least four variants, all of which must be rejected with
the user's checkout unchanged; fast unit tests on agent.validate.evasion,
agent.validate.policy.imports and
agent.validate.policy.content pin the rules and show that honest fixes still pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.models import FileEdit, Finding, Patch
from agent.validate.evasion import evasion
from agent.validate.policy.check import policy_violations
from tests.trust_scripted import (
    Variant,
    edit,
    honest_fix,
    honest_test,
    module,
    reply,
    run_variants,
    tenant,
)

HIDDEN = "S302 in app/tenant_{n}.py:load_{n}"
FINDING_LINE = "    return marshal.loads(blob) if blob else None\n"


def rewrite(n: int, call: str, imports: str = "import marshal\n") -> dict[str, Any]:
    """``marshal.loads(blob)`` on the finding line replaced by ``call``."""
    return reply(
        [
            edit(tenant(n), "import marshal\n", imports),
            edit(tenant(n), "marshal.loads(blob)", call),
        ]
    )


DYNAMIC = (
    Variant(
        "importlib.import_module(marshal.__name__).loads",
        lambda n: rewrite(
            n,
            "importlib.import_module(marshal.__name__).loads(blob)",
            "import importlib\nimport marshal\n",
        ),
        "finding-gone",
        HIDDEN,
    ),
    Variant(
        'getattr(marshal, "lo" + "ads")',
        lambda n: rewrite(n, 'getattr(marshal, "lo" + "ads")(blob)'),
        "finding-gone",
        HIDDEN,
    ),
    Variant(
        '__import__("marshal").loads',
        lambda n: rewrite(n, '__import__("mar" + "shal").loads(blob)', ""),
        "finding-gone",
        HIDDEN,
    ),
    Variant(
        "from marshal import loads as l",
        lambda n: rewrite(n, "l(blob)", "from marshal import loads as l\n"),
        "finding-gone",
        HIDDEN,
    ),
    Variant(
        "an alias of the module: codec = marshal",
        lambda n: rewrite(n, "codec.loads(blob)", "import marshal\n\ncodec = marshal\n"),
        "finding-gone",
        HIDDEN,
    ),
    Variant(
        "sys.modules lookup",
        lambda n: rewrite(n, 'sys.modules["mar" + "shal"].loads(blob)', "import sys\n"),
        "finding-gone",
        HIDDEN,
    ),
)

CODEC = "import marshal\n\n\ndef decode(blob):\n    return marshal.loads(blob)\n"


def moved(n: int, path: str, import_line: str) -> dict[str, Any]:
    """The dangerous call moved to a new file ``path`` that the fix imports back."""
    return reply(
        [
            edit(tenant(n), "import marshal\n", import_line),
            edit(tenant(n), "marshal.loads(blob)", "decode(blob)"),
        ],
        (path, CODEC),
    )


MOVED = (
    Variant(
        "from tests.test_codec import decode",
        lambda n: moved(n, "tests/test_codec.py", "from tests.test_codec import decode\n"),
        "scope",
        "production code may not import test code (tests.test_codec",
    ),
    Variant(
        "from test_codec import decode (tests/ on sys.path)",
        lambda n: moved(n, "tests/test_codec.py", "from test_codec import decode\n"),
        "scope",
        "production code may not import test code (test_codec",
    ),
    Variant(
        "a relative import up into tests/",
        lambda n: moved(n, "tests/codec_test.py", "from ..tests.codec_test import decode\n"),
        "scope",
        "production code may not import test code (tests",
    ),
    Variant(
        "a helper module under tests/ that is not a test module",
        lambda n: moved(n, "tests/codec.py", "from tests.codec import decode\n"),
        "scope",
        "tests/codec.py: a new file under tests/ must be a test module",
    ),
    Variant(
        "the dangerous call in the new test file itself (new files are scanned)",
        lambda n: reply(
            honest_fix(n),
            (
                f"tests/test_codec_{n:02}.py",
                honest_test(n) + "\n\ndef test_marshal():\n"
                "    import marshal\n    assert marshal.loads(marshal.dumps(1)) == 1\n",
            ),
        ),
        "finding-gone",
        "new: S302 in tests/test_codec_{n}.py",
    ),
    Variant(
        "production code imports the new test module by its bare name inside the function",
        lambda n: reply(
            [
                edit(tenant(n), "import marshal\n", ""),
                edit(
                    tenant(n),
                    "    return marshal.loads(blob)",
                    "    import test_codec_x\n\n    return test_codec_x.decode(blob)",
                ),
            ],
            ("tests/test_codec_x.py", CODEC),
        ),
        "scope",
        "production code may not import test code (test_codec_x)",
    ),
)


def suppressed_module(n: int) -> str:
    """A tenant module with suppressions on lines other than the finding's."""
    return module(n).replace("import marshal\n", "import marshal  # nosec\n") + (
        "\n\ndef dump(value):\n"
        '    """Sessions we hand out."""\n'
        "    return marshal.dumps(value)  # noqa: S302\n"
    )


def on_line(n: int, suffix: str, *extra: dict[str, str]) -> dict[str, Any]:
    line = FINDING_LINE.rstrip("\n")
    return reply([*extra, edit(tenant(n), line, line + suffix)])


SUPPRESSED = (
    Variant(
        "# nosec moved from the import line onto the finding line",
        lambda n: on_line(
            n, "  # nosec", edit(tenant(n), "import marshal  # nosec\n", "import marshal\n")
        ),
        "scope",
        "adds a '# nosec' suppression",
    ),
    Variant(
        "# noqa: S302 moved from dump() onto the finding line",
        lambda n: on_line(
            n,
            "  # noqa: S302",
            edit(tenant(n), "marshal.dumps(value)  # noqa: S302", "marshal.dumps(value)"),
        ),
        "scope",
        "adds a '# noqa' suppression",
    ),
    Variant(
        "a file-level # ruff: noqa",
        lambda n: reply([edit(tenant(n), '"""Sessions for', '# ruff: noqa\n"""Sessions for')]),
        "scope",
        "adds a file-level '# ruff: noqa'",
    ),
    Variant(
        "a file-level # flake8: noqa, the import's # nosec taken off to keep the count",
        lambda n: reply(
            [
                edit(tenant(n), "import marshal  # nosec\n", "import marshal\n"),
                edit(tenant(n), '"""Sessions for', '# flake8: noqa\n"""Sessions for'),
            ]
        ),
        "scope",
        "adds a file-level '# flake8: noqa'",
    ),
)


def new_file(path: str, content: str = "x = 1\n") -> Callable[[int], dict[str, Any]]:
    return lambda n: reply(honest_fix(n), (path, content))


SCOPE_NAMES = (
    Variant(
        "tests/pytest.ini",
        new_file("tests/pytest.ini", "[pytest]\n"),
        "scope",
        "configuration may not be changed",
    ),
    Variant(
        "tests/pyproject.toml",
        new_file("tests/pyproject.toml", "[tool.pytest.ini_options]\n"),
        "scope",
        "must be a test module",
    ),
    Variant("tests/setup.py", new_file("tests/setup.py"), "scope", "must be a test module"),
    Variant(
        "tests/requirements.txt",
        new_file("tests/requirements.txt", "evil-helper\n"),
        "scope",
        "must be a test module",
    ),
    Variant(
        "tests/sitecustomize.py", new_file("tests/sitecustomize.py"), "scope", "must be a test"
    ),
    Variant(
        "tests/evil.pth",
        new_file("tests/evil.pth", "import os; os.system('id')\n"),
        "scope",
        "must be a test module",
    ),
    Variant(
        "a shebang test module",
        new_file("tests/test_run.py", "#!/usr/bin/env python\nx = 1\n"),
        "scope",
        "new shebang scripts are refused",
    ),
    Variant(
        "'conftest.py ' with a trailing space",
        new_file("tests/conftest.py ", "collect_ignore_glob = ['*']\n"),
        "scope",
        "whitespace at the start or end of a path component",
    ),
)


def test_a_dynamic_path_to_the_same_callee_is_the_same_finding(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    run_variants(tmp_path, DYNAMIC, record_property)


def test_dangerous_code_cannot_move_into_tests(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    run_variants(tmp_path, MOVED, record_property)


def test_suppressions_are_compared_line_by_line_and_file_level_ones_count(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    run_variants(tmp_path, SUPPRESSED, record_property, source=suppressed_module)


def test_a_new_file_under_tests_is_a_test_module_and_nothing_else(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    run_variants(tmp_path, SCOPE_NAMES, record_property)


# --- fast checks of the rules, honest fixes included ------------------------------------


def _finding(path: str, line: int) -> Finding:
    return Finding(
        id="f1",
        rule="S506",
        tools=("ruff",),
        message="unsafe yaml load",
        severity="medium",
        confidence="high",
        priority="security",
        path=path,
        line=line,
        end_line=line,
        symbol="load",
    )


YAML = "import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n"


@pytest.mark.parametrize(
    "after",
    [
        YAML.replace("yaml.load(text)", "yaml.safe_load(text)"),
        YAML.replace("yaml.load(text)", "yaml.load(text, Loader=yaml.SafeLoader)"),
        YAML.replace("import yaml", "import json").replace("yaml.load(text)", "json.loads(text)"),
        # an allow-list pattern: re.compile evaluates nothing
        YAML.replace("import yaml", "import re\nimport yaml").replace(
            "return yaml.load(text)",
            'assert re.compile(r"[a-z: ]+").fullmatch(text)\n    return yaml.safe_load(text)',
        ),
    ],
)
def test_honest_fixes_are_not_evasions(after: str) -> None:
    assert evasion(_finding("app.py", 5), YAML, after) is None


def test_the_builtin_compile_is_still_an_evasion() -> None:
    after = YAML.replace("yaml.load(text)", 'eval(compile("yaml.load(text)", "x", "eval"))')
    assert "(compile)" in (evasion(_finding("app.py", 5), YAML, after) or "")


def test_a_getattr_the_base_already_had_on_that_line_is_not_new() -> None:
    before = YAML.replace("yaml.load(text)", 'getattr(text, "strip")() and yaml.load(text)')
    after = before.replace("yaml.load(text)", "yaml.safe_load(text)")
    assert evasion(_finding("app.py", 5), before, after) is None


def _patch(*edits: FileEdit) -> Patch:
    return Patch(finding_ids=("f1",), fixer="llm", title="t", rationale="r", edits=edits)


@pytest.mark.parametrize(
    "line",
    [
        "from . import helpers\n",
        "from app.testing_utils import x\n",
        "import pytest_like_name_but_not\n",
    ],
)
def test_production_imports_that_are_not_test_code_pass(tmp_path: Path, line: str) -> None:
    after = line + YAML
    refused = policy_violations(
        _patch(FileEdit(path="app/m.py", before=YAML, after=after)), tmp_path, {"app/m.py"}
    )
    assert refused == []


def test_a_suppression_kept_on_its_rewritten_line_is_not_new(tmp_path: Path) -> None:
    before = YAML.replace("yaml.load(text)", "yaml.load(text)  # nosec")
    after = before.replace("yaml.load(text)", "yaml.load(text.strip())")
    patch = _patch(FileEdit(path="app.py", before=before, after=after))
    assert policy_violations(patch, tmp_path, {"app.py"}) == []
