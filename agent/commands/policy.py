"""What the user allowed the confined commands of this process: shared by run, plan and
review, kept apart from the run command so that ``harden plan`` does not import the run's
pipeline."""

from __future__ import annotations

import contextlib

from agent.config import Settings
from agent.errors import ConfigError
from agent.sandbox.childenv import SandboxPolicy, set_policy
from agent.sandbox.suite import resolve_python, started_interpreter

__all__ = ["sandbox_policy"]


def sandbox_policy(settings: Settings) -> None:
    """What the user allowed the confined commands of this process (see agent.sandbox.childenv)."""
    interpreters: tuple[str, ...] = ()
    with contextlib.suppress(ConfigError):  # no interpreter: the run says so where it needs one
        started = started_interpreter(resolve_python(settings.python))
        interpreters = (started,) if started else ()
    set_policy(SandboxPolicy(settings.pass_env, settings.allow_unconfined, interpreters))
