"""The performance benchmark: harden's scan against bandit and ruff on real packages.

    python bench/perf.py [--work DIR] [--only NAME ...] [--suite]

For flask, requests and django: ``pip download --no-deps --no-binary :all:`` of a pinned
sdist into a cache (``--work``, default ``<tmp>/harden-perf``; see bench/field.py), its
package folder (``src/flask``, ``src/requests``, ``django``) laid out as a git repo with
one commit, then, in one run on the same tree: ``harden plan --priority security``,
``bandit -r -q``, ``ruff check --select S``, and a second ``harden plan`` on the unchanged
commit (each tree gets a fresh cache folder, so the first plan is cold; ``--harden CMD``
measures another harden, e.g. an older checkout's ``python -m agent``). Prints CPU
seconds (user + sys, the command and its children), the ratios to bandit, and harden's
peak RSS. harden runs bandit itself (its findings are part of harden's), so harden's
first plan costs at least bandit's CPU; "(harden - bandit)/bandit" is what harden adds
to the bandit run it contains, as a share of bandit's CPU.

With ``--suite`` it also runs ``harden --priority all --model builtin`` (offline) on
flask's whole sdist with its tests (a venv made as bench/field.py makes one) and on the
bundled example, and prints the full-suite runs per accepted patch from report.json
(``suite_runs.full``; "n/a" when the reports do not carry it).
It prints figures; it asserts nothing. Needs PyPI (pip) the first time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from field import GIT, fetch_sdist, lay_out, make_venv, sh

# name -> (version, the package folder inside the sdist)
TREES: dict[str, tuple[str, str]] = {
    "flask": ("3.1.3", "src/flask"),
    "requests": ("2.34.2", "src/requests"),
    "django": ("5.2.19", "django"),
}
# harden beside this interpreter (run the bench with harden's venv python), else on PATH
HARDEN = next(
    (str(p) for p in (Path(sys.executable).parent / "harden",) if p.exists()),
    shutil.which("harden") or "harden",
)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples"


_NO_PYC = "PYTHONDONTWRITEBYTECODE"


@dataclass(frozen=True)
class Usage:
    """What one command cost: CPU seconds (itself and its children) and peak RSS in MB."""

    cpu: float
    rss_mb: float
    code: int


def measure(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Usage:
    """Run ``argv`` (output discarded) and read its resource usage from ``wait4``.

    Python may keep compiled modules (``PYTHONDONTWRITEBYTECODE`` is dropped): an install
    from a wheel has them, so a checkout that compiled its modules at every start would
    measure its compiler, not harden."""
    quiet = subprocess.DEVNULL
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != _NO_PYC}
    process = subprocess.Popen(argv, cwd=cwd, stdout=quiet, stderr=quiet, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Usage(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def compile_harden(command: list[str], repo: Path) -> None:
    """One plan whose results are thrown away: it leaves the measured harden's modules
    compiled, as installing its wheel does."""
    with tempfile.TemporaryDirectory(prefix="harden-perf-warm-") as cache:
        env = {**os.environ, "HARDEN_CACHE_DIR": cache}
        measure([*command, "plan", "--priority", "security", str(repo)], env=env)


def package_repo(name: str, work: Path) -> Path:
    """The package folder of ``name``'s sdist as a git repo with one commit."""
    version, folder = TREES[name]
    sdist = fetch_sdist(name, version, work)
    repo = work / name / "package"
    if (repo / ".git").exists():
        return repo
    unpack = work / name / "_unpack"
    shutil.rmtree(unpack, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        tar.extractall(unpack, filter="data")
    top = next(unpack.iterdir())
    shutil.move(str(top / folder), repo)
    shutil.rmtree(unpack)
    sh(["git", "init", "-q", "-b", "main"], repo)
    sh(["git", "add", "-A"], repo)
    sh([*GIT, "commit", "-q", "-m", "sdist"], repo)
    return repo


def scan_row(name: str, repo: Path, command: list[str]) -> str:
    """One tree's figures; harden's first plan is cold (its own, fresh cache folder)."""
    harden = [*command, "plan", "--priority", "security", str(repo)]
    with tempfile.TemporaryDirectory(prefix="harden-perf-cache-") as cache:
        env = {**os.environ, "HARDEN_CACHE_DIR": cache}
        first = measure(harden, env=env)
        rest = _peers_and_rescan(repo, harden, env)
    return _scan_cells(name, repo, first, *rest)


def _peers_and_rescan(
    repo: Path, harden: list[str], env: dict[str, str]
) -> tuple[Usage, Usage, Usage]:
    bandit = measure([sys.executable, "-m", "bandit", "-r", "-q", str(repo)])
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "S"]
    ruffed = measure([*ruff, str(repo)])
    again = measure(harden, env=env)
    return bandit, ruffed, again


