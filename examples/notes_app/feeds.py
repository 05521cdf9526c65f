"""RSS feed import, link checking and webhook notifications."""

import xml.etree.ElementTree as ET

import requests


class FeedError(Exception):
    pass


def fetch_feed(url):
    """Download an RSS feed and return its items as dicts."""
    resp = requests.get(url)
    if resp.status_code != 200:
        raise FeedError(f"feed returned HTTP {resp.status_code}")
    root = ET.fromstring(resp.text)
    items = []
    for item in root.iter("item"):
        items.append(
            {
                "title": (item.findtext("title") or "").strip(),
                "link": (item.findtext("link") or "").strip(),
                "summary": (item.findtext("description") or "").strip(),
            }
        )
    return items


def check_link(url):
    """True if the URL answers with a non-error status (self-signed certs are fine)."""
    resp = requests.get(url, verify=False)
    return resp.status_code < 400


def notify_webhook(url, event, payload):
    resp = requests.post(url, json={"event": event, "data": payload})
    if resp.status_code >= 400:
        return None
    return resp.json()
