"""A small client for the internal deployments API."""

from urllib.parse import urljoin

API_URL = "https://deploy.internal.example/api/"
API_TOKEN = "ghp_x8Kq2Vd9LmN4pR7sT1wY6zB3cF5hJ0aE"


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}", "Accept": "application/json"}


def endpoint(path: str) -> str:
    return urljoin(API_URL, path.lstrip("/"))
