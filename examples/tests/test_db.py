from notes_app import db


def test_database_created_lazily_at_configured_path(db_path):
    assert not db_path.exists()
    db.add_note("alice", "first", "hello")
    assert db_path.exists()


def test_add_and_list_notes_per_owner():
    a1 = db.add_note("alice", "groceries", "milk, eggs")
    db.add_note("bob", "todo", "fix bike")
    a2 = db.add_note("alice", "ideas", "")
    notes = db.list_notes("alice")
    assert [n["id"] for n in notes] == [a1, a2]
    assert notes[0] == {"id": a1, "title": "groceries", "body": "milk, eggs"}
    assert db.list_notes("carol") == []


def test_delete_note():
    keep = db.add_note("alice", "keep", "")
    gone = db.add_note("alice", "gone", "")
    assert db.delete_note(gone) == 1
    assert db.delete_note(gone) == 0
    assert [n["id"] for n in db.list_notes("alice")] == [keep]
    assert db.count_notes() == 1


def test_find_by_title_exact_match():
    db.add_note("alice", "meeting notes", "a")
    db.add_note("bob", "meeting notes", "b")
    db.add_note("bob", "meeting", "c")
    found = db.find_by_title("meeting notes")
    assert sorted(n["owner"] for n in found) == ["alice", "bob"]
    assert db.find_by_title("nothing here") == []


def test_users_roundtrip():
    db.create_user("dave", "hash", is_admin=True)
    user = db.get_user("dave")
    assert user["username"] == "dave"
    assert user["is_admin"] == 1
    assert db.get_user("nobody") is None
