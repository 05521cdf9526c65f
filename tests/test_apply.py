from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from agent.fix.apply import ApplyError, apply_edits
from agent.fix.llm_patch import SearchReplace

SOURCE = """\
import pickle


def load(blob):
    data = pickle.loads(blob)
    return data


def other(blob):
    return len(blob)
"""


def reader(files: dict[str, str]) -> Callable[[str], str | None]:
    return files.get


def test_exact_edit_applies_once() -> None:
    edit = SearchReplace(
        path="app.py",
        search="    data = pickle.loads(blob)\n",
        replace="    data = json.loads(blob)\n",
    )
    [result] = apply_edits(reader({"app.py": SOURCE}), [edit])
    assert result.before == SOURCE
    assert result.after == SOURCE.replace("pickle.loads(blob)", "json.loads(blob)")


def test_whitespace_tolerant_edit_is_reindented() -> None:
    edit = SearchReplace(
        path="app.py",
        search="data = pickle.loads(blob)\nreturn data",
        replace=(
            "data = json.loads(blob)\nif not isinstance(data, dict):\n    raise ValueError\n"
            "return data"
        ),
    )
    [result] = apply_edits(reader({"app.py": SOURCE}), [edit])
    assert (
        "    data = json.loads(blob)\n"
        "    if not isinstance(data, dict):\n"
        "        raise ValueError\n"
        "    return data\n\n\ndef other" in result.after
    )


def test_edits_apply_in_turn_on_the_same_file() -> None:
    edits = [
        SearchReplace(path="app.py", search="import pickle\n", replace="import json\n"),
        SearchReplace(path="app.py", search="pickle.loads(blob)", replace="json.loads(blob)"),
    ]
    [result] = apply_edits(reader({"app.py": SOURCE}), edits)
    assert "pickle" not in result.after


@pytest.mark.parametrize(
    ("search", "reason"),
    [
        ("blob", "occurs 4 times"),
        ("data = marshal.loads(blob)", "was not found"),
        ("   \n", "is empty"),
    ],
)
def test_edits_that_do_not_apply_say_which_and_why(search: str, reason: str) -> None:
    edit = SearchReplace(path="app.py", search=search, replace="x\n")
    with pytest.raises(ApplyError, match=rf"edit 1 on app.py: .*{reason}"):
        apply_edits(reader({"app.py": SOURCE}), [edit])


def test_second_edit_failing_is_named() -> None:
    edits = [
        SearchReplace(path="app.py", search="import pickle\n", replace="import json\n"),
        SearchReplace(path="app.py", search="import pickle\n", replace="import json\n"),
    ]
    with pytest.raises(ApplyError, match=re.escape("edit 2 on app.py")):
        apply_edits(reader({"app.py": SOURCE}), edits)


def test_missing_file() -> None:
    edit = SearchReplace(path="nope.py", search="x", replace="y")
    with pytest.raises(ApplyError, match=re.escape("edit 1: nope.py does not exist")):
        apply_edits(reader({}), [edit])
