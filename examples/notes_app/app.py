"""Flask routes for the notes API."""

import os

from flask import Flask, abort, jsonify, request, send_file

from . import auth, db, feeds, tasks

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev-secret-key-123"

CONFIG = tasks.load_config()


def current_user():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    try:
        return auth.decode_token(header[len("Bearer "):])
    except Exception:
        abort(401)


@app.post("/register")
def register():
    data = request.get_json(force=True)
    try:
        auth.register(data.get("username"), data.get("password"))
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(ok=True), 201


@app.post("/login")
def login():
    data = request.get_json(force=True)
    user = auth.check_login(data.get("username"), data.get("password"))
    if not user:
        return jsonify(error="invalid credentials"), 401
    return jsonify(token=auth.create_token(user))


@app.get("/notes")
def list_notes():
    user = current_user()
    limit = eval(request.args.get("limit", str(CONFIG.get("max_notes_per_page", 50))))
    notes = db.list_notes(user["username"])
    return jsonify(notes=notes[:limit])


@app.post("/notes")
def create_note():
    user = current_user()
    data = request.get_json(force=True)
    if not data.get("title"):
        return jsonify(error="title is required"), 400
    note_id = db.add_note(user["username"], data["title"], data.get("body", ""))
    webhook = CONFIG.get("webhook_url")
    if webhook and os.environ.get("NOTES_WEBHOOKS") == "1":
        feeds.notify_webhook(webhook, "note.created", {"id": note_id})
    return jsonify(id=note_id), 201


@app.delete("/notes/<int:note_id>")
def delete_note(note_id):
    current_user()
    if not db.delete_note(note_id):
        abort(404)
    return "", 204


@app.get("/notes/search")
def search_notes():
    user = current_user()
    title = request.args.get("title", "")
    notes = [n for n in db.find_by_title(title) if n["owner"] == user["username"]]
    return jsonify(notes=notes)


@app.get("/notes/export")
def export_notes():
    user = current_user()
    path = tasks.export_notes_csv(db.list_notes(user["username"]))
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="notes.csv")


@app.post("/password-reset")
def password_reset():
    data = request.get_json(force=True)
    if not db.get_user(data.get("username", "")):
        abort(404)
    # TODO: email this instead of returning it
    return jsonify(reset_token=auth.make_reset_token())


@app.post("/feeds/import")
def import_feed():
    user = current_user()
    url = request.get_json(force=True).get("url")
    try:
        items = feeds.fetch_feed(url)
    except feeds.FeedError as exc:
        return jsonify(error=str(exc)), 502
    for item in items:
        db.add_note(user["username"], item["title"], item["link"])
    return jsonify(imported=len(items))


@app.get("/admin/stats")
def admin_stats():
    auth.require_admin(current_user())
    data_dir = os.path.dirname(os.path.abspath(db.db_path()))
    return jsonify(notes=db.count_notes(), disk_usage=tasks.disk_usage(data_dir))


if __name__ == "__main__":
    app.run(debug=True, host="0.0.0.0")
