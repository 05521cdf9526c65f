import pytest

from notes_app import feeds

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Example blog</title>
    <item><title> First post </title><link>https://blog.example.com/1</link>
      <description>Hello</description></item>
    <item><title>Second post</title><link>https://blog.example.com/2</link></item>
  </channel>
</rss>
"""


def test_fetch_feed_parses_items(monkeypatch, fake_response):
    calls = []

    def fake_get(*args, **kwargs):
        calls.append((args, kwargs))
        return fake_response(text=RSS)

    monkeypatch.setattr(feeds.requests, "get", fake_get)
    items = feeds.fetch_feed("https://blog.example.com/rss.xml")
    assert items == [
        {"title": "First post", "link": "https://blog.example.com/1", "summary": "Hello"},
        {"title": "Second post", "link": "https://blog.example.com/2", "summary": ""},
    ]
    assert calls[0][0][0] == "https://blog.example.com/rss.xml"


def test_fetch_feed_http_error(monkeypatch, fake_response):
    monkeypatch.setattr(feeds.requests, "get", lambda *a, **k: fake_response(status_code=503))
    with pytest.raises(feeds.FeedError):
        feeds.fetch_feed("https://down.example.com/rss")


def test_check_link(monkeypatch, fake_response):
    statuses = {"https://ok.example.com": 200, "https://missing.example.com": 404}
    monkeypatch.setattr(
        feeds.requests, "get", lambda url, *a, **k: fake_response(status_code=statuses[url])
    )
    assert feeds.check_link("https://ok.example.com") is True
    assert feeds.check_link("https://missing.example.com") is False


def test_notify_webhook(monkeypatch, fake_response):
    sent = {}

    def fake_post(url, *args, **kwargs):
        sent["url"] = url
        sent["json"] = kwargs.get("json")
        return fake_response(json_data={"received": True})

    monkeypatch.setattr(feeds.requests, "post", fake_post)
    assert feeds.notify_webhook("https://hooks.example.com/x", "note.created", {"id": 3}) == {
        "received": True
    }
    assert sent == {"url": "https://hooks.example.com/x", "json": {"event": "note.created", "data": {"id": 3}}}
