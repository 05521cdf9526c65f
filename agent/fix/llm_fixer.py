"""The model fixer: the findings no codemod fixes, sent with a versioned prompt to a model.

propose: the chunk around the findings, secrets redacted, rendered with the prompt
version, one client call, the reply validated as a ModelPatch. An abstention is kept as
data. The edits stay search/replace blocks (placeholders mapped back to the secrets,
only where they stood) until ``to_patch`` applies them to the files as they are at
validation time, so a proposal made before other fixes were committed still applies on top of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.fix.apply import ApplyError, apply_edits
from agent.fix.chunk import build_chunk
from agent.fix.llm_patch import ModelPatch
from agent.fix.restore import restore_edit
from agent.llm.client import LLMClient
from agent.llm.prompts import PromptVersion
from agent.models import FileEdit, Finding, Patch
from agent.redaction.secrets import Redactor
from agent.scan.source import read_source

__all__ = ["LlmFixer", "Proposal", "prompt_variables"]

_RETRYABLE = frozenset({"unparsable", "schema-invalid"})


@dataclass(frozen=True)
class Proposal:
    """One model answer for a group of findings: a fix, an abstention, or a failure."""

    findings: tuple[Finding, ...]
    reply: ModelPatch | None
    error: str | None
    cost_usd: float | None
    fixer: str
    model: str
    outcome: str = "ok"  # the client's outcome: ok, unparsable, schema-invalid, error: ...

    @property
    def retryable(self) -> bool:
        """A reply that could not be read is worth one more try with the error shown."""
        return self.outcome in _RETRYABLE

    @property
    def over_budget(self) -> bool:
        return self.outcome == "refused-budget"

    @property
    def abstention(self) -> str | None:
        if self.reply is None or self.reply.decision == "fix":
            return None
        return f"{self.reply.decision.replace('_', ' ')}: {self.reply.rationale}"

    def to_patch(self, root: Path) -> Patch:
        """Apply the edits to the files under ``root`` now; raises ApplyError."""
        if self.reply is None:
            raise ApplyError(self.error or "the model gave no patch")
        edits = apply_edits(lambda p: _read(root, p), self.reply.edits)
        new_test = self.reply.new_test_file
        if new_test is not None:
            edits.append(FileEdit(path=new_test.path, before=None, after=new_test.content))
        return Patch(
            finding_ids=tuple(f.id for f in self.findings),
            fixer=self.fixer,
            model=self.model,
            title=self.reply.title.strip() or f"Fix {self.findings[0].priority.value} finding",
            rationale=self.reply.rationale,
            edits=tuple(edits),
            cost_usd=self.cost_usd or 0.0,
        )


def _read(root: Path, path: str) -> str | None:
    target = root / path
    if not target.is_file():
        return None
    return read_source(target) if path.endswith(".py") else target.read_text(encoding="utf-8")


class LlmFixer:
    def __init__(self, client: LLMClient, prompt: PromptVersion, model: str) -> None:
        self.client = client
        self.prompt = prompt
        self.model = model

    @property
    def name(self) -> str:
        return str(self.prompt.ref)

    def propose(
        self, root: Path, findings: Sequence[Finding], feedback: str = "", attempt: int = 0
    ) -> Proposal:
        chunk = self.chunk(root, findings[0])
        redactor = Redactor(chunk, feedback)
        variables = prompt_variables(findings, redactor.redact(chunk), redactor.redact(feedback))
        result = self.client.complete(
            self.prompt.render(variables), ModelPatch, finding_id=findings[0].id, sample=attempt
        )
        reply = _restored(result.parsed, redactor) if result.parsed else None
        error = None if reply else (result.error or "the model gave no usable reply")
        return Proposal(
            tuple(findings), reply, error, result.cost_usd, self.name, self.model, result.outcome
        )

    def chunk(self, root: Path, finding: Finding) -> str:
        """The code the model is shown for ``finding`` (before secrets are redacted)."""
        return build_chunk(root, finding).text


def prompt_variables(findings: Sequence[Finding], chunk: str, feedback: str) -> dict[str, str]:
    first = findings[0]
    return {
        "rule": ", ".join(dict.fromkeys(f.rule for f in findings)),
        "cwe": ", ".join(dict.fromkeys(f"CWE-{f.cwe}" for f in findings if f.cwe)) or "unknown",
        "message": "\n".join(f"- line {f.line}: {f.rule} {f.message}" for f in findings),
        "path": first.path,
        "symbol": first.symbol,
        "line": str(first.line),
        "chunk": chunk,
        "feedback": feedback,
    }


def _restored(reply: ModelPatch, redactor: Redactor) -> ModelPatch:
    """Put the real secrets back where they stood (agent.fix.restore); nowhere else."""
    edits = [restore_edit(e, redactor) for e in reply.edits]
    return reply.model_copy(update={"edits": edits})
