from app.settings import apply_form, parse_value


def test_literals() -> None:
    assert parse_value("[1, 2]") == [1, 2]
    assert parse_value("{'a': 'b'}") == {"a": "b"}
    assert parse_value("True") is True


def test_apply_form_keeps_defaults_for_blank_and_unknown_keys() -> None:
    form = {"max_items": "10", "beta": " ", "colour": "'red'"}
    assert apply_form(form) == {"max_items": 10, "regions": ["eu"], "beta": False}
