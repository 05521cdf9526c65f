import pytest
from werkzeug.security import generate_password_hash

from notes_app import auth
from notes_app.app import app as flask_app

TEST_ADMIN_PASSWORD = "test-admin-password"


class FakeResponse:
    def __init__(self, text="", status_code=200, json_data=None):
        self.text = text
        self.status_code = status_code
        self._json = json_data if json_data is not None else {}

    def json(self):
        return self._json


@pytest.fixture(autouse=True)
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "data" / "notes.db"
    path.parent.mkdir()
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    # the default scrypt settings are slow; tests only need a valid hash format
    monkeypatch.setattr(
        auth,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def admin_password(monkeypatch):
    # never rely on the value baked into the module
    monkeypatch.setattr(auth, "ADMIN_PASSWORD", TEST_ADMIN_PASSWORD)
    return TEST_ADMIN_PASSWORD


@pytest.fixture
def client():
    flask_app.config["TESTING"] = True
    with flask_app.test_client() as c:
        yield c


@pytest.fixture
def login(client):
    def _login(username, password):
        resp = client.post("/login", json={"username": username, "password": password})
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": "Bearer " + resp.get_json()["token"]}

    return _login


@pytest.fixture
def user_headers(client, login):
    client.post("/register", json={"username": "alice", "password": "pw-alice"})
    return login("alice", "pw-alice")


@pytest.fixture
def fake_response():
    return FakeResponse
