"""The JSON object in a model's text reply, found tolerantly.

Small local models wrap their JSON: a code fence (```json ... ```), a sentence before it
("Here is the patch:"), a remark after it. ``extract_json`` returns the text of the first
complete JSON object it can decode, trying the whole reply, then each fenced block, then
each ``{`` from the left; or the reply unchanged when none decodes (so pydantic's error
names what is wrong with it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

__all__ = ["extract_json"]

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()
_MAX_STARTS = 200  # braces tried from the left: enough for prose, bounded for junk


def extract_json(text: str) -> str:
    """The first decodable JSON object in ``text`` as JSON text, else ``text`` itself."""
    for candidate in _candidates(text):
        found = _object_at_start(candidate)
        if found is not None:
            return found
    return text


def _candidates(text: str) -> Iterator[str]:
    yield text.strip()
    for block in _FENCE.finditer(text):
        yield block.group(1).strip()
    start, tried = text.find("{"), 0
    while start != -1 and tried < _MAX_STARTS:
        yield text[start:]
        start, tried = text.find("{", start + 1), tried + 1


def _object_at_start(text: str) -> str | None:
    if not text.startswith("{"):
        return None
    try:
        value, _ = _DECODER.raw_decode(text)
    except ValueError:
        return None
    return json.dumps(value) if isinstance(value, dict) else None
