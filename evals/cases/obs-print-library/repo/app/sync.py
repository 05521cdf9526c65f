"""Import contacts from CSV rows into the address book."""

import csv
import io


def import_contacts(text: str, book: dict[str, str]) -> int:
    """Add every row with a name and an email; return how many were added."""
    added = 0
    for lineno, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        name, email = row.get("name", "").strip(), row.get("email", "").strip()
        if not name or "@" not in email:
            print(f"skipping line {lineno}: bad row {row}")
            continue
        book[email] = name
        added += 1
    print(f"imported {added} contacts")
    return added
