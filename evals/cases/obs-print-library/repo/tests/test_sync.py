from app.sync import import_contacts

CSV = "name,email\nAda,ada@example.com\n,nobody@example.com\nAlan,not-an-email\n"


def test_import_counts_and_stores_valid_rows() -> None:
    book: dict[str, str] = {}
    assert import_contacts(CSV, book) == 1
    assert book == {"ada@example.com": "Ada"}
