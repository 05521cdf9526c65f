"""Ask a model for one new test file per untested function, through the model phase.

The HT101 findings flow through `agent.run.model_phase.ModelPhase` unchanged: the run's fixer
is swapped for a `TestWriter`, a ModelFixer that sends the ``fix/tests`` prompt and a
richer chunk. The reply is the usual ModelPatch, with no edits and a ``new_test_file``,
and the funnel's generated-test stage decides whether the test is kept.
"""

from __future__ import annotations

from pathlib import Path

from agent.fix.llm_fixer import ModelFixer
from agent.llm.prompts import load_prompt
from agent.models import Finding
from agent.testgen.test_chunk import test_chunk

__all__ = ["TESTS_PROMPT", "TestWriter", "test_writer"]

TESTS_PROMPT = "fix/tests"


class TestWriter(ModelFixer):
    """A ModelFixer whose chunk is the target, how to import it, and an example test."""

    __test__ = False  # not a pytest test class

    def chunk(self, root: Path, finding: Finding) -> str:
        return test_chunk(root, finding)


def test_writer(
    fixer: ModelFixer, prompt: str = TESTS_PROMPT, root: Path | None = None
) -> TestWriter:
    """The run's model client and model, with the tests prompt (from ``root`` if given)."""
    return TestWriter(fixer.client, load_prompt(prompt, root), fixer.model)


test_writer.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test
