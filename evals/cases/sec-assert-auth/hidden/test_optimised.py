import subprocess
import sys
from pathlib import Path

SCRIPT = """
from app.admin import User, ban_user
banned = set()
try:
    ban_user(User("mallory"), "alice", banned)
except Exception as exc:
    print("refused", type(exc).__name__)
print("banned", sorted(banned))
"""


def test_non_admin_is_refused_under_python_O() -> None:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-O", "-c", SCRIPT], cwd=root, capture_output=True, text=True, check=True
    )
    assert "refused" in done.stdout
    assert "banned []" in done.stdout
