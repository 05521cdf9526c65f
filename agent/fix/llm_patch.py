"""What a model must answer: a structured patch of exact search/replace edits, or an abstention.

The schema is sent to the provider as the structured-output format and every reply is
re-validated with it. Line-numbered diffs are deliberately not asked for: they fail to
apply. A search block must be copied verbatim from the code shown and match once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ModelPatch", "NewTestFile", "SearchReplace"]


class SearchReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Repository-relative path of the file to edit.")
    search: str = Field(
        description="Text copied exactly from the file, long enough to occur only once."
    )
    replace: str = Field(description="The text that replaces it.")


class NewTestFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Path of a NEW test file under tests/.")
    content: str


class ModelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["fix", "false_positive", "no_safe_fix"] = Field(
        description="fix, or abstain: false_positive / no_safe_fix (then edits is empty)."
    )
    title: str = Field(description="Commit title a reviewer understands, under 72 chars.")
    rationale: str = Field(description="Why this change fixes the finding, or why abstain.")
    risk: Literal["low", "medium", "high"] = Field(
        description="Risk that the change alters intended behaviour."
    )
    edits: list[SearchReplace]
    new_test_file: NewTestFile | None
