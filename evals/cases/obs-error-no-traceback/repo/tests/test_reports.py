from app.reports import build_all


def _broken() -> str:
    raise ValueError("bad data")


def test_one_failure_does_not_stop_the_rest() -> None:
    assert build_all({"sales": lambda: "ok", "stock": _broken, "hr": lambda: "fine"}) == {
        "sales": "ok",
        "hr": "fine",
    }
