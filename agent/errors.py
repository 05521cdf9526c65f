"""The errors of harden: one tree, each error a one-line message and an exit code.

``cli.main`` prints any ``HardenError`` that reaches it as ``Error: <message>`` and exits
with its ``exit_code``. The classes defined here are the ones the CLI reports; the others
live beside the one package that raises them, and most are caught there (marked "caught").

Exception tree (exit 1 unless said)::

    HardenError
    ├── NotARepoError           the target is missing, not a git repo, or has no commits
    ├── NoPythonFilesError      nothing to scan
    ├── ConfigError             a bad option, [tool.harden] value or --test-command
    │   └── UsageError          exit 2: a value of the wrong form (e.g. --model)
    ├── ToolError               ruff, bandit or git failed in a way we cannot recover from
    ├── LockedError             another harden run holds the repo's lock
    ├── PriorityFailedError     --priority all: a priority could not run (the others did)
    ├── ReportError             the run's reports could not be written (its branch stays)
    ├── PromptError             (llm.prompts) a prompt file or its variables are malformed
    ├── ChunkError              (fix.chunk) a module cannot be cut into chunks for a model
    ├── CaseError               (evals.case) an eval case directory is malformed
    ├── EvalError               (evals.errors) exit 2: the eval could not run
    │   ├── MissingCassette     --replay found no recording
    │   ├── ProviderFailed      the provider refused a call for good
    │   └── BudgetSpent         --budget refused a call before the eval finished
    ├── ProviderError           (llm.base) a model call failed; caught by llm.client
    │   ├── TransientError      retried
    │   └── FatalError          not retried
    │       ├── InvalidRequestError the server called the request invalid (400/422)
    │       ├── UnparsableError the reply is not JSON of the schema
    │       └── OverBudget      (llm.call) the budget ran out while retrying
    ├── BudgetExceeded          (llm.budget) a call refused before it was made; caught
    ├── UnsafeCacheValue        (llm.cache) a cache row not stored as JSON text; caught
    ├── ApplyError              (fix.apply) a model's edit did not apply; caught
    ├── DependencyError         (sandbox.depenv) a fix's dependency could not be installed;
    │                           caught (the patch cannot be validated)
    ├── SourceDecodeError       (scan.source) also a ValueError: Python cannot read the file;
    │                           caught (the file is skipped)
    └── SourceEncodingError     (scan.source) also a ValueError: new text does not fit the
                                file's encoding; caught (the patch is refused)

The two source errors keep ``ValueError`` as a second base: callers that read source
with ``ast.parse`` catch ``(SyntaxError, ValueError)`` for both at once.

Anything else is a bug: a traceback (and under ``HARDEN_DEBUG=1`` a HardenError is one too).

``RunInterrupted`` is the one exception outside the tree, on purpose: it is the
KeyboardInterrupt (Ctrl-C, SIGTERM) of a run, carrying what the run left behind (a branch
with commits) for the CLI to say. It must unwind like Ctrl-C past every ``except
Exception`` (ours, click's, the libraries'), and anything that is a HardenError is an
Exception; so it derives from KeyboardInterrupt alone, and the CLI exits 130 for it.
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
    """Base of every error that is reported as one line: ``message`` is that line (the
    lines of a longer text, e.g. a tool's output, joined with "; ")."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = "; ".join(filter(None, (line.strip() for line in message.splitlines())))


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
