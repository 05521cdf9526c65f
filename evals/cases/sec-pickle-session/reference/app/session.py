"""Client-side sessions: the session dict travels in a base64 cookie (JSON, never pickle)."""

import base64
import json
from typing import Any


def dump_session(session: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(session).encode("utf-8")).decode("ascii")


def load_session(cookie: str) -> dict[str, Any]:
    if not cookie:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cookie.encode("ascii")))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
