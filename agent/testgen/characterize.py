"""Ask a model for a characterization test file: one function's behaviour today, pinned
before harden changes it (issue 15, item 3).

The reply (``CharacterizationTests``) is a whole new test file under tests/ and the names
of the cases that pin the very behaviour the fix removes (``vulnerable_cases``): only
those may fail with the patch that fixes the finding. The call goes through the run's
client like every model call (cache, budget, retry, ledger under the prompt's name), with
the code's secrets redacted first. Whether the file is kept is decided by
`agent.testgen.characterize_check`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.fix.chunk import HEADER, build_chunk
from agent.llm.client import LLMClient
from agent.llm.prompts import PromptVersion, load_prompt
from agent.models import Finding
from agent.redaction.secrets import Redactor
from agent.testgen.target_chunk import import_line, module_name

__all__ = [
    "CHARACTERIZE_PROMPT",
    "Asked",
    "Candidate",
    "CharacterizationTests",
    "CharacterizationWriter",
    "characterization_path",
]

CHARACTERIZE_PROMPT = "characterize/function"


class CharacterizationTests(BaseModel):
    """What the model answers: a new test file, or why it cannot write one."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["write", "cannot"] = Field(description="write, or cannot (then explain).")
    rationale: str = Field(description="What the cases pin, or why no file can be written.")
    path: str = Field(description="The new test file's path, exactly as given.")
    content: str = Field(description="The whole new test file; empty when decision is cannot.")
    vulnerable_cases: list[str] = Field(
        description="Names of the test functions that pin the behaviour the fix removes."
    )


@dataclass(frozen=True)
class Candidate:
    """A characterization file the model wrote for the function of ``findings``."""

    findings: tuple[Finding, ...]
    path: str
    content: str
    vulnerable: tuple[str, ...]

    @property
    def target(self) -> str:
        return f"{self.findings[0].path}::{self.findings[0].symbol}"


@dataclass(frozen=True)
class Asked:
    """The model's file, or why there is none; what the call cost."""

    candidate: Candidate | None
    error: str = ""
    cost_usd: float = 0.0


def characterization_path(root: Path, finding: Finding) -> str:
    """``tests/test_<module>_<function>_characterization.py``."""
    module = module_name(root, finding.path).rsplit(".", 1)[-1]
    function = re.sub(r"\W", "_", finding.symbol.replace(".", "_")).lower()
    return f"tests/test_{module}_{function}_characterization.py"


class CharacterizationWriter:
    """Sends the characterize prompt through the run's client."""

    def __init__(self, client: LLMClient, prompt: PromptVersion) -> None:
        self.client = client
        self.prompt = prompt

    @classmethod
    def of(cls, client: LLMClient, root: Path | None = None) -> CharacterizationWriter:
        """The run's client with the latest characterize prompt (from ``root`` if given)."""
        return cls(client, load_prompt(CHARACTERIZE_PROMPT, root))

    def ask(self, root: Path, findings: Sequence[Finding]) -> Asked:
        first = findings[0]
        path = characterization_path(root, first)
        chunk = build_chunk(root, first).text
        chunk += f"{HEADER} import it in a test as: {import_line(root, first)}\n"
        redactor = Redactor(chunk)
        variables = {
            "path": first.path,
            "symbol": first.symbol,
            "message": "\n".join(f"- line {f.line}: {f.rule} {f.message}" for f in findings),
            "chunk": redactor.redact(chunk),
            "test_path": path,
        }
        rendered = self.prompt.render(variables)
        result = self.client.complete(rendered, CharacterizationTests, finding_id=first.id)
        return _asked(tuple(findings), result.parsed, result.error, result.cost_usd or 0.0)


def _asked(
    findings: tuple[Finding, ...],
    reply: CharacterizationTests | None,
    error: str | None,
    cost: float,
) -> Asked:
    if reply is None:
        return Asked(None, error or "the model gave no usable reply", cost)
    if reply.decision == "cannot" or not reply.content.strip():
        return Asked(None, f"the model declined: {reply.rationale}", cost)
    vulnerable = tuple(dict.fromkeys(reply.vulnerable_cases))
    return Asked(Candidate(findings, reply.path, reply.content, vulnerable), cost_usd=cost)
