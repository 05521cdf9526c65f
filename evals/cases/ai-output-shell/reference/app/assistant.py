"""Archive the site folder under a name the assistant picks from the user's description."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

from openai import OpenAI

logger = logging.getLogger(__name__)
MODEL = "gpt-4.1-mini"
SYSTEM = "Answer with one file name ending in .tgz and nothing else."
ARCHIVE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.tgz")


def make_client() -> OpenAI:
    return OpenAI(timeout=30, max_retries=2)


def archive_name(client: OpenAI, description: str) -> str:
    reply = client.chat.completions.create(
        model=MODEL,
        max_tokens=20,
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": description},
        ],
    )
    logger.info("archive_name tokens=%s", reply.usage.total_tokens)
    return reply.choices[0].message.content.strip()


def archive(client: OpenAI, workdir: Path, description: str) -> Path:
    name = archive_name(client, description)
    if not ARCHIVE_NAME.fullmatch(name):
        raise ValueError(f"the model's reply is not an archive name: {name!r}")
    subprocess.run(["tar", "czf", name, "site"], cwd=workdir, check=True)
    return workdir / name
