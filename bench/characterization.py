"""Characterization tests, measured: scripted apps without tests, run with and without them.

    python bench/characterization.py

Each app is a small repo with no tests and one function a fix must change. The fake model
server (tests/fakellm.py) answers, in order: a characterization file, then fix patches
(a patch that breaks ordinary behaviour, then an honest one); the codemods run first as in
any run, so a codemod patch meets the characterization stage too. Each app runs twice
through the real ``harden`` CLI: without and with ``--characterize``. Printed per app: what
landed (commits, each patch's verdict and evidence), the model calls of each run, and the
time characterization added (the model call and the 3 base runs, and the whole run).
Nothing leaves 127.0.0.1; every run works in a temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakellm import FakeLLM, Reply  # noqa: E402
from tests.secret_corpus import ABSTAIN  # noqa: E402
from tests.test_characterization_run import (  # noqa: E402
    APP,
    BREAKS_ANONYMOUS,
    GOOD,
    HONEST,
    MARKED,
)
from tests.trust_harness import init_repo, run_harden  # noqa: E402

CALC = '''"""Form fields."""


def parse_amount(text):
    """The amount typed in a form field: "12.5" -> 12.5, "" -> 0."""
    text = text.strip()
    if not text:
        return 0
    return eval(text)
'''
CALC_TESTS = """from calc import parse_amount


def test_decimal():
    assert parse_amount("12.5") == 12.5


def test_integer_stays_int():
    assert parse_amount(" 3 ") == 3 and isinstance(parse_amount("3"), int)


def test_blank_is_zero():
    assert parse_amount("   ") == 0


def test_negative():
    assert parse_amount("-2") == -2


def test_expression_is_evaluated():
    assert parse_amount("2*3") == 6
"""
WORDS = '''"""Word counts."""

import subprocess


def count_words(path):
    """How many words the file at path holds."""
    done = subprocess.run(
        "wc -w < " + path, shell=True, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())
'''
WORDS_TESTS = """from words import count_words


def test_three_words(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("a b\\nc\\n")
    assert count_words(str(page)) == 3


def test_empty_file(tmp_path):
    page = tmp_path / "empty.txt"
    page.write_text("")
    assert count_words(str(page)) == 0
"""
WORDS_CALL = (
    '    done = subprocess.run(\n        "wc -w < " + path, shell=True, capture_output=True, '
    "text=True, check=True\n    )\n    return int(done.stdout.strip())\n"
)
WORDS_BAD = [
    {
        "path": "words.py",
        "search": WORDS_CALL,
        "replace": '    done = subprocess.run(\n        ["wc", "-w", path], capture_output=True, '
        "text=True, check=True\n    )\n    return int(done.stdout.strip())\n",
    }
]
WORDS_HONEST = [
    {"path": "words.py", "search": "import subprocess\n\n\n", "replace": ""},
    {
        "path": "words.py",
        "search": WORDS_CALL,
        "replace": '    with open(path, encoding="utf-8") as page:\n'
        "        return len(page.read().split())\n",
    },
]


@dataclass(frozen=True)
class App:
    name: str
    files: dict[str, str]
    test_path: str
    tests: str
    marked: list[str]
    patches: list[list[dict[str, str]]]  # the model's fix replies, in order


APPS = [
    App(
        "sessions (pickle, model)",
        {"app.py": APP},
        "tests/test_app_read_session_characterization.py",
        GOOD,
        MARKED,
        [BREAKS_ANONYMOUS, HONEST],
    ),
    App(
        "calculator (eval, codemod)",
        {"calc.py": CALC},
        "tests/test_calc_parse_amount_characterization.py",
        CALC_TESTS,
        ["test_expression_is_evaluated"],
        [],
    ),
    App(
        "word count (shell)",
        {"words.py": WORDS},
        "tests/test_words_count_words_characterization.py",
        WORDS_TESTS,
        [],
        [WORDS_BAD, WORDS_HONEST],
    ),
]


def _replies(app: App, characterize: bool) -> list[dict[str, Any]]:
    fixes = [
        {**ABSTAIN, "decision": "fix", "title": "Fix it", "rationale": "r.", "edits": edits}
        for edits in app.patches
    ]
    if not characterize:
        return fixes
    tests = {
        "decision": "write",
        "rationale": "Pins ordinary use.",
        "path": app.test_path,
        "content": app.tests,
        "vulnerable_cases": app.marked,
    }
    return [tests, *fixes]


def _run(app: App, characterize: bool) -> tuple[dict[str, Any], int, float]:
    with tempfile.TemporaryDirectory(prefix="harden-bench-") as tmp:
        repo = init_repo(Path(tmp) / "repo", app.files)
        with FakeLLM() as llm:
            llm.script(*(Reply(r) for r in _replies(app, characterize)), *[Reply(ABSTAIN)] * 4)
            extra = ("--characterize",) if characterize else ()
            started = time.monotonic()
            done = run_harden(repo, llm, Path(tmp), *extra)
            took = time.monotonic() - started
        if done.report is None:
            raise SystemExit(f"{app.name}: harden failed: {done.stderr[-2000:]}")
        return done.report, len(llm.requests), took


def _verdicts(report: dict[str, Any]) -> str:
    said = []
    for verdict in report["verdicts"]:
        failed = next((s for s in verdict["stages"] if s["status"] == "failed"), None)
        who = verdict["patch"]["fixer"]
        where = f"rejected at {failed['stage']}" if failed else f"accepted ({verdict['evidence']})"
        said.append(f"{who}: {where}")
    return "; ".join(said) or "no patch"


def main() -> None:
    for app in APPS:
        plain, plain_calls, plain_s = _run(app, False)
        pinned, calls, took = _run(app, True)
        fates = pinned["characterization"]
        spent = sum(f["duration_s"] for f in fates)
        print(f"== {app.name}")
        print(f"  without: {len(plain['commits'])} commit(s); {_verdicts(plain)}")
        print(f"  with:    {len(pinned['commits'])} commit(s); {_verdicts(pinned)}")
        for fate in fates:
            print(f"  file: {fate['fate']}, offered in {fate['commit'] or '-'}; {fate['detail']}")
        print(f"  model calls: {plain_calls} -> {calls} (+{calls - plain_calls})")
        print(
            f"  time: characterization of {len(fates)} function(s) {spent:.1f}s; "
            f"run {plain_s:.1f}s -> {took:.1f}s"
        )


if __name__ == "__main__":
    main()
