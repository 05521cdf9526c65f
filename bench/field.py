"""The field benchmark: harden on real projects, laid out from their pip sdists.

    python bench/field.py [--work DIR] [--timeout S] [--only NAME ...]

For each project: ``pip download --no-deps --no-binary :all: NAME==VERSION`` into a cache
(``--work``, default ``<tmp>/harden-field``), unpack it as a git repo with one commit,
make a venv with the project and pytest, run
``harden run --priority all --python <venv python>`` (bounded by ``--timeout``), then run
the project's tests on the base and on every branch the run made. Prints one table per
project: findings by rule, commits, rejected by stage, tests per branch, time.
It prints figures; it asserts nothing. Read the branches it leaves (``git log -p``)
under the work dir: the point is whether a maintainer would merge each commit.
Needs network access to PyPI (pip) and takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Small, few dependencies, test suite shipped in the sdist (checked by hand, Nov 2026).
PROJECTS: dict[str, str] = {
    "itsdangerous": "2.2.0",
    "tabulate": "0.9.0",
    "toolz": "1.0.0",
    "schedule": "1.2.2",
    "humanize": "4.11.0",
}
# What each suite needs beyond pytest (coverage: harden's tests priority measures with it).
EXTRA_DEPS: dict[str, tuple[str, ...]] = {
    "itsdangerous": ("freezegun",),
    "schedule": ("pytz",),
    "humanize": ("freezegun",),
}
GIT = ("git", "-c", "user.name=field", "-c", "user.email=field@bench.invalid")


@dataclass
class Outcome:
    """What one project's run produced."""

    name: str
    seconds: float = 0.0
    exit_code: int | None = None
    rules: Counter[str] = field(default_factory=Counter)
    commits: dict[str, int] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    tests: dict[str, str] = field(default_factory=dict)
    note: str = ""


def sh(argv: list[str], cwd: Path | None = None, timeout: float | None = None) -> str:
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, check=True, timeout=timeout
    )
    return done.stdout


def fetch_sdist(name: str, version: str, cache: Path) -> Path:
    """The sdist of NAME==VERSION in ``cache`` (downloaded once)."""
    target = cache / "sdists" / f"{name}-{version}"
    target.mkdir(parents=True, exist_ok=True)
    if not list(target.glob("*.tar.gz")):
        sh([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
            "-d", str(target), f"{name}=={version}"])  # fmt: skip
    return next(target.glob("*.tar.gz"))


def lay_out(sdist: Path, repo: Path) -> None:
    """Unpack ``sdist`` into ``repo`` (its top folder stripped) as a git repo, one commit."""
    if repo.exists():
        shutil.rmtree(repo)
    with tarfile.open(sdist) as tar:
        tar.extractall(repo.parent / "_unpack", filter="data")
    top = next((repo.parent / "_unpack").iterdir())
    top.rename(repo)
    (repo.parent / "_unpack").rmdir()
    sh(["git", "init", "-q", "-b", "main"], repo)
    sh(["git", "add", "-A"], repo)
    sh([*GIT, "commit", "-q", "-m", "sdist"], repo)


def make_venv(name: str, repo: Path, venv: Path) -> Path:
    """A venv with the project (editable), pytest and coverage; returns its python."""
    python = venv / "bin" / "python"
    if not python.exists():
        sh([sys.executable, "-m", "venv", str(venv)])
    deps = ["pytest", "coverage", *EXTRA_DEPS.get(name, ())]
    sh([str(python), "-m", "pip", "install", "-q", "-e", str(repo), *deps])
    return python


def run_tests(python: Path, tree: Path, timeout: float) -> str:
    """'pass', 'fail (N)' or 'timeout' for the project's pytest suite in ``tree``."""
    try:
        done = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
            cwd=tree, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode == 0:
        return "pass"
    tail = (done.stdout.strip().splitlines() or ["?"])[-1]
    return f"fail (exit {done.returncode}: {tail[:60]})"