def _scan_cells(
    name: str, repo: Path, first: Usage, bandit: Usage, ruffed: Usage, again: Usage
) -> str:
    lines = sum(len(p.read_bytes().splitlines()) for p in repo.rglob("*.py"))
    cells = [
        f"{name} ({lines // 1000}k lines)",
        f"{first.cpu:.2f}",
        f"{bandit.cpu:.2f}",
        f"{ruffed.cpu:.3f}",
        f"{first.cpu / bandit.cpu:.2f}x",
        f"{(first.cpu - bandit.cpu) / bandit.cpu:.2f}x",
        f"{first.cpu / max(ruffed.cpu, 0.001):.0f}x",
        f"{again.cpu:.2f} ({again.cpu / bandit.cpu:.2f}x)",
        f"{max(first.rss_mb, again.rss_mb):.0f}",
    ]
    failed = [n for n, u in (("harden", first), ("rescan", again)) if u.code != 0]
    return " | ".join(cells) + (f" | exit != 0: {', '.join(failed)}" if failed else "")


SCAN_HEADER = (
    "tree | harden plan CPU s | bandit -r CPU s | ruff --select S CPU s | harden/bandit | "
    "(harden - bandit)/bandit | harden/ruff | unchanged rescan CPU s (/bandit) | harden peak RSS MB"
)


def suite_runs(repo: Path, python: Path, log: Path) -> str:
    """``harden --priority all --model builtin`` on ``repo``: full-suite runs per accepted
    patch, from every report.json the run wrote."""
    argv = [HARDEN, "run", "--priority", "all", "--model", "builtin"]
    with log.open("w") as out:
        argv += ["--python", str(python), str(repo)]
        subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    reports = [json.loads(p.read_text()) for p in repo.glob(".harden/runs/*/report.json")]
    accepted = sum(len(r.get("commits", [])) for r in reports)
    fulls = [r["suite_runs"]["full"] for r in reports if "suite_runs" in r]
    if len(fulls) < len(reports) or not reports:
        return f"accepted {accepted}, full-suite runs n/a (no suite_runs in report.json)"
    per = f"{sum(fulls) / accepted:.2f}" if accepted else "n/a (no patch accepted)"
    return f"accepted {accepted}, full-suite runs {sum(fulls)}, per accepted patch {per}"


def example_repo(work: Path) -> tuple[Path, Path]:
    """The bundled example as a git repo, and a venv with its requirements and pytest."""
    repo = work / "example" / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(EXAMPLE, repo)
    sh(["git", "init", "-q", "-b", "main"], repo)
    sh(["git", "add", "-A"], repo)
    sh([*GIT, "commit", "-q", "-m", "example"], repo)
    venv = work / "example" / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        sh([sys.executable, "-m", "venv", str(venv)])
        reqs = ["-r", str(repo / "requirements.txt"), "pytest", "coverage"]
        sh([str(python), "-m", "pip", "install", "-q", *reqs])
    return repo, python


def suite_rows(work: Path) -> list[str]:
    version, _ = TREES["flask"]
    repo = work / "flask" / "sdist-repo"
    lay_out(fetch_sdist("flask", version, work), repo)
    python = make_venv("flask", repo, work / "flask" / "venv")
    rows = [f"flask sdist (its tests): {suite_runs(repo, python, work / 'flask' / 'run.log')}"]
    example, example_python = example_repo(work)
    log = work / "example" / "run.log"
    rows.append(f"bundled example: {suite_runs(example, example_python, log)}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "harden-perf")
    parser.add_argument("--only", nargs="*", default=None, help="trees to scan")
    parser.add_argument("--suite", action="store_true", help="also the full-suite runs")
    parser.add_argument(
        "--harden", default=HARDEN, help="the harden command to measure (split as a shell does)"
    )
    args = parser.parse_args()
    work = args.work.resolve()
    command = shlex.split(args.harden)
    names = list(TREES) if args.only is None else args.only
    compile_harden(command, package_repo(names[0], work))
    print(SCAN_HEADER, flush=True)
    for name in names:
        print(scan_row(name, package_repo(name, work), command), flush=True)
    if args.suite:
        for row in suite_rows(work):
            print(row, flush=True)
    print(f"work dir: {work}")


if __name__ == "__main__":
    main()
