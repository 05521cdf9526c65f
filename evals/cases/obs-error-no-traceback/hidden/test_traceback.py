import logging

import pytest

from app.reports import build_all


def _broken() -> str:
    raise ValueError("bad data")


def test_failure_record_has_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.reports"):
        build_all({"stock": _broken})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[0] is ValueError
    assert "stock" in errors[0].getMessage()
