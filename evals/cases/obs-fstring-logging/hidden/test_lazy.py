import logging

import pytest

from app.payments import charge, refund


def _gateway(customer_id: str, amount_cents: int) -> str:
    return f"r-{customer_id}-{amount_cents}"


def test_log_records_keep_their_arguments(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="app.payments"):
        charge(_gateway, "c42", 1999)
        refund(_gateway, "c42", 1999)
    records = [r for r in caplog.records if r.name == "app.payments"]
    assert len(records) == 3
    for record in records:
        assert record.args, record.getMessage()
        assert "%" in str(record.msg)
        assert "c42" not in str(record.msg)
        assert "c42" in record.getMessage()
