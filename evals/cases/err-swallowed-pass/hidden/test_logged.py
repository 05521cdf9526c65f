import logging

import pytest

from app.orders import Order, place_order


def test_mail_failure_is_logged_with_traceback(caplog: pytest.LogCaptureFixture) -> None:
    def broken(to: str, body: str) -> None:
        raise ConnectionError("smtp down")

    with caplog.at_level(logging.DEBUG):
        assert place_order(Order(8, "b@example.com", 100), broken)
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures, "the failure left no log record"
    assert any(r.exc_info and r.exc_info[0] is ConnectionError for r in failures)
