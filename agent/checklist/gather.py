"""Gather the facts of a checked-out tree: its application modules, tests and documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent.checklist.facts import Facts, SourceFacts
from agent.checklist.integration import integration_tests, test_files
from agent.checklist.repo_files import (
    committed_secrets,
    documented_names,
    documents,
    env_docs,
    rollback_docs,
)
from agent.checklist.source_facts import source_facts
from agent.scan.parse import parse_python
from agent.scan.source import SourceDecodeError, read_source

__all__ = ["gather_facts"]


def gather_facts(root: Path, tracked: Sequence[str], modules: Sequence[str]) -> Facts:
    """The facts of the tree at ``root``: ``tracked`` files, of which ``modules`` are the
    application's Python files (as the scan selects them: no tests, no excluded paths)."""
    tests = test_files(tracked)
    docs = env_docs(tracked)
    return Facts(
        source=_source(root, modules),
        integration_tests=tuple(integration_tests(root, tests)),
        test_files=tuple(tests),
        env_docs=tuple(docs),
        documented_names=documented_names(root, docs),
        documents=tuple(documents(tracked)),
        rollback_docs=tuple(rollback_docs(root, tracked)),
        committed_secrets=tuple(committed_secrets(root, tracked)),
    )


def _source(root: Path, modules: Sequence[str]) -> SourceFacts:
    total = SourceFacts()
    for path in modules:
        try:
            text = read_source(root / path)
            tree = parse_python(text, filename=path)
        except (OSError, SourceDecodeError, SyntaxError, ValueError):
            continue  # the scan reports it as skipped
        total += source_facts(path, tree, text.splitlines())
    return total
