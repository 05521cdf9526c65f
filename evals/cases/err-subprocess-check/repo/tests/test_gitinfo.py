import subprocess
from pathlib import Path

from app.gitinfo import current_branch, current_commit


def test_commit_and_branch(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "trunk")
    (tmp_path / "a.txt").write_text("a")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "a")
    assert len(current_commit(tmp_path)) == 40
    assert current_branch(tmp_path) == "trunk"
