"""Import one module of the user's code, confined: did it import, and if not, why.

The import smoke (agent.validate.smoke) asks this, on the base and with a patch. Each
import is a process of its own under `agent.sandbox.runner.run_command` (the worktree
first on ``sys.path``, ``sys.argv`` reduced to the module's name, stdin empty). The
process ends with a line that carries a fresh random marker: ``ok``, or the last line of
the exception the import raised. A ``SystemExit`` of 0 or None (a CLI module that printed
its help) counts as imported. A process that ends without the marker line (killed, timed
out, ``os._exit`` during the import) did not import. Like the test-outcome stream, this
cannot stop code that targets the marker on purpose from inside the same interpreter.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from agent.sandbox.runner import run_command

__all__ = ["ImportResult", "import_module"]

_HARNESS = """\
import importlib, os, sys, traceback
name, mark = sys.argv[1], sys.argv[2]
sys.argv = [name]
def done(text):
    sys.stdout.flush(); sys.stderr.flush()
    os.write(1, ("\\n" + mark + " " + text + "\\n").encode("utf-8", "replace"))
    os._exit(0)
try:
    importlib.import_module(name)
except SystemExit as exc:
    done("ok" if exc.code in (None, 0) else "fail SystemExit: " + str(exc.code))
except BaseException as exc:
    traceback.print_exc()
    lines = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    done("fail " + (lines[-1] if lines else type(exc).__name__))
done("ok")
"""


@dataclass(frozen=True)
class ImportResult:
    module: str
    imported: bool
    error: str = ""  # the exception's last line, or why the import did not finish
    timed_out: bool = False
    duration_s: float = 0.0


def import_module(
    python: str, module: str, root: Path, timeout_s: float, path_prefix: Path | None = None
) -> ImportResult:
    """Import ``module`` with ``python`` in ``root``, confined."""
    mark = f"harden-smoke-{secrets.token_hex(8)}"
    run = run_command([python, "-c", _HARNESS, module, mark], root, timeout_s, path_prefix)
    if run.timed_out:
        why = f"the import did not finish in {timeout_s:.0f}s"
        return ImportResult(module, False, why, timed_out=True, duration_s=run.duration_s)
    found = re.findall(rf"^{re.escape(mark)} (ok|fail .*)$", run.output, re.MULTILINE)
    if not found:
        why = f"the process ended during the import (exit code {run.exit_code})"
        return ImportResult(module, False, why, duration_s=run.duration_s)
    verdict = found[-1]
    if verdict == "ok":
        return ImportResult(module, True, duration_s=run.duration_s)
    return ImportResult(module, False, verdict.removeprefix("fail "), duration_s=run.duration_s)
