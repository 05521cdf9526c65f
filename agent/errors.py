"""Errors a user can act on. Each carries a one-line message and an exit code.

Exception tree::

    HardenError                 exit 1
    ├── NotARepoError           the target is missing, not a git repo, or has no commits
    ├── NoPythonFilesError      nothing to scan
    ├── ConfigError             a bad option, [tool.harden] value or --test-command
    │   └── UsageError          exit 2: a value of the wrong form (e.g. --model)
    ├── ToolError               ruff, bandit or git failed in a way we cannot recover from
    ├── LockedError             another harden run holds the repo's lock
    ├── PriorityFailedError     --priority all: a priority could not run (the others did)
    └── ReportError             the run's reports could not be written (its branch stays)

Anything else is a bug: it is shown as a traceback under ``HARDEN_DEBUG=1``.

``RunInterrupted`` is not one of them: it is the KeyboardInterrupt (Ctrl-C, SIGTERM) of a
run, carrying what the run left behind (a branch with commits) for the CLI to say.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "HardenError",
    "LockedError",
    "NoPythonFilesError",
    "NotARepoError",
    "PriorityFailedError",
    "ReportError",
    "RunInterrupted",
    "ToolError",
    "UsageError",
]


class HardenError(Exception):
    """Base of every error that is reported as one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotARepoError(HardenError):
    pass


class NoPythonFilesError(HardenError):
    pass


class ConfigError(HardenError):
    pass


class UsageError(ConfigError):
    exit_code = 2


class ToolError(HardenError):
    pass


class LockedError(HardenError):
    pass


class PriorityFailedError(HardenError):
    pass


class ReportError(HardenError):
    pass


class RunInterrupted(KeyboardInterrupt):
    """A run was interrupted; ``left`` says what it left and how to resume it, or is ""."""

    def __init__(self, left: str) -> None:
        super().__init__(left)
        self.left = left
