"""Answer a customer's question from the FAQ text, with Claude."""

from __future__ import annotations

import logging

from anthropic import Anthropic

logger = logging.getLogger(__name__)
MODEL = "claude-haiku-4-5"
SYSTEM = "Answer from the FAQ only. If the FAQ does not say, answer: I don't know."


def make_client() -> Anthropic:
    return Anthropic(timeout=30, max_retries=2)


def answer(client: Anthropic, faq: str, question: str) -> str:
    reply = client.messages.create(
        model=MODEL,
        max_tokens=300,
        system=SYSTEM,
        messages=[{"role": "user", "content": f"FAQ:\n{faq}\n\nQuestion: {question}"}],
    )
    text = "".join(block.text for block in reply.content if block.type == "text")
    logger.info("answered %d characters", len(text))
    return text.strip()
