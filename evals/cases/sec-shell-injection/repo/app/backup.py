"""Nightly backups: pack a project directory into a tar.gz next to it."""

import subprocess
from pathlib import Path


def archive(root: Path, name: str) -> Path:
    """Pack ``root/name`` into ``root/name.tar.gz`` and return the archive's path."""
    target = root / f"{name}.tar.gz"
    subprocess.run(f"tar -czf {name}.tar.gz {name}", shell=True, cwd=root, check=True)
    return target
