"""One console: what harden prints for the user goes through agent/report/console.py.

A module that builds its own rich Console, or prints with click.echo, print() or
sys.stdout/sys.stderr.write, bypasses the soft-wrap and the stdout/stderr split of that
module (and a spinner on it). Logging is not output and keeps its own handler.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from agent.log import configure, get_logger
from agent.report.progress import Progress
from tests.conftest import GitRepo

AGENT = Path(__file__).resolve().parent.parent / "agent"

# Where printing on one's own is the job, with why.
ALLOWED = {
    "report/console.py": "the one pair of consoles",
    "cli.py": "the CLI's own error policy: `Error: <message>` before exiting",
    "sandbox/_launch.py": "runs in the sandboxed child before exec: its stderr is the test's",
    "run/replay/front.py": "replays a plan's recorded text as it was printed, before rich loads",
}


_PRINTERS = {
    "Console",
    "rich.console.Console",
    "print",
    "click.echo",
    "click.secho",
    "sys.stdout.write",
    "sys.stderr.write",
    "logging.StreamHandler",
}


def _prints(tree: ast.AST) -> list[str]:
    """The calls in ``tree`` that print on their own: Console(), click.echo, print, .write."""
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return [name for name in calls if name in _PRINTERS]


def test_nothing_in_agent_prints_on_its_own() -> None:
    offenders = {}
    for path in sorted(AGENT.rglob("*.py")):
        where = path.relative_to(AGENT).as_posix()
        if where in ALLOWED or where == "log.py" or "/_plugin/" in where:
            continue  # log.py: logging is not output; the plugin runs in the user's pytest
        if found := _prints(ast.parse(path.read_text(encoding="utf-8"))):
            offenders[where] = found
    assert offenders == {}


def test_the_walk_sees_a_print_of_its_own() -> None:
    assert _prints(ast.parse("import click\nclick.echo('x', err=True)\nprint(1)\n")) == [
        "click.echo",
        "print",
    ]


def test_json_on_stdout_is_the_json_alone_byte_for_byte(make_repo: GitRepo) -> None:
    app = "import yaml\n\n\ndef load(p):\n    return yaml.load(open(p), Loader=yaml.FullLoader)\n"
    repo = make_repo({"app.py": app, "notes [bold]/x.py": "y = 1\n"})
    argv = [sys.executable, "-m", "agent", "plan", "--json", str(repo)]
    done = subprocess.run(argv, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert done.stdout.decode() == json.dumps(plan, indent=2, ensure_ascii=False) + "\n"


def test_a_log_line_during_a_spinner_is_printed_above_it_by_the_console() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    root = logging.getLogger("harden")
    saved = (root.handlers[:], root.level, root.propagate)
    configure(0, "text")
    try:
        with Progress(terminal, "running the tests"):
            get_logger("test").warning("the cache dir is not writable")
    finally:
        root.handlers[:], root.level, root.propagate = saved
    shown = screen.getvalue()
    assert "WARNING run=- finding=- harden.test: the cache dir is not writable" in shown
