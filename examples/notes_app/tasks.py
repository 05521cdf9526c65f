"""Background-ish helpers: config loading, disk usage, CSV export, caches."""

import csv
import hashlib
import os
import pickle
import subprocess
import tempfile

import yaml

DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "config.yaml")


def load_config(path=None):
    path = path or os.environ.get("NOTES_CONFIG") or DEFAULT_CONFIG
    if not os.path.isabs(path) and not os.path.exists(path):
        path = os.path.join(os.path.dirname(DEFAULT_CONFIG), path)
    with open(path) as fh:
        config = yaml.load(fh, Loader=yaml.FullLoader)
    return config or {}


def disk_usage(path):
    """Human-readable size of a directory, e.g. '12K'."""
    result = subprocess.run(f"du -sh {path}", shell=True, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or "du failed")
    return result.stdout.split()[0]


def export_notes_csv(notes):
    """Write notes to a temporary CSV file and return its path."""
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "body"])
        for note in notes:
            writer.writerow([note["id"], note["title"], note["body"]])
    return path


def file_fingerprint(path):
    """A short content hash, used to tell whether an uploaded file changed."""
    with open(path, "rb") as fh:
        return hashlib.md5(fh.read()).hexdigest()


def save_cache(path, data):
    with open(path, "wb") as fh:
        pickle.dump(data, fh)


def load_cache(path):
    with open(path, "rb") as fh:
        return pickle.load(fh)
