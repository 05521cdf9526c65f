"""Client-side sessions: the session dict travels in a base64 cookie."""

import base64
import pickle
from typing import Any


def dump_session(session: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(pickle.dumps(session)).decode("ascii")


def load_session(cookie: str) -> dict[str, Any]:
    if not cookie:
        return {}
    data = pickle.loads(base64.urlsafe_b64decode(cookie.encode("ascii")))
    return data if isinstance(data, dict) else {}
