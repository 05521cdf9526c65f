from types import SimpleNamespace

SDK_DEFAULT_TIMEOUT = 600.0  # what the openai SDK waits for a reply when no timeout is set


class FakeClient:
    """The SDK client at the network edge: it replies with ``text`` and records each
    request's keyword arguments, as the SDK receives them."""

    def __init__(self, text: str, timeout: float = SDK_DEFAULT_TIMEOUT) -> None:
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))
        self.text = text
        self.timeout = timeout
        self.requests: list[dict[str, object]] = []

    def _create(self, **kwargs: object) -> SimpleNamespace:
        self.requests.append(kwargs)
        message = SimpleNamespace(content=self.text)
        usage = SimpleNamespace(prompt_tokens=40, completion_tokens=1, total_tokens=41)
        return SimpleNamespace(choices=[SimpleNamespace(message=message)], usage=usage)


from app.triage import triage


def test_known_team():
    assert triage(FakeClient(" Billing\n"), "I was charged twice") == "billing"


def test_unknown_answer_is_other():
    assert triage(FakeClient("the moon"), "hello") == "other"
