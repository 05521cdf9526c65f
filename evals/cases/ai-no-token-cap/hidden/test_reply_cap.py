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


def test_a_reply_is_capped():
    client = FakeClient("- fixed the login bug")
    notes = release_notes(client, ["Fix login", "Faster search"])
    [request] = client.requests
    assert any(isinstance(request.get(k), int) and 0 < request[k] <= 8192 for k in CAPS)
    assert len(notes.split()) <= 8192
