"""The JSON object in a small model's chatty reply (agent.llm.json_text)."""

from __future__ import annotations

import json

import pytest

from agent.llm.json_text import extract_json

OBJ = {"decision": "fix", "title": "Use {braces} safely", "edits": [{"search": "a}", "x": 1}]}
TEXT = json.dumps(OBJ)


@pytest.mark.parametrize(
    "reply",
    [
        TEXT,
        f"  {TEXT}\n",
        f"```json\n{TEXT}\n```",
        f"```\n{TEXT}```",
        f"Here is the patch:\n```json\n{TEXT}\n```\nLet me know!",
        f"Sure, the answer is {TEXT} and that is all.",
        f"Thinking {{not json}} ... final: {TEXT}",
        f"```python\nprint('x')\n```\nand the JSON: ```json\n{TEXT}\n```",
    ],
    ids=["bare", "spaces", "fence", "fence-no-lang", "prose-fence", "inline", "junk", "2fences"],
)
def test_the_object_is_found(reply: str) -> None:
    assert json.loads(extract_json(reply)) == OBJ


@pytest.mark.parametrize("reply", ["", "no json here", "[1, 2]", '{"a": ', "```json\n{```"])
def test_no_object_leaves_the_text_as_it_is(reply: str) -> None:
    assert extract_json(reply) == reply
