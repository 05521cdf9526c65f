"""The per-test outcome channel (agent.sandbox.outcomes) with real pytest runs, and its parser."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from agent.sandbox.judge import judge_outcomes, stream_problem
from agent.sandbox.outcomes import Outcomes, parse, with_plugin
from agent.sandbox.runner import SandboxRun as Run
from agent.sandbox.runner import run_command

TESTS = """\
def test_ok():
    assert True


def test_bad():
    assert False
"""


def _run(root: Path, text: str) -> Run:
    (root / "test_it.py").write_text(textwrap.dedent(text), encoding="utf-8")
    argv = with_plugin([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    assert argv is not None
    return run_command(argv, root, 60, outcomes=True)


def test_outcomes_survive_an_exit_handler_that_forces_exit_code_0(tmp_path: Path) -> None:
    run = _run(tmp_path, "import atexit, os\natexit.register(lambda: os._exit(0))\n" + TESTS)
    assert run.exit_code == 0
    assert run.outcomes is not None
    assert dict(run.outcomes.tests) == {
        "test_it.py::test_ok": "passed",
        "test_it.py::test_bad": "failed",
    }
    assert run.outcomes.finished and not run.outcomes.tampered


def test_os_exit_inside_a_test_leaves_the_session_unfinished(tmp_path: Path) -> None:
    run = _run(tmp_path, TESTS.replace("assert False", "import os; os._exit(0)"))
    assert run.exit_code == 0
    assert run.outcomes is not None and not run.outcomes.finished
    assert run.outcomes.tests == {
        "test_it.py::test_ok": "passed",
        "test_it.py::test_bad": "incomplete",
    }
    assert "ended before pytest finished" in (stream_problem(run.outcomes) or "")


def test_lines_written_to_every_open_pipe_are_seen_as_tampering(tmp_path: Path) -> None:
    forger = """\
        import json, os
        for fd in os.listdir("/proc/self/fd"):
            line = {"e": "report", "id": "x", "when": "call", "outcome": "passed"}
            try:
                os.write(int(fd), (json.dumps(line) + "\\n").encode())
            except OSError:
                pass
        """
    run = _run(tmp_path, textwrap.dedent(forger) + TESTS)
    assert run.outcomes is not None
    assert run.outcomes.tampered and "wrong key" in run.outcomes.tampered[0]


def test_the_channel_is_not_in_the_tests_environment(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        "import os\n\n\ndef test_env():\n    assert 'HARDEN_OUTCOME_FDS' not in os.environ\n",
    )
    assert run.outcomes is not None and run.outcomes.tests == {"test_it.py::test_env": "passed"}


def _line(key: str, seq: int, **event: object) -> bytes:
    return (json.dumps({"k": key, "s": seq, **event}) + "\n").encode()


def _report(key: str, seq: int, nodeid: str, when: str, outcome: str) -> bytes:
    return _line(key, seq, e="report", id=nodeid, when=when, outcome=outcome)


def _stream(key: str, *phases: tuple[str, str, str]) -> bytes:
    lines = [_line(key, 1, e="collected", n=len({p[0] for p in phases}))]
    lines += [_report(key, i, *p) for i, p in enumerate(phases, start=2)]
    return b"".join([*lines, _line(key, len(lines) + 1, e="finish", exit=0)])


PASSING = (("t::a", "setup", "passed"), ("t::a", "call", "passed"), ("t::a", "teardown", "passed"))


def test_a_clean_stream_parses() -> None:
    parsed = parse(_stream("k", *PASSING), "k")
    assert parsed == Outcomes(tests={"t::a": "passed"}, collected=1, finished=True)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (_report("k", 6, "t::a", "call", "failed"), "written after the session finished"),
        (_report("k", 9, "t::b", "call", "passed"), "out of sequence"),
        (_report("other", 6, "t::a", "call", "passed"), "wrong key"),
        (b"garbage\n", "not JSON"),
    ],
)
def test_a_line_after_finish_or_off_sequence_or_foreign_is_tampering(
    extra: bytes, problem: str
) -> None:
    parsed = parse(_stream("k", *PASSING) + extra, "k")
    assert parsed.tampered and problem in parsed.tampered[0]
    assert parsed.tests == {"t::a": "passed"}  # what came first stands


def test_a_second_report_of_a_phase_is_tampering() -> None:
    data = _stream("k", *PASSING[:2], ("t::a", "call", "passed"), PASSING[2])
    assert "a second call report for t::a" in parse(data, "k").tampered[0]


@pytest.mark.parametrize(
    ("phases", "outcome"),
    [
        ((("setup", "failed"), ("teardown", "passed")), "error"),
        ((("setup", "passed"), ("call", "failed"), ("teardown", "passed")), "failed"),
        ((("setup", "passed"), ("call", "passed"), ("teardown", "failed")), "error"),
        ((("setup", "skipped"), ("teardown", "passed")), "skipped"),
        ((("setup", "passed"), ("call", "passed")), "incomplete"),
    ],
)
def test_phases_combine_into_one_outcome(phases: tuple[tuple[str, str], ...], outcome: str) -> None:
    data = _stream("k", *(("t::a", when, result) for when, result in phases))
    assert parse(data, "k").tests == {"t::a": outcome}


def test_a_missing_test_a_skipped_one_and_fewer_collected_are_rejected() -> None:
    base = Outcomes(tests={"a": "passed", "b": "passed", "c": "failed"}, collected=3, finished=True)
    run = Outcomes(tests={"a": "skipped", "c": "failed"}, collected=2, finished=True)
    ok, detail = judge_outcomes(base, run, 1, 1)
    assert not ok
    assert "1 base test(s) missing: b" in detail
    assert "1 base test(s) newly skipped: a" in detail
    assert "2 test(s) collected, the base collected 3" in detail


def test_known_failures_are_forgiven_and_said() -> None:
    base = Outcomes(tests={"a": "passed", "c": "failed"}, collected=2, finished=True)
    ok, detail = judge_outcomes(base, base, 1, 1)
    assert ok and detail.endswith("1 already failed at the base")
