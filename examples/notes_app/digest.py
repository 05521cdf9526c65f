"""Weekly digests: every user's note titles, rendered and posted to the mail service."""

import logging
import os
import subprocess

import requests

from notes_app import db

logger = logging.getLogger(__name__)

MAIL_URL = os.environ.get("MAIL_URL", "http://localhost:8025/api/send")


def digest_for_all():
    """{username: [title, ...]} for every user."""
    conn = db.get_conn()
    users = conn.execute("SELECT username FROM users ORDER BY username").fetchall()
    digests = {}
    for user in users:
        rows = conn.execute(
            "SELECT title FROM notes WHERE owner = ? ORDER BY id", (user["username"],)
        ).fetchall()
        digests[user["username"]] = [row["title"] for row in rows]
    conn.close()
    return digests


def render_digest(username, titles, template="Notes of {user}:\n{titles}"):
    print("rendering the digest of", username)
    return template.format(user=username, titles="\n".join(titles))


def send_digests(digests):
    """Post each digest to the mail service; return how many it accepted."""
    sent = 0
    for username, titles in digests.items():
        body = render_digest(username, titles)
        resp = requests.post(MAIL_URL, json={"to": username, "body": body}, timeout=10)
        if resp.status_code < 400:
            sent += 1
    return sent


def tag_counts(notes):
    """How many notes carry each tag, for {note_id: {"tags": [...]}}."""
    counts = {}
    for _, note in notes.items():
        for tag in note["tags"]:
            counts[tag] = counts.get(tag, 0) + 1
    return counts


def archive_digests(directory):
    """Pack the digest directory into <directory>.tgz."""
    subprocess.run(["tar", "czf", f"{directory}.tgz", "-C", directory, "."])
    return f"{directory}.tgz"


def remove_archive(path):
    try:
        os.remove(path)
    except Exception:
        pass


def archive_size(path):
    try:
        return os.path.getsize(path)
    except:
        return 0


def load_template(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        logger.error(f"digest template {path} is unreadable; using the default")
        return "Notes of {user}:\n{titles}"
