"""Route a support ticket to a team, with the model picking the team."""

from __future__ import annotations

import logging

from openai import OpenAI

logger = logging.getLogger(__name__)
MODEL = "gpt-4.1-mini"
TEAMS = ("billing", "bugs", "accounts", "other")
SYSTEM = "Answer with exactly one word: billing, bugs, accounts or other."


def make_client() -> OpenAI:
    return OpenAI(max_retries=2)


def triage(client: OpenAI, ticket: str) -> str:
    reply = client.chat.completions.create(
        model=MODEL,
        max_tokens=5,
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": ticket},
        ],
    )
    logger.info("triage tokens=%s", reply.usage.total_tokens)
    team = reply.choices[0].message.content.strip().lower()
    return team if team in TEAMS else "other"
