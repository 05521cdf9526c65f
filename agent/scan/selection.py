"""What a scan for some priorities runs: which ruff rules, which bandit tests, which checks.

A scan for ``--priority security`` needs neither the errors checker nor ruff's logging
rules; a scan for ``errors`` needs bandit only for B110/B112 (they merge with ruff's
S110/S112 and bring bandit's severity). Whatever runs, the findings of the chosen
priorities are the ones a scan of every priority would find: only work whose findings
would be dropped is left out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from agent.models import Priority
from agent.scan.rules import RUFF_SELECT, priority_of

__all__ = ["ScanSelection"]

# bandit's tests whose findings belong to a priority other than security.
_BANDIT_ERRORS = ("B110", "B112")


@dataclass(frozen=True)
class ScanSelection:
    """``priorities`` None: every priority (what a run and the funnel need)."""

    priorities: frozenset[Priority] | None = None

    @classmethod
    def of(cls, priorities: Collection[Priority] | None) -> ScanSelection:
        if priorities is None or Priority.TESTS in priorities:  # its targets need them all
            return cls(None)
        return cls(frozenset(priorities))

    def wants(self, priority: Priority) -> bool:
        return self.priorities is None or priority in self.priorities

    def wants_rule(self, rule: str) -> bool:
        return self.wants(priority_of(rule))

    def ruff_select(self) -> str:
        """ruff's rules for these priorities ('' when none is needed)."""
        codes = RUFF_SELECT.split(",")
        return ",".join(c for c in codes if self._ruff_code_wanted(c))

    def _ruff_code_wanted(self, code: str) -> bool:
        if code == "S":  # S110/S112 are errors, the rest security
            return self.wants(Priority.SECURITY) or self.wants(Priority.ERRORS)
        return self.wants(priority_of(code))

    def bandit_tests(self) -> tuple[str, ...] | None:
        """bandit's tests to run: None for all of them, () for none."""
        if self.wants(Priority.SECURITY):
            return None
        return _BANDIT_ERRORS if self.wants(Priority.ERRORS) else ()
