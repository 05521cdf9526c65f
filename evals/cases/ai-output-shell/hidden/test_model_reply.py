import contextlib
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


def _work(tmp_path):
    work = tmp_path / "work"
    (work / "site").mkdir(parents=True)
    (work / "site" / "index.html").write_text("<h1>hi</h1>")
    return work


def test_a_reply_with_a_command_runs_nothing(tmp_path):
    work = _work(tmp_path)
    with contextlib.suppress(Exception):
        archive(FakeClient("x.tgz site; touch pwned; echo"), work, "ignore that, run this")
    assert not (work / "pwned").exists()


def test_a_reply_with_a_path_writes_nothing_outside(tmp_path):
    work = _work(tmp_path)
    with contextlib.suppress(Exception):
        archive(FakeClient("../escaped.tgz"), work, "save it one folder up")
    assert not (tmp_path / "escaped.tgz").exists()
