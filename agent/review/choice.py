"""Which commits a review keeps: ``--keep 1,3-5`` (by number), ``--drop RULE`` (by the
rule of their findings), or one keep/drop decision per commit from the screens."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from agent.errors import UsageError
from agent.review.entries import Entry, rules_of

__all__ = ["Choice", "choose", "parse_keep"]


@dataclass(frozen=True)
class Choice:
    """The commits kept, in branch order, and whether to fold them into one."""

    kept: tuple[Entry, ...]
    squash: bool

    def changes(self, total: int) -> bool:
        """Whether writing this choice makes a branch different from the reviewed one."""
        return self.squash or len(self.kept) != total


def parse_keep(spec: str, count: int) -> set[int]:
    """``1,3-5`` -> {1, 3, 4, 5}; numbers run from 1 to ``count``."""
    numbers: set[int] = set()
    for part in (p.strip() for p in spec.split(",")):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()) or (_ and not high):
            raise UsageError(f"--keep {spec!r}: write commit numbers like 1,3-5")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= count:
            raise UsageError(f"--keep {spec!r}: the branch has commits 1 to {count}")
        numbers.update(range(first, last + 1))
    return numbers


def choose(
    entries: Sequence[Entry], keep: str | None, drop: Collection[str], squash: bool
) -> Choice:
    """The commits the flags keep; keeping none is an error."""
    kept = list(entries)
    if keep is not None:
        numbers = parse_keep(keep, len(entries))
        kept = [e for e in kept if e.number in numbers]
    unknown = set(drop) - {r for e in entries for r in rules_of(e)}
    if unknown:
        raise UsageError(f"--drop {', '.join(sorted(unknown))}: no commit fixes that rule")
    kept = [e for e in kept if not rules_of(e) & set(drop)]
    if not kept:
        raise UsageError("nothing kept: the choice drops every commit")
    return Choice(tuple(kept), squash)
