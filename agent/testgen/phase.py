"""Ask a model for one new test file per untested function, through the model phase.

The HT101 findings flow through `agent.run.llm_phase.LlmPhase` unchanged: the run's fixer
is swapped for a `GeneratedTestWriter`, a LlmFixer that sends the ``fix/tests`` prompt and a
richer chunk. The reply is the usual ModelPatch, with no edits and a ``new_test_file``,
and the funnel's generated-test stage decides whether the test is kept.
"""

from __future__ import annotations

from pathlib import Path

from agent.fix.llm_fixer import LlmFixer
from agent.llm.prompts import load_prompt
from agent.models import Finding
from agent.testgen.target_chunk import chunk_for_tests

__all__ = ["TESTS_PROMPT", "GeneratedTestWriter", "generated_test_writer"]

TESTS_PROMPT = "fix/tests"


class GeneratedTestWriter(LlmFixer):
    """A LlmFixer whose chunk is the target, how to import it, and an example test."""

    def chunk(self, root: Path, finding: Finding) -> str:
        return chunk_for_tests(root, finding)


def generated_test_writer(
    fixer: LlmFixer, prompt: str = TESTS_PROMPT, root: Path | None = None
) -> GeneratedTestWriter:
    """The run's model client and model, with the tests prompt (from ``root`` if given)."""
    return GeneratedTestWriter(fixer.client, load_prompt(prompt, root), fixer.model)
