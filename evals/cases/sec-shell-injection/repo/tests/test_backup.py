import tarfile
from pathlib import Path

from app.backup import archive


def test_archive_packs_the_directory(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>")
    out = archive(tmp_path, "site")
    with tarfile.open(out) as tar:
        assert "site/index.html" in tar.getnames()
