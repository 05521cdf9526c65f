"""The tests stage's results, kept so an identical check is not run twice.

Key: the tree the patch is applied to (git's tree id of the branch head, so the same
content under another commit id still hits), the patch's edits and dependencies, the
test command, the tests selected (or all), and the interpreter. A codemod retried, a
resumed run or an eval repeating a case then reuse the result instead of running the
suite again. Stored as JSON only, one file per key, in harden's cache directory; a run
that timed out is not kept (the next one may be luckier, and must be allowed to be).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from agent.git.repo import Repo
from agent.llm.cache import default_cache_dir, private_dir
from agent.models import Frozen, Patch, StageResult
from agent.sandbox.suite import Suite

__all__ = ["CachedTests", "cache_key", "load", "store"]


class CachedTests(Frozen):
    """A tests stage's result and the line describing the run that produced it."""

    result: StageResult
    tests_run: str


def cache_key(root: Path, patch: Patch, plan: Suite, tests: Sequence[str], python: str) -> str:
    edits = [(e.path, e.before, e.after) for e in patch.edits]
    parts = [Repo(root, "HEAD").tree_id(), edits, sorted(patch.dependencies), plan.argv]
    text = json.dumps([*parts, list(tests), python], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(key: str) -> CachedTests | None:
    path = _dir() / f"{key}.json"
    try:
        return CachedTests.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent, or not something we wrote: run the tests


def store(key: str, found: CachedTests) -> None:
    path = private_dir(_dir()) / f"{key}.json"
    temp = path.with_suffix(".tmp")
    temp.write_text(found.model_dump_json(), encoding="utf-8")
    temp.replace(path)


def _dir() -> Path:
    return default_cache_dir() / "verdicts"
