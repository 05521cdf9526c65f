"""A codemod that leaves a finding alone says why: the plan and the report show it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.fix.codemod_fixer import NO_SAFE_REWRITE, attempt_codemods
from agent.scan import scan

CASES = [
    (
        "import subprocess\n\n\ndef f(p):\n    subprocess.call(f'ls {p} | wc -l', shell=True)\n",
        "S602",
        "harden:subprocess-no-shell: the command needs a shell",
    ),
    (
        "import subprocess\n\n\ndef f():\n    done = subprocess.run(['ls'])\n    return done\n",
        "PLW1510",
        "harden:subprocess-check: its result is used",
    ),
    (
        "import os\n\n\ndef f(p):\n    return os.system('ls ' + p)\n",
        "S605",
        "harden:subprocess-no-shell: the exit status of os.system is used",
    ),
    (
        "def f(text, env):\n    return eval(text, env)\n",
        "S307",
        "harden:eval-literal: eval is given globals, locals, keywords or *args",
    ),
    (
        "import random\n\n\ndef pick(items):\n    return items[random.randrange(len(items))]\n",
        "S311",
        "harden:random-secrets: no token, password, key or secret around it",
    ),
    (
        "import random\n\nrandom.seed(4)\n\n\ndef token():\n    return random.random()\n",
        "S311",
        "harden:random-secrets: the module seeds random",
    ),
]


@pytest.mark.parametrize(("source", "rule", "why"), CASES)
def test_a_refused_finding_comes_with_the_codemods_reason(
    tmp_path: Path, source: str, rule: str, why: str
) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    [finding] = [f for f in scan(tmp_path, ["app.py"]).findings if f.matches_rule(rule)]
    attempt = attempt_codemods(tmp_path, "app.py", [finding])
    assert attempt.patch is None
    assert attempt.refused[finding.id].startswith(why)
    assert NO_SAFE_REWRITE not in attempt.refused[finding.id]
