"""Why an eval could not run: every one exits 2, distinct from a regression's exit 1.

Exception tree::

    HardenError
    └── EvalError           the eval could not run (bad args, no cases, bad thresholds)
        ├── MissingCassette --replay found no recording for a case and sample
        ├── ProviderFailed  the model provider refused a call for good
        └── BudgetSpent     --budget refused a call before the eval finished
"""

from __future__ import annotations

from agent.errors import HardenError

__all__ = ["BudgetSpent", "EvalError", "MissingCassette", "ProviderFailed"]


class EvalError(HardenError):
    exit_code = 2


class MissingCassette(EvalError):
    pass


class ProviderFailed(EvalError):
    pass


class BudgetSpent(EvalError):
    pass
