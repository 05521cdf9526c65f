import csv
import os

from notes_app import tasks


def test_load_bundled_config():
    config = tasks.load_config()
    assert config["app_name"] == "Notes"
    assert isinstance(config["max_notes_per_page"], int)


def test_load_config_from_path(tmp_path):
    cfg = tmp_path / "custom.yaml"
    cfg.write_text("app_name: Custom\nfeeds:\n  - https://a.example/rss\n")
    assert tasks.load_config(str(cfg)) == {"app_name": "Custom", "feeds": ["https://a.example/rss"]}


def test_load_empty_config(tmp_path):
    cfg = tmp_path / "empty.yaml"
    cfg.write_text("")
    assert tasks.load_config(str(cfg)) == {}


def test_disk_usage_of_real_directory(tmp_path):
    (tmp_path / "blob.bin").write_bytes(b"x" * 50_000)
    size = tasks.disk_usage(str(tmp_path))
    assert size[0].isdigit()
    assert size[-1] in "KMG"


def test_export_notes_csv():
    notes = [{"id": 1, "title": "a", "body": "x, y"}, {"id": 2, "title": "b", "body": ""}]
    path = tasks.export_notes_csv(notes)
    try:
        assert path.endswith(".csv")
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows == [["id", "title", "body"], ["1", "a", "x, y"], ["2", "b", ""]]
    finally:
        os.remove(path)


def test_file_fingerprint_changes_with_content(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("one")
    first = tasks.file_fingerprint(f)
    f.write_text("two")
    assert tasks.file_fingerprint(f) != first
    assert len(first) == 32


def test_cache_round_trip(tmp_path):
    path = tmp_path / "cache.bin"
    tasks.save_cache(path, {"notes": [1, 2]})
    assert tasks.load_cache(path) == {"notes": [1, 2]}
