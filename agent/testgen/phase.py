"""Ask a model for one new test file per untested function, through the model phase.

The HT101 findings flow through `agent.model_phase.ModelPhase` unchanged: the run's fixer
is swapped for a `TestWriter`, a ModelFixer that sends the ``fix/tests`` prompt and a
richer chunk. The reply is the usual ModelPatch, with no edits and a ``new_test_file``,
and the funnel's generated-test stage decides whether the test is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent.fix.llm_fixer import ModelFixer, Proposal, prompt_variables
from agent.fix.model_patch import ModelPatch
from agent.models import Finding
from agent.prompts import load_prompt
from agent.redact import Redactor
from agent.testgen.test_chunk import test_chunk

__all__ = ["TESTS_PROMPT", "TestWriter", "test_writer"]

TESTS_PROMPT = "fix/tests"


class TestWriter(ModelFixer):
    """A ModelFixer whose chunk is the target, how to import it, and an example test."""

    __test__ = False  # not a pytest test class

    def propose(
        self, root: Path, findings: Sequence[Finding], feedback: str = "", attempt: int = 0
    ) -> Proposal:
        redactor = Redactor()
        chunk = redactor.redact(test_chunk(root, findings[0]))
        variables = prompt_variables(findings, chunk, redactor.redact(feedback))
        result = self.client.complete(
            self.prompt.render(variables), ModelPatch, finding_id=findings[0].id, sample=attempt
        )
        reply = result.parsed
        error = None if reply else (result.error or "the model gave no usable reply")
        return Proposal(
            tuple(findings), reply, error, result.cost_usd, self.name, self.model, result.outcome
        )


def test_writer(fixer: ModelFixer, prompt: str = TESTS_PROMPT) -> TestWriter:
    """The run's model client and model, with the tests prompt."""
    return TestWriter(fixer.client, load_prompt(prompt), fixer.model)


test_writer.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test
