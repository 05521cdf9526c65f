from app.client import auth_headers, endpoint


def test_headers_carry_a_bearer_token() -> None:
    headers = auth_headers()
    assert headers["Authorization"].startswith("Bearer ")
    assert headers["Accept"] == "application/json"


def test_endpoint_joins_paths() -> None:
    assert endpoint("/deployments/7") == "https://deploy.internal.example/api/deployments/7"
