"""A small client for the internal deployments API."""

import os
from urllib.parse import urljoin

API_URL = "https://deploy.internal.example/api/"
API_TOKEN = os.environ.get("API_TOKEN", "")


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}", "Accept": "application/json"}


def endpoint(path: str) -> str:
    return urljoin(API_URL, path.lstrip("/"))
