import tarfile
from types import SimpleNamespace


class FakeClient:
    """The SDK client at the network edge: its reply is the given text."""

    def __init__(self, text: str) -> None:
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))
        self.text = text

    def _create(self, **_: object) -> SimpleNamespace:
        message = SimpleNamespace(content=self.text)
        return SimpleNamespace(
            choices=[SimpleNamespace(message=message)], usage=SimpleNamespace(total_tokens=9)
        )


from app.assistant import archive


def test_archive_has_the_site_under_the_suggested_name(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>")
    out = archive(FakeClient("backup-2026.tgz\n"), tmp_path, "a backup for today")
    assert out == tmp_path / "backup-2026.tgz"
    with tarfile.open(out) as tar:
        assert "site/index.html" in tar.getnames()
