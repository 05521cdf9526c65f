import logging

import pytest

from app.sync import import_contacts

CSV = "name,email\nAda,ada@example.com\nAlan,not-an-email\n"


def test_skipped_row_is_logged_not_printed(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert import_contacts(CSV, {}) == 1
    assert capsys.readouterr().out == ""
    skipped = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(skipped) == 1
    assert "3" in skipped[0].getMessage()
    assert skipped[0].name.startswith("app")
