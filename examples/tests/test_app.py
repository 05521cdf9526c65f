import string

from notes_app import auth, feeds

RSS = (
    "<rss version='2.0'><channel><title>t</title>"
    "<item><title>Imported one</title><link>https://x.example/1</link></item>"
    "<item><title>Imported two</title><link>https://x.example/2</link></item>"
    "</channel></rss>"
)


def test_notes_require_login(client):
    assert client.get("/notes").status_code == 401
    assert client.get("/notes", headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_login_rejects_bad_password(client):
    client.post("/register", json={"username": "bob", "password": "right"})
    assert client.post("/login", json={"username": "bob", "password": "wrong"}).status_code == 401


def test_create_list_and_delete_notes(client, user_headers):
    for title in ("one", "two", "three"):
        resp = client.post("/notes", json={"title": title, "body": "b"}, headers=user_headers)
        assert resp.status_code == 201
    notes = client.get("/notes", headers=user_headers).get_json()["notes"]
    assert [n["title"] for n in notes] == ["one", "two", "three"]

    limited = client.get("/notes?limit=2", headers=user_headers).get_json()["notes"]
    assert [n["title"] for n in limited] == ["one", "two"]

    assert client.delete(f"/notes/{notes[0]['id']}", headers=user_headers).status_code == 204
    assert client.delete(f"/notes/{notes[0]['id']}", headers=user_headers).status_code == 404
    remaining = client.get("/notes", headers=user_headers).get_json()["notes"]
    assert [n["title"] for n in remaining] == ["two", "three"]


def test_create_note_requires_title(client, user_headers):
    assert client.post("/notes", json={"body": "x"}, headers=user_headers).status_code == 400


def test_search_only_returns_own_notes(client, user_headers, login):
    client.post("/register", json={"username": "bob", "password": "pw-bob"})
    bob = login("bob", "pw-bob")
    client.post("/notes", json={"title": "shared title", "body": "alice"}, headers=user_headers)
    client.post("/notes", json={"title": "shared title", "body": "bob"}, headers=bob)
    found = client.get("/notes/search?title=shared title", headers=user_headers).get_json()["notes"]
    assert [n["body"] for n in found] == ["alice"]


def test_export_csv(client, user_headers):
    client.post("/notes", json={"title": "exported", "body": "text"}, headers=user_headers)
    resp = client.get("/notes/export", headers=user_headers)
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "exported,text" in resp.get_data(as_text=True)
    resp.close()


def test_password_reset_token(client, user_headers):
    resp = client.post("/password-reset", json={"username": "alice"})
    token = resp.get_json()["reset_token"]
    assert len(token) == 32 and set(token) <= set(string.ascii_letters + string.digits)
    assert client.post("/password-reset", json={"username": "ghost"}).status_code == 404


def test_import_feed(client, user_headers, monkeypatch, fake_response):
    monkeypatch.setattr(feeds.requests, "get", lambda *a, **k: fake_response(text=RSS))
    resp = client.post("/feeds/import", json={"url": "https://x.example/rss"}, headers=user_headers)
    assert resp.get_json() == {"imported": 2}
    titles = [n["title"] for n in client.get("/notes", headers=user_headers).get_json()["notes"]]
    assert titles == ["Imported one", "Imported two"]


def test_admin_stats(client, login, admin_password, user_headers):
    client.post("/notes", json={"title": "n", "body": ""}, headers=user_headers)
    admin = login(auth.ADMIN_USERNAME, admin_password)
    resp = client.get("/admin/stats", headers=admin)
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["notes"] == 1
    assert data["disk_usage"][0].isdigit()
