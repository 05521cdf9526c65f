"""Release notes from commit subjects, written by the model."""

from __future__ import annotations

import logging

from openai import OpenAI

logger = logging.getLogger(__name__)
MODEL = "gpt-4.1-mini"
INSTRUCTIONS = "Write release notes as a Markdown bullet list, one bullet per change."


def make_client() -> OpenAI:
    return OpenAI(timeout=30, max_retries=2)


def release_notes(client: OpenAI, subjects: list[str]) -> str:
    if not subjects:
        return ""
    reply = client.responses.create(
        model=MODEL,
        instructions=INSTRUCTIONS,
        input="\n".join(subjects),
        max_output_tokens=800,
    )
    logger.info("release_notes tokens=%s", reply.usage.total_tokens)
    return reply.output_text.strip()
