from types import SimpleNamespace

MODEL_LIMIT = 32_768  # a reply's length when the request sets no cap: the model's own limit
CAPS = ("max_output_tokens", "max_tokens", "max_completion_tokens")


class FakeClient:
    """The SDK client at the network edge: the reply is as long as the request allows
    (``words`` repeated up to the cap), and each request's keyword arguments are kept."""

    def __init__(self, words: str) -> None:
        self.responses = SimpleNamespace(create=self._create)
        self.words = words
        self.requests: list[dict[str, object]] = []

    def _create(self, **kwargs: object) -> SimpleNamespace:
        self.requests.append(kwargs)
        cap = next((kwargs[k] for k in CAPS if k in kwargs), MODEL_LIMIT)
        tokens = self.words.split()
        text = " ".join((tokens * (1 + int(cap) // max(len(tokens), 1)))[: int(cap)])
        usage = SimpleNamespace(input_tokens=30, output_tokens=int(cap), total_tokens=30 + int(cap))
        return SimpleNamespace(output_text=text, usage=usage)


from app.notes import release_notes


def test_no_subjects_no_call():
    client = FakeClient("unused")
    assert release_notes(client, []) == ""
    assert client.requests == []


def test_notes_start_with_the_reply():
    client = FakeClient("- fixed the login bug")
    assert release_notes(client, ["Fix login"]).startswith("- fixed the login bug")
    assert client.requests[0]["input"] == "Fix login"
