"""The sqlite ledger and the response cache a model run opens are closed on every path.

The real CLI runs against the fake model server (tests/fakellm.py) under a probe: an audit
hook keeps every sqlite connection the harden process opens, and when ``cli.main`` is
done (a finished run, an error, SIGTERM) the probe lists those still open, and checks
that the ledger can be locked. The hook holds each connection, so one that was only
dropped, never closed, shows as open (Python 3.13 warns of it: ResourceWarning).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from subprocess import PIPE, Popen
from typing import Any

from tests.conftest import GitRepo
from tests.fakellm import Delay, FakeLLM, Reply
from tests.test_eval_cli import FIXTURES, GOOD

PROBE = """
import json, os, sqlite3, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(args[0])
                 if event == "sqlite3.connect/handle" else None)

def still_open(con):  # in_transaction checks that it is open, not which thread asks
    try:
        con.in_transaction
    except sqlite3.ProgrammingError:
        return None
    try:
        return [row[2] for row in con.execute("PRAGMA database_list")]
    except sqlite3.ProgrammingError:
        return ["(a connection of another thread)"]

def ledger_lockable(path):
    if not os.path.exists(path):
        return None
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()

try:
    from agent.cli import main
    sys.argv[0] = "harden"
    main()
finally:
    ledger = os.path.join(os.environ["HARDEN_DATA_DIR"], "ledger.sqlite")
    found = {"opened": len(opened), "lockable": ledger_lockable(ledger),
             "open": [paths for paths in map(still_open, opened) if paths is not None]}
    with open(os.environ["PROBE_OUT"], "w") as out:
        json.dump(found, out)
"""

APP = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob) if blob else None\n"
TEST = "from app import load\n\n\ndef test_empty():\n    assert load(b'') is None\n"
FIX = {
    "decision": "fix",
    "title": "Parse JSON instead of unpickling",
    "rationale": "pickle.loads on client data runs code (CWE-502).",
    "risk": "medium",
    "edits": [
        {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"},
        {"path": "app.py", "search": "pickle.loads(blob)", "replace": "json.loads(blob)"},
    ],
    "new_test_file": None,
}


def _start(llm: FakeLLM, tmp_path: Path, *args: str, cwd: Path | None = None) -> Popen[str]:
    """``harden <args>`` under the probe, with the fake model and a data dir of its own."""
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "HARDEN_DATA_DIR": str(tmp_path / "data"),
        "HARDEN_CACHE_DIR": str(tmp_path / "cache"),
        "PROBE_OUT": str(tmp_path / "probe.json"),
    }
    argv = [sys.executable, "-W", "error::ResourceWarning", "-c", PROBE, *args]
    argv += ["--python", sys.executable, "--model", "openai/gpt-4.1-mini", "--base-url", llm.url]
    return Popen(argv, cwd=cwd, env=env, text=True, stdout=PIPE, stderr=PIPE)


def _run(llm: FakeLLM, tmp_path: Path, repo: Path) -> Popen[str]:
    return _start(llm, tmp_path, "run", "--json", "--jobs", "2", str(repo))


def _probe(tmp_path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((tmp_path / "probe.json").read_text(encoding="utf-8"))
    return found


def test_a_model_run_closes_its_ledger_and_cache(make_repo: GitRepo, tmp_path: Path) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    with FakeLLM() as llm:
        llm.script(Reply(FIX))
        run = _run(llm, tmp_path, repo)
        out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert json.loads(out)["model"] == "openai/gpt-4.1-mini"
    assert "ResourceWarning" not in err
    found = _probe(tmp_path)
    assert found["opened"] >= 3  # the ledger, the cache, the cache in the model's thread
    assert found["open"] == [] and found["lockable"] is True


def test_an_interrupted_model_run_closes_them_too(make_repo: GitRepo, tmp_path: Path) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    with FakeLLM() as llm:
        llm.script(Delay(3.0), Reply(FIX))
        run = _run(llm, tmp_path, repo)
        deadline = time.monotonic() + 120
        while not llm.requests and time.monotonic() < deadline:
            time.sleep(0.1)  # the model call is in flight: the ledger and cache are open
        assert llm.requests, "the run never called the model"
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    found = _probe(tmp_path)
    assert found["opened"] >= 2
    assert found["open"] == [] and found["lockable"] is True


def test_a_model_eval_closes_its_ledger(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project / "evals" / "cases")
    args = ["eval", "--cases", "pickle-tiny", "--prompt", "fix/security@v1", "--json"]
    with FakeLLM() as llm:
        llm.script(Reply(GOOD))
        run = _start(llm, tmp_path, *args, cwd=project)
        out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert len(llm.requests) == 1 and json.loads(out)["runs"]
    found = _probe(tmp_path)
    assert found["opened"] >= 1  # the ledger
    assert found["open"] == [] and found["lockable"] is True
