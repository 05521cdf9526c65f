"""tidy_imports: new stdlib imports sorted into their block, the docstring gap kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from agent.fix.codemods._lib.imports import tidy_imports
from tests.codemods.helpers import run_fix


def _edit(before: str, add: tuple[str, ...], remove: tuple[str, ...] = ()) -> str:
    """What the codemods hand over: ``before`` run through libcst's import visitors."""
    context = CodemodContext()
    module = cst.parse_module(before)
    for name in add:
        AddImportsVisitor.add_needed_import(context, name)
    for name in remove:
        RemoveImportsVisitor.remove_unused_import(context, name)
    module = AddImportsVisitor(context).transform_module(module)
    return RemoveImportsVisitor(context).transform_module(module).code


def _stdlib_block(code: str) -> str:
    """The first block of absolute, non-``__future__`` imports: up to the next blank line."""
    lines = code.splitlines(keepends=True)
    first = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(("import ", "from "))
        and not line.startswith(("from __future__", "from ."))
    )
    end = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))
    return "".join(lines[first:end])


def _assert_isort_clean(tmp_path: Path, code: str) -> None:
    """ruff's isort accepts the stdlib block (checked alone: in isolated mode ruff cannot
    tell first-party packages apart, and the rest of the module is not ours to judge)."""
    target = tmp_path / "block.py"
    target.write_text(_stdlib_block(code), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "I", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


AUTH_BEFORE = '''\
"""Login, JWT session tokens and password-reset tokens."""

import random
import string
from datetime import datetime, timedelta, timezone

import jwt

from . import db

SECRET = "x"
'''


def test_new_imports_join_the_stdlib_block_and_the_docstring_gap_stays(tmp_path: Path) -> None:
    after = _edit(AUTH_BEFORE, add=("secrets", "os"), remove=("random",))
    assert after.startswith('"""Login, JWT session tokens and password-reset tokens."""\nimport')
    tidied = tidy_imports(AUTH_BEFORE, after)
    assert tidied == (
        '"""Login, JWT session tokens and password-reset tokens."""\n'
        "\n"
        "import os\n"
        "import secrets\n"
        "import string\n"
        "from datetime import datetime, timedelta, timezone\n"
        "\n"
        "import jwt\n"
        "\n"
        "from . import db\n"
        "\n"
        'SECRET = "x"\n'
    )
    _assert_isort_clean(tmp_path, tidied)


def test_random_secrets_codemod_end_to_end(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        '''\
        """Password-reset tokens."""

        import random
        import string
        from datetime import datetime

        import requests


        def make_reset_token(length=32):
            alphabet = string.ascii_letters + string.digits
            return "".join(random.choice(alphabet) for _ in range(length)), datetime.now()
        ''',
        {"S311", "B311"},
    )
    assert out.after == (
        '"""Password-reset tokens."""\n'
        "\n"
        "import secrets\n"
        "import string\n"
        "from datetime import datetime\n"
        "\n"
        "import requests\n"
        "\n"
        "\n"
        "def make_reset_token(length=32):\n"
        "    alphabet = string.ascii_letters + string.digits\n"
        '    return "".join(secrets.choice(alphabet) for _ in range(length)), datetime.now()\n'
    )
    _assert_isort_clean(tmp_path, out.after)


def test_new_import_sorts_before_an_existing_one(tmp_path: Path) -> None:
    before = "import os\n\nvalue = os.environ\n"
    tidied = tidy_imports(before, _edit(before, add=("ast",)))
    assert tidied == "import ast\nimport os\n\nvalue = os.environ\n"
    _assert_isort_clean(tmp_path, tidied)


def test_plain_imports_go_before_from_imports(tmp_path: Path) -> None:
    before = "import json\nfrom os import path\nfrom typing import Any\n\nx = 1\n"
    tidied = tidy_imports(before, _edit(before, add=("subprocess",)))
    assert tidied == (
        "import json\nimport subprocess\nfrom os import path\nfrom typing import Any\n\nx = 1\n"
    )
    _assert_isort_clean(tmp_path, tidied)


def test_only_third_party_imports_get_a_stdlib_block_on_top(tmp_path: Path) -> None:
    before = '"""App."""\n\nimport flask\nimport jwt\n\napp = flask.Flask(__name__)\n'
    tidied = tidy_imports(before, _edit(before, add=("os",)))
    assert tidied == (
        '"""App."""\n\nimport os\n\nimport flask\nimport jwt\n\napp = flask.Flask(__name__)\n'
    )
    _assert_isort_clean(tmp_path, tidied)


def test_module_without_imports(tmp_path: Path) -> None:
    before = '"""Parse settings."""\n\n\ndef load(text):\n    return eval(text)\n'
    tidied = tidy_imports(before, _edit(before, add=("ast",)))
    assert tidied == (
        '"""Parse settings."""\n\nimport ast\n\n\ndef load(text):\n    return eval(text)\n'
    )
    _assert_isort_clean(tmp_path, tidied)


def test_future_import_stays_first(tmp_path: Path) -> None:
    before = (
        '"""Runner."""\n\nfrom __future__ import annotations\n\nimport yaml\n\n'
        "CONFIG = yaml.safe_load('a: 1')\n"
    )
    tidied = tidy_imports(before, _edit(before, add=("subprocess",)))
    assert tidied == (
        '"""Runner."""\n\nfrom __future__ import annotations\n\nimport subprocess\n\n'
        "import yaml\n\nCONFIG = yaml.safe_load('a: 1')\n"
    )
    _assert_isort_clean(tmp_path, tidied)


def test_future_import_then_stdlib_block() -> None:
    before = "from __future__ import annotations\n\nimport sys\n\nx = 1\n"
    tidied = tidy_imports(before, _edit(before, add=("os",)))
    assert tidied == "from __future__ import annotations\n\nimport os\nimport sys\n\nx = 1\n"


def test_only_a_future_import() -> None:
    before = "from __future__ import annotations\n\n\ndef f():\n    pass\n"
    tidied = tidy_imports(before, _edit(before, add=("os",)))
    assert tidied == ("from __future__ import annotations\n\nimport os\n\n\ndef f():\n    pass\n")


@pytest.mark.parametrize(
    "before",
    [
        '"""Doc."""\n\nimport os\nimport sys\n\nx = 1\n',
        "import os\n# keep\nimport jwt\n",
        "",
    ],
)
def test_nothing_added_leaves_the_module_alone(before: str) -> None:
    after = before.replace("x = 1", "x = 2")
    assert tidy_imports(before, after) == after


def test_removed_first_import_keeps_the_docstring_gap() -> None:
    before = '"""Doc."""\n\nimport random\nimport os\n\nx = os.sep\n'
    after = _edit(before, add=(), remove=("random",))
    assert after == '"""Doc."""\nimport os\n\nx = os.sep\n'
    assert tidy_imports(before, after) == '"""Doc."""\n\nimport os\n\nx = os.sep\n'


def test_no_gap_before_means_none_added() -> None:
    before = '"""Doc."""\nimport os\n\nx = os.sep\n'
    tidied = tidy_imports(before, _edit(before, add=("ast",)))
    assert tidied == '"""Doc."""\nimport ast\nimport os\n\nx = os.sep\n'


def test_comments_and_other_blocks_untouched() -> None:
    before = "# stdlib\nimport sys  # why\n\n# third party\nimport jwt\n\nx = 1\n"
    tidied = tidy_imports(before, _edit(before, add=("os",)))
    assert tidied == (
        "# stdlib\nimport os\nimport sys  # why\n\n# third party\nimport jwt\n\nx = 1\n"
    )


def test_new_import_below_code_is_left_as_it_is() -> None:
    before = "import os\n"
    after = "import os\n\nx = 1\nimport ast\n"
    assert tidy_imports(before, after) == after


def test_unparsable_input_is_returned_unchanged() -> None:
    assert tidy_imports("def (:\n", "import os\ndef (:\n") == "import os\ndef (:\n"
