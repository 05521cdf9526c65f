"""``harden plan`` starts without importing what only a run needs (its import time counts
against every plan, a pre-commit hook's included)."""

from __future__ import annotations

import subprocess
import sys


def test_the_plan_command_does_not_import_the_run_pipeline() -> None:
    probe = "import sys, agent.commands.plan; print('agent.run.pipeline' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
