"""Source with a PEP 263 coding line is read the way Python reads it, and written back so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.scan.source import SourceEncodingError, encode_source, read_source, write_source
from tests.conftest import GitRepo, commit_all, git
from tests.test_run import harden

LATIN1_APP = """\
# -*- coding: latin-1 -*-
import yaml

GREETING = "café"


def load(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)


def quiet(path):
    try:
        return load(path)
    except:
        return None
"""
TEST = """\
from app import GREETING, load


def test_greeting():
    assert GREETING == "caf\\u00e9"


def test_load(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("a: 1\\n")
    assert load(p) == {"a": 1}
"""


def _latin1_repo(make_repo: GitRepo) -> Path:
    repo = make_repo({"tests/test_app.py": TEST})
    (repo / "app.py").write_bytes(LATIN1_APP.encode("latin-1"))
    commit_all(repo, "a latin-1 module")
    return repo


def test_a_latin1_file_is_scanned_by_every_detector(make_repo: GitRepo) -> None:
    repo = _latin1_repo(make_repo)
    argv = [sys.executable, "-m", "agent", "plan", "--priority", "all", "--json", str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "not UTF-8" not in done.stderr
    rows = json.loads(done.stdout)["rows"]
    rules = {r["finding"]["rule"] for r in rows if r["finding"]["path"] == "app.py"}
    assert {"S506", "E722"} <= rules  # bandit and ruff both saw it


def test_a_latin1_file_is_fixed_and_written_back_in_latin1(make_repo: GitRepo) -> None:
    repo = _latin1_repo(make_repo)
    done = harden(repo, "run", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["skipped_files"] == []
    assert len(report["commits"]) == 1, report["verdicts"]
    blob = subprocess.run(
        ["git", "show", f"{report['branch']}:app.py"], cwd=repo, capture_output=True, check=True
    ).stdout
    assert blob.startswith(b"# -*- coding: latin-1 -*-\n")
    assert b'GREETING = "caf\xe9"' in blob
    assert b"yaml.safe_load(fh)" in blob
    # the test that loads the config ran on the latin-1 file and passed
    assert report["verdicts"][0]["stages"][-1]["detail"].startswith(
        "selected tests (1 of 2 test(s) reach the changed code): 1 passed"
    )
    assert git(repo, "status", "--porcelain") == ""


def test_source_is_written_back_in_the_encoding_python_reads_it_with(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfA = 1\r\nB = 2\r\n")
    assert read_source(path) == "A = 1\nB = 2\n"
    write_source(path, "A = 1\nB = 3\n")
    assert path.read_bytes() == b"\xef\xbb\xbfA = 1\nB = 3\n"
    latin = "# coding: latin-1\nS = 'é'\n"
    assert encode_source(latin) == latin.encode("latin-1")
    with pytest.raises(SourceEncodingError, match="cannot be written in the file's iso-8859-1"):
        encode_source(latin + "ARROW = '→'\n")
