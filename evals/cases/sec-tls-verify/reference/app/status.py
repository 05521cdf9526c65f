"""Poll a service's /status endpoint and summarise it for the on-call dashboard."""

from typing import Any

import requests


def fetch_status(base_url: str) -> dict[str, Any]:
    resp = requests.get(f"{base_url}/status", timeout=5)
    resp.raise_for_status()
    data: dict[str, Any] = resp.json()
    return data


def is_healthy(base_url: str) -> bool:
    return fetch_status(base_url).get("state") == "ok"
