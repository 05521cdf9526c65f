from types import SimpleNamespace


class FakeClient:
    """The SDK client at the network edge: one text block, and the usage the API bills."""

    def __init__(self, text: str, input_tokens: int = 1234, output_tokens: int = 56) -> None:
        self.messages = SimpleNamespace(create=self._create)
        self.text = text
        self.usage = SimpleNamespace(input_tokens=input_tokens, output_tokens=output_tokens)

    def _create(self, **_: object) -> SimpleNamespace:
        block = SimpleNamespace(type="text", text=self.text)
        return SimpleNamespace(content=[block], usage=self.usage)


from app.faq import answer


def test_answer_is_the_text():
    assert answer(FakeClient(" Ten days.\n"), "Refunds: 10 days.", "Refund?") == "Ten days."