def run_harden(repo: Path, python: Path, timeout: float, log: Path) -> tuple[int | None, float]:
    start = time.monotonic()
    argv = ["harden", "run", "--priority", "all", "--python", str(python), str(repo)]
    try:
        with log.open("w") as out:
            code: int | None = subprocess.run(
                argv, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
            ).returncode
    except subprocess.TimeoutExpired:
        code = None
    return code, time.monotonic() - start


def read_reports(repo: Path, outcome: Outcome) -> None:
    """Fill rules, commits and rejections from every report.json the run wrote."""
    for path in sorted(repo.glob(".harden/runs/*/report.json")):
        report = json.loads(path.read_text())
        outcome.rules.update(f["rule"] for f in report["findings"])
        if report.get("branch"):
            outcome.commits[report["branch"]] = len(report["commits"])
        for verdict in report["verdicts"]:
            failed = [s["stage"] for s in verdict["stages"] if s["status"] == "failed"]
            if failed:
                outcome.rejected[failed[0]] += 1


def test_branches(repo: Path, python: Path, outcome: Outcome, timeout: float) -> None:
    outcome.tests["main (base)"] = run_tests(python, repo, timeout)
    for branch in outcome.commits:
        tree = repo.parent / "branch-tree"
        sh(["git", "worktree", "add", "-q", "-f", str(tree), branch], repo)
        try:
            _install_tree(python, tree)
            outcome.tests[branch] = run_tests(python, tree, timeout)
        finally:
            sh(["git", "worktree", "remove", "--force", str(tree)], repo)
            _install_tree(python, repo)


def _install_tree(python: Path, tree: Path) -> None:
    """Point the editable install at ``tree`` so its tests import that tree's code."""
    sh([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(tree)])


def bench(name: str, version: str, work: Path, timeout: float) -> Outcome:
    outcome = Outcome(f"{name} {version}")
    base = work / name
    try:
        repo = base / "repo"
        lay_out(fetch_sdist(name, version, work), repo)
        python = make_venv(name, repo, base / "venv")
        outcome.exit_code, outcome.seconds = run_harden(repo, python, timeout, base / "run.log")
        read_reports(repo, outcome)
        test_branches(repo, python, outcome, timeout=600)
    except (subprocess.CalledProcessError, OSError, StopIteration) as err:
        outcome.note = f"{type(err).__name__}: {str(err)[:200]}"
    return outcome


def table(outcome: Outcome) -> str:
    exit_text = "timeout" if outcome.exit_code is None else str(outcome.exit_code)
    rules = ", ".join(f"{r} {n}" for r, n in sorted(outcome.rules.items())) or "none"
    lines = [
        f"== {outcome.name} ==",
        f"  time            {outcome.seconds:.0f} s (harden exit {exit_text})",
        f"  findings        {sum(outcome.rules.values())}: {rules}",
        f"  commits         {sum(outcome.commits.values())}",
    ]
    lines += [f"    {branch:<40} {n}" for branch, n in outcome.commits.items()]
    rejected = ", ".join(f"{s} {n}" for s, n in sorted(outcome.rejected.items())) or "none"
    lines.append(f"  rejected        {rejected}")
    lines += [f"  tests  {branch:<40} {state}" for branch, state in outcome.tests.items()]
    if outcome.note:
        lines.append(f"  note            {outcome.note}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "harden-field")
    parser.add_argument("--timeout", type=float, default=1500.0, help="seconds per harden run")
    parser.add_argument("--only", nargs="*", default=None, help="project names to run")
    args = parser.parse_args()
    chosen = {n: v for n, v in PROJECTS.items() if args.only is None or n in args.only}
    for name, version in chosen.items():
        print(table(bench(name, version, args.work.resolve(), args.timeout)), flush=True)
    print(f"work dir: {args.work.resolve()} (repos with their harden/* branches)")


if __name__ == "__main__":
    main()
