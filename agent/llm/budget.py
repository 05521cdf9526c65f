"""The spending limit of a run: reserve a call's estimated cost before it is made.

``reserve`` refuses a call whose estimate would take spent + reserved past the limit, so
the spend can exceed the limit only by what in-flight calls cost beyond their estimates.
``settle`` replaces a reservation with what the call really cost (never less than zero);
``check_send`` stops a call (or its retry) once others' settled costs reach the limit. Thread-safe.

Exception tree::

    HardenError (agent.errors)
    └── BudgetExceeded  a call was refused: it would exceed the budget, or its cost is
                        unknown and unknown costs are not allowed (LLMClient turns this
                        into the outcome "refused-budget"; it never reaches the user)
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from agent.errors import HardenError

__all__ = ["Budget", "BudgetExceeded", "Reservation"]


class BudgetExceeded(HardenError):
    """The call was not made: it would exceed the budget."""


@dataclass(frozen=True)
class Reservation:
    id: int
    amount_usd: float


class Budget:
    """``limit_usd=None`` means no limit; ``allow_unknown`` admits calls with no estimate."""

    def __init__(self, limit_usd: float | None, allow_unknown: bool = False) -> None:
        self.limit_usd = limit_usd
        self.allow_unknown = allow_unknown
        self.unpriced_calls = 0
        self._spent = 0.0
        self._held: dict[int, float] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def reserve(self, estimate_usd: float | None) -> Reservation:
        """Hold ``estimate_usd`` for a call, or raise BudgetExceeded."""
        with self._lock:
            self._check(estimate_usd)
            reservation = Reservation(next(self._ids), estimate_usd or 0.0)
            self._held[reservation.id] = reservation.amount_usd
            return reservation

    def _check(self, estimate_usd: float | None) -> None:
        if self.limit_usd is None:
            return
        if estimate_usd is None:
            if not self.allow_unknown:
                raise BudgetExceeded(
                    "the model's price is unknown, so a --budget run cannot bound its cost "
                    "(add its price under [tool.harden.pricing] or pass --allow-unknown-cost)"
                )
            return
        committed = self._spent + sum(self._held.values())
        if committed + estimate_usd > self.limit_usd:
            raise BudgetExceeded(
                f"this call (~${estimate_usd:.4f}) would exceed the budget of "
                f"${self.limit_usd:.2f} (spent ${self._spent:.4f}, in flight "
                f"${committed - self._spent:.4f}); raise --budget to go on"
            )

    def check_send(self, billed_usd: float | None) -> None:
        """Raise BudgetExceeded if a call holding a reservation may not send (again) now.

        ``billed_usd`` is what its earlier attempts were billed. Checked right before each
        request: calls that settled since the reservation may have used up the budget.
        """
        with self._lock:
            if self.limit_usd is None:
                return
            committed = self._spent + sum(self._held.values()) + (billed_usd or 0.0)
            if committed > self.limit_usd + 1e-12:
                raise BudgetExceeded(
                    f"the budget of ${self.limit_usd:.2f} is spent (spent ${self._spent:.4f}, "
                    f"this call's attempts ${billed_usd or 0.0:.4f}); nothing more is sent"
                )

    def settle(self, reservation: Reservation, actual_usd: float | None) -> None:
        """Release the hold and add what the call cost (None: price unknown, counted).

        A negative amount is never added: a refund cannot make room for more calls.
        """
        with self._lock:
            self._held.pop(reservation.id, None)
            if actual_usd is None:
                self.unpriced_calls += 1
            else:
                self._spent += max(actual_usd, 0.0)

    @property
    def exhausted(self) -> bool:
        """True once what was spent has reached the limit."""
        with self._lock:
            return self.limit_usd is not None and self._spent >= self.limit_usd

    def cancel(self, reservation: Reservation) -> None:
        """Release the hold of a call that was never made."""
        with self._lock:
            self._held.pop(reservation.id, None)

    @property
    def spent(self) -> float:
        with self._lock:
            return self._spent

    @property
    def reserved(self) -> float:
        with self._lock:
            return sum(self._held.values())

    @property
    def remaining(self) -> float | None:
        """Dollars not yet spent or reserved; None without a limit."""
        if self.limit_usd is None:
            return None
        with self._lock:
            return max(self.limit_usd - self._spent - sum(self._held.values()), 0.0)
