import subprocess
from pathlib import Path

import pytest

from tests.codemods.helpers import load_fixed, new_findings, ruff_formatted, run_fix

RULES = {"PLW1510"}


def test_unused_results_get_check_true(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import subprocess
        import sys


        def build(target, options):
            subprocess.run([sys.executable, "-c", "pass"])
            subprocess.run(
                [sys.executable, "-c", target],
                capture_output=True,
            )
            done = subprocess.run([sys.executable, "-V"])
            subprocess.run([sys.executable], **options)
            return done.returncode
        """,
        RULES,
    )
    assert out.after.split("\n\n\n", 1)[1] == (
        "def build(target, options):\n"
        '    subprocess.run([sys.executable, "-c", "pass"], check=True)\n'
        "    subprocess.run(\n"
        '        [sys.executable, "-c", target],\n'
        "        capture_output=True,\n"
        "        check=True,\n"
        "    )\n"
        '    done = subprocess.run([sys.executable, "-V"])\n'
        "    subprocess.run([sys.executable], **options)\n"
        "    return done.returncode\n"
    )
    assert [f.line for f in out.findings_after if f.rule == "PLW1510"] == [12, 13]
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after
    build = load_fixed(tmp_path, out)["build"]
    assert callable(build)
    assert build("pass", {}) == 0
    with pytest.raises(subprocess.CalledProcessError):
        build("raise SystemExit(3)", {})
