"""``harden prompts``: the prompt versions, their hashes and lock status; ``--lock``."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from agent.llm.prompts import check_lock, list_prompts, lock_new_versions
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.report.tables import print_table

__all__ = ["prompts_action"]


def prompts_action(root: Path | None, lock: bool) -> int:
    """``harden prompts``: the prompt versions in ``root`` (default: the shipped ones) and
    whether each matches the lock; exit 1 on any drift. ``lock`` releases new versions."""
    if lock:
        for ref in lock_new_versions(root):
            _err.print(f"released {ref}")
    problems = {m.ref: m for m in check_lock(root)}
    table = Table(title=f"prompts in {root}" if root else "prompts")
    table.add_column("prompt", no_wrap=True)
    table.add_column("description", overflow="fold")
    table.add_column("sha256", no_wrap=True)
    table.add_column("lock", no_wrap=True)
    for prompt in list_prompts(root):
        ref = str(prompt.ref)
        status = _LOCK_STATUS[problems[ref].kind] if ref in problems else "ok"
        table.add_row(ref, prompt.description, prompt.content_hash[:16], status)
    print_table(_out, table)
    for problem in problems.values():
        _err.print(str(problem))
    return 1 if problems else 0


_LOCK_STATUS = {"changed": "changed!", "missing": "missing!", "unlocked": "not locked"}
