"""Judge a test run by its per-test outcomes against the base run, not by its exit code.

The repo's suite runs without the patch's new test files (they are judged on their own by
the generated-test stage). A run is accepted only if its outcome stream (`agent.sandbox.outcomes`)
is intact and finished, it collected at least as many tests as the base run, and every
test that did not fail at the base is there and did not fail, error or stop midway; a test
that passed at the base must still pass (not be skipped now). Tests that failed at the base
are not held against the patch. The exit code must also agree: 0, 1 (some tests failed),
or what the base run exited with.

When there are no per-test outcomes (a ``--test-command`` that is not pytest, or a base
run whose stream was unusable) the exit code is all there is; the detail then starts with
``exit code only:`` so the report says how the verdict was reached.
"""

from __future__ import annotations

from agent.sandbox.outcomes import BAD, Outcomes

__all__ = ["EXIT_CODE_ONLY", "judge_outcomes", "judge_single_file", "stream_problem"]

EXIT_CODE_ONLY = "exit code only"
_SHOWN = 10


def stream_problem(run: Outcomes | None) -> str | None:
    """Why a run's outcome stream cannot be used, or None."""
    if run is None:
        return "no per-test outcomes came back (the outcome plugin did not run)"
    if run.tampered:
        return "the outcome stream was tampered with: " + "; ".join(run.tampered)
    if not run.finished:
        reported = len(run.tests)
        return (
            f"the test session ended before pytest finished ({reported} test(s) reported): "
            "os._exit, a crash or a signal inside the tests"
        )
    return None


def judge_outcomes(
    base: Outcomes, run: Outcomes | None, exit_code: int | None, base_exit: int | None
) -> tuple[bool, str]:
    """Whether ``run`` keeps every test of ``base`` that did not already fail."""
    problem = stream_problem(run)
    if problem or run is None:
        return False, problem or ""
    broken = _broken(base, run)
    if broken:
        return False, "; ".join(broken)
    if exit_code not in {0, 1, base_exit}:
        return False, f"pytest exited with code {exit_code} though no test failed"
    known = len(base.named(*BAD))
    text = f"per-test outcomes: {run.counts()}; {len(base.tests)} base test(s) compared"
    return True, text + (f"; {known} already failed at the base" if known else "")


def _broken(base: Outcomes, run: Outcomes) -> list[str]:
    missing, failing, skipped = [], [], []
    for nodeid, before in base.tests.items():
        after = run.tests.get(nodeid)
        if before in BAD:
            continue
        if after is None:
            missing.append(nodeid)
        elif after in BAD or (after == "xpassed" and before == "xfailed"):
            failing.append(f"{nodeid} ({after})")
        elif before == "passed" and after in {"skipped", "xfailed"}:
            skipped.append(nodeid)
    failing += [f"{n} ({o})" for n, o in run.tests.items() if n not in base.tests and o in BAD]
    found = [_listed("missing", missing), _listed("newly failing", failing)]
    found += [_listed("newly skipped", skipped), _fewer(base, run), _collect_errors(base, run)]
    return [text for text in found if text]


def _listed(label: str, names: list[str]) -> str:
    if not names:
        return ""
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"{len(names)} base test(s) {label}: " + ", ".join(sorted(names)[:_SHOWN]) + more


def _fewer(base: Outcomes, run: Outcomes) -> str:
    if (run.collected or 0) < (base.collected or 0):
        return f"{run.collected or 0} test(s) collected, the base collected {base.collected}"
    return ""


def _collect_errors(base: Outcomes, run: Outcomes) -> str:
    new = sorted(set(run.collect_errors) - set(base.collect_errors))
    return "new collection errors: " + ", ".join(new[:_SHOWN]) if new else ""


def judge_single_file(run: Outcomes | None) -> tuple[str, str] | None:
    """For a run of one new test file: ("did not run" | "failed", why), or None if it passed.

    None as well when there are no outcomes to judge by (the caller falls back to the
    exit code).
    """
    if run is None:
        return None
    problem = stream_problem(run)
    if problem:
        return "failed", problem
    if run.collect_errors or not run.tests:
        errors = ", ".join(run.collect_errors)
        return "did not run", "no test ran" + (f"; collection errors: {errors}" if errors else "")
    bad = [f"{n} ({o})" for n, o in sorted(run.tests.items()) if o not in {"passed", "skipped"}]
    if bad:
        return "failed", "not passed: " + ", ".join(bad[:_SHOWN])
    return None if run.named("passed") else ("did not run", "every test was skipped")
