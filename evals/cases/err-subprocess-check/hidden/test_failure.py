import subprocess
from pathlib import Path

import pytest

from app.gitinfo import current_commit


def test_failing_git_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(subprocess.CalledProcessError):
        current_commit(tmp_path)
