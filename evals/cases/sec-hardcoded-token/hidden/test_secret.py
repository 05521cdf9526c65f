import importlib
from pathlib import Path

import pytest

import app.client


def test_token_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", "token-from-env")
    client = importlib.reload(app.client)
    assert client.auth_headers()["Authorization"] == "Bearer token-from-env"


def test_literal_token_is_gone() -> None:
    source = Path(app.client.__file__).read_text(encoding="utf-8")
    assert "x8Kq2Vd9LmN4pR7sT1wY6zB3cF5hJ0aE" not in source
