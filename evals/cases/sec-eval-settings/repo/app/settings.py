"""Feature settings edited in the admin form: each value is a Python literal as text."""

from typing import Any

DEFAULTS: dict[str, Any] = {"max_items": 50, "regions": ["eu"], "beta": False}


def parse_value(raw: str) -> Any:
    return eval(raw)


def apply_form(form: dict[str, str]) -> dict[str, Any]:
    settings = dict(DEFAULTS)
    for key, raw in form.items():
        if key in DEFAULTS and raw.strip():
            settings[key] = parse_value(raw)
    return settings
