"""The command line: parse options into Settings and Output and hand over; no logic of its own.

Error policy: a HardenError is printed as one line ``Error: ...`` with its exit code; a
usage error exits 2; anything else is a bug and keeps its traceback. ``HARDEN_DEBUG=1``
re-raises HardenErrors too.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from agent import __version__
from agent.errors import HardenError, RunInterrupted
from agent.evals.options import eval_options, to_options
from agent.log import configure

# The heavy modules (pydantic, libcst, rich) are imported inside the commands, so that a
# Ctrl-C during start-up is caught by main()'s error policy like any other.

__all__ = ["cli", "main"]

_PRIORITIES = ["security", "errors", "observability", "ai", "performance", "tests", "all"]


class _DefaultGroup(click.Group):
    """``harden [OPTIONS] PATH`` means ``harden run [OPTIONS] PATH``; no arguments: help.

    A first word that is neither a command, an option nor an existing path is a mistyped
    command ("No such command", exit 2), not a path to run on.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        if args[0] not in self.commands and _is_run_argument(args[0]):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _is_run_argument(word: str) -> bool:
    if word.startswith("-"):
        return word not in ("--help", "-h", "--version")
    return os.sep in word or word.startswith(".") or Path(word).exists()


def _common(func: Any) -> Any:
    options = [
        click.argument("path", type=click.Path(path_type=Path), default=Path(".")),
        click.option(
            "--priority",
            type=click.Choice(_PRIORITIES),
            default="security",
            show_default=True,
            help="What to harden.",
        ),
        click.option("--max-findings", type=click.IntRange(min=1), help="Fix at most N."),
        click.option("--json", "json_output", is_flag=True, help="Print the report as JSON."),
        click.option("-v", "--verbose", count=True, help="More log output (-vv: debug)."),
        click.option("--log-format", type=click.Choice(["text", "json"]), default=None),
        click.option("--model", help="provider/model, e.g. openai/gpt-4.1-mini; 'builtin'."),
        click.option("--base-url", help="Base URL of an OpenAI-compatible server."),
        click.option("--exclude", multiple=True, callback=_split, metavar="GLOB",
                     help="Paths not to scan (repeatable; added to [tool.harden] exclude)."),
        click.option("--select", multiple=True, callback=_split, metavar="RULES",
                     help="Only these rules or prefixes, e.g. S,B5 (replaces the config's)."),
        click.option("--ignore", multiple=True, callback=_split, metavar="RULES",
                     help="Rules to drop, e.g. S101 (added to [tool.harden] ignore)."),
        click.option("--since", metavar="REF",
                     help="Scan only the Python files changed from REF to HEAD."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _split(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    """Repeatable and comma lists alike; None when the option was not given."""
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


def _settings(path: Path, **flags: Any) -> tuple[Any, Any]:
    """The run's Settings and the command's Output options, from the parsed flags."""
    from agent.config import load_output, load_settings, priorities_of

    output = load_output(flags.pop("json_output"), flags.pop("verbose"), flags.pop("log_format"))
    configure(output.verbose, output.log_format)
    if not flags.get("pass_env", True):  # not given: leave it to [tool.harden]
        flags["pass_env"] = None
    flags["priorities"] = priorities_of(flags.pop("priority"))
    settings = load_settings(path.resolve() if path.exists() else path, flags)
    return settings, output


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harden")
def cli() -> None:
    """Harden a Python repository for production: scan, fix, validate, commit to a branch."""


@cli.command()
@_common
@click.option("--test-command", help="Command that runs the repo's tests (default: pytest).")
@click.option("--python", "python", help="Interpreter of the project's environment.")
@click.option("--test-timeout", type=click.FloatRange(min=1), help="Seconds per test run.")
@click.option("--budget", type=click.FloatRange(min=0, min_open=True), help="Max USD to spend.")
@click.option(
    "--allow-unknown-cost",
    is_flag=True,
    default=None,
    help="Run a --budget run even when the model's price is unknown.",
)
@click.option("--jobs", type=click.IntRange(1, 32), help="Model calls in flight (default 4).")
@click.option("--resume", metavar="RUN_ID", help="Continue an interrupted run on its branch.")
@click.option(
    "--rerun",
    is_flag=True,
    default=None,
    help="Run even when a finished run of this commit with the same settings exists.",
)
@click.option(
    "--pass-env",
    metavar="NAME",
    multiple=True,
    help="Pass this environment variable to the tests (repeatable); others stay out.",
)
@click.option(
    "--allow-unconfined",
    is_flag=True,
    default=None,
    help="Run model-written tests even when no sandbox (bubblewrap, Landlock) is available.",
)
@click.option(
    "--characterize/--no-characterize",
    default=None,
    help="With a model, on a repo without tests: have each function's current behaviour "
    "pinned by a test file before it is fixed; every patch must keep it passing "
    "(on by default; one more model call per function).",
)
def run(path: Path, **flags: Any) -> None:
    """Scan PATH, fix what can be fixed, validate, commit to harden/<priority>/<run-id>."""
    from agent.commands.run import run_action

    sys.exit(run_action(*_settings(path, **flags)))


@cli.command()
@_common
@click.option("--test-command", help="Command that runs the repo's tests (default: pytest).")
@click.option("--python", "python", help="Interpreter of the project's environment.")
@click.option("--test-timeout", type=click.FloatRange(min=1), help="Seconds per test run.")
@click.option("--pass-env", metavar="NAME", multiple=True, help="Pass this variable to the tests.")
@click.option(
    "--fail-on",
    type=click.Choice(["low", "medium", "high"]),
    help="Exit 1 when a finding of this severity or higher is listed (default: never).",
)
@click.option(
    "--rerun",
    is_flag=True,
    default=None,
    help="Plan anew even when an identical plan of this unchanged commit can be replayed.",
)
def plan(path: Path, **flags: Any) -> None:
    """List the findings and what harden would do with each; changes nothing.

    For the tests priority, the suite runs under coverage on a snapshot of the base commit
    to find the functions no test reaches. An identical plan of an unchanged commit is
    replayed (--rerun: planned anew).
    """
    from agent.commands.plan import plan_action
    from agent.models import Severity
    from agent.run.replay.front import note_target

    note_target(path)  # the repository's state, before the settings are read from it
    fail_on = flags.pop("fail_on")
    settings, output = _settings(path, **flags)
    sys.exit(plan_action(settings, output, None if fail_on is None else Severity(fail_on)))


@cli.command()
@click.option("--json", "json_output", is_flag=True, help="Print the report as JSON.")
@click.option("-v", "--verbose", count=True)
def demo(json_output: bool, verbose: int) -> None:
    """Run harden on a copy of the bundled example app, in a temporary git repo."""
    from agent.commands.demo import demo_action
    from agent.config import load_output

    output = load_output(json_output, verbose)
    configure(output.verbose, output.log_format)
    sys.exit(demo_action(output))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--json", "json_output", is_flag=True, help="Print the scorecard as JSON.")
@click.option(
    "--production-md",
    "draft",
    type=click.Path(path_type=Path),
    help="Also write a draft PRODUCTION.md to this path (never over a file without --force).",
)
@click.option("--force", is_flag=True, help="Let --production-md replace an existing file.")
def checklist(path: Path, json_output: bool, draft: Path | None, force: bool) -> None:
    """Score PATH (at HEAD) against the production checklist: pass, fail or n/a per item."""
    from agent.commands.checklist import Draft, checklist_action
    from agent.config import Output

    target = Draft(draft, force) if draft else None
    sys.exit(checklist_action(path, Output(as_json=json_output), target))


@cli.command()
@click.option("--json", "json_output", is_flag=True, help="Print the spend as JSON.")
def cost(json_output: bool) -> None:
    """Spend per run, model and prompt version, from the ledger of every model call."""
    from agent.commands.cost import cost_action
    from agent.config import Output

    sys.exit(cost_action(Output(as_json=json_output)))


@cli.command()
@click.option("--prompts-dir", type=click.Path(path_type=Path), help="Default: [tool.harden] "
              "prompts of the project here, else the prompts harden ships.")  # fmt: skip
@click.option("--lock", is_flag=True, help="Release the new versions: add them to prompts.lock.")
def prompts(prompts_dir: Path | None, lock: bool) -> None:
    """Prompt versions: id, version, description, content hash, lock status (exit 1: drift)."""
    from agent.commands.prompts import prompts_action
    from agent.config import custom_dirs

    sys.exit(prompts_action(prompts_dir or custom_dirs(Path.cwd()).prompts, lock))


@cli.command()
@click.argument("branch", required=False)
@click.option(
    "-C",
    "--repo",
    "path",
    type=click.Path(path_type=Path),
    default=Path("."),
    help="The repository (default: here).",
)
@click.option("--keep", metavar="N,M-K", help="Keep these commits (numbered from 1).")
@click.option(
    "--drop",
    multiple=True,
    callback=_split,
    metavar="RULE",
    help="Drop the commits that fix findings of RULE (repeatable).",
)
@click.option("--squash", is_flag=True, help="Fold the kept commits into one (all trailers).")
@click.option("--json", "as_json", is_flag=True, help="Print the commits and their evidence.")
@click.option("--pr-body", is_flag=True, help="Print the pull-request body for what is kept.")
@click.option("--python", help="Interpreter to run the repo's tests with.")
def review(**flags: Any) -> None:
    """Review BRANCH (default: the latest run's) commit by commit; keep, drop or squash
    commits onto a new branch and re-run the tests there."""
    configure(0, "text")
    from agent.commands.review import ReviewRequest, review_action

    flags["drop"] = flags["drop"] or ()
    sys.exit(review_action(ReviewRequest(**flags)))


@cli.command(name="eval")
@eval_options
def eval_command(**flags: Any) -> None:
    """Score prompt versions (or the builtin engine) on the eval cases; exit 1 on regression."""
    configure(0, "text")
    from agent.evals.action import eval_action

    sys.exit(eval_action(to_options(flags, Path.cwd())))


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the worktree is removed on the way out."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from agent.config import load_dotenv

        load_dotenv(Path.cwd() / ".env")
        cli.main(prog_name="harden", standalone_mode=False)
    except HardenError as exc:
        from agent.config import read_environment

        if read_environment().debug:
            raise
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort) as exc:
        click.echo(
            "Error: interrupted; the worktree was removed and your checkout is untouched", err=True
        )
        if left := _left_behind(exc):
            click.echo(left, err=True)
        sys.exit(130)


def _left_behind(exc: BaseException) -> str:
    """What an interrupted run left (click wraps the interrupt in an Abort)."""
    for cause in (exc, exc.__cause__):
        if isinstance(cause, RunInterrupted):
            return cause.left
    return ""
