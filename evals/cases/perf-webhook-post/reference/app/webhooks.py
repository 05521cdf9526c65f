"""Deliver events to a subscriber's webhook endpoint."""

from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class Subscriber:
    url: str
    secret_header: str


def deliver(subscriber: Subscriber, events: list[dict[str, Any]]) -> list[int]:
    """POST every event; return the HTTP status of each delivery."""
    headers = {"X-Webhook-Secret": subscriber.secret_header}
    with requests.Session() as session:
        return [
            session.post(subscriber.url, json=event, headers=headers, timeout=5).status_code
            for event in events
        ]
