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


import logging

from app.faq import answer


def test_each_answer_logs_its_token_usage(caplog):
    caplog.set_level(logging.DEBUG)
    answer(FakeClient("Ten days.", input_tokens=4321, output_tokens=87), "Refunds: 10 days.", "Refund?")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "4321" in logged and "87" in logged
