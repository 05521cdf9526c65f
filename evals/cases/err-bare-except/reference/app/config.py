"""Load the tool's JSON config, falling back to defaults when there is none."""

import json
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {"workers": 4, "verbose": False}


def load_config(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return dict(DEFAULTS)
    return {**DEFAULTS, **data}
