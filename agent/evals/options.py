"""The options of ``harden eval`` (declared here so agent/cli.py only wires the command).

This module imports click only: cli.py imports it at start-up. Paths default to the
project in the current directory: evals/results and evals/cassettes; thresholds come from
its pyproject.toml. The cases come from --cases-dir, else ``[tool.harden] cases``, else
the project's evals/cases, else the cases harden ships; the blessed baselines live in
``baselines/`` beside the cases folder. Prompts: --prompts-dir, else
``[tool.harden] prompts``, else the bundled ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from agent.evals.action import EvalOptions

__all__ = ["eval_options", "read_requirements", "to_options"]

_PRIORITIES = ["security", "errors", "observability", "ai", "performance", "tests"]
_PATH = click.Path(path_type=Path)


def eval_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--prompt", "prompts", multiple=True, help="Prompt version(s) to score, "
                     "e.g. fix/security@v2 (default: fix/<priority>, latest per case)."),
        click.option("--baseline", help="A prompt version to run beside it, or a result .json "
                     "(default: the blessed file in evals/baselines/)."),
        click.option("--model", default="builtin", show_default=True,
                     help="provider/model, or 'builtin' for the codemod engine."),
        click.option("--base-url", help="Base URL of an OpenAI-compatible server."),
        click.option("-k", "--samples", type=click.IntRange(min=1), default=1, show_default=True),
        click.option("--cases", "cases", multiple=True, help="Case ids (comma list, repeatable)."),
        click.option("--priority", type=click.Choice(_PRIORITIES), help="Only these cases."),
        click.option("--record", is_flag=True, help="Record model exchanges as cassettes."),
        click.option("--replay", is_flag=True, help="Replay cassettes: no network, no key."),
        click.option("--bless", is_flag=True, help="Make this result the new baseline."),
        click.option("--budget", type=click.FloatRange(min=0, min_open=True), help="Max USD."),
        click.option("--out", type=_PATH, help="Results directory (default evals/results)."),
        click.option("--jobs", type=click.IntRange(1, 32), default=1, show_default=True,
                     help="Samples scored at once (cassette runs use 1)."),
        click.option("--cases-dir", type=_PATH, help="Default: evals/cases."),
        click.option("--prompts-dir", type=_PATH, help="Prompts root (default: bundled)."),
        click.option("--python", help="Interpreter to run the cases' tests with."),
        click.option("--test-timeout", type=click.FloatRange(min=1), default=120.0),
        click.option("--json", "json_output", is_flag=True, help="Print the result as JSON."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def to_options(flags: dict[str, Any], project: Path) -> EvalOptions:
    from agent.config import custom_dirs
    from agent.evals.action import EvalOptions
    from agent.evals.errors import EvalError
    from agent.report.console import note
    from agent.resources import bundled_dir
    from agent.sandbox.depenv import bundled_python

    record, replay = flags.pop("record"), flags.pop("replay")
    if record and replay:
        raise EvalError("--record and --replay exclude each other")
    mode = "record" if record else "replay" if replay else "off"
    evals = project / "evals"
    custom = custom_dirs(project)
    cases_dir = flags.pop("cases_dir") or custom.cases or _default_cases(evals / "cases")
    if flags["python"] is None and cases_dir == bundled_dir("evals") / "cases":
        # the cases' own libraries: the example's, and those evals/requirements.txt adds
        also = read_requirements(cases_dir.parent / "requirements.txt")
        flags["python"] = bundled_python("harden eval", note, also)
    return EvalOptions(
        project=project,
        cases_dir=cases_dir,
        out=flags.pop("out") or evals / "results",
        baselines_dir=cases_dir.parent / "baselines",
        cassettes_dir=evals / "cassettes",
        prompts_root=flags.pop("prompts_dir") or custom.prompts,
        cassettes=mode,
        cases=tuple(_split(flags.pop("cases"))),
        **flags,
    )


def read_requirements(path: Path) -> list[str]:
    """The package lines of a requirements file ([] when there is none); comments dropped."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _default_cases(own: Path) -> Path:
    from agent.resources import bundled_dir

    return own if own.is_dir() else bundled_dir("evals") / "cases"


def _split(values: Iterable[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]
