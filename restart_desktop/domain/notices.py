"""Change notices: what one committed write changed, so that every view showing it can
refresh itself (round 2: "writes announce what they changed").

A notice names the cases (person ids; ``None`` for team records such as barriers) and the
kinds of record (table names: "people", "contact_notes", "referrals"...) a transaction
wrote. It says nothing of values: it may travel to any view and to the log-free Qt side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeNotice:
    """The cases and kinds of record one committed transaction (or a burst of them) changed."""

    cases: frozenset[str | None]
    kinds: frozenset[str]

    def touches(self, kind: str, case: str | None = None) -> bool:
        """Whether this changed records of ``kind`` (of ``case``, when one is given)."""
        return kind in self.kinds and (case is None or case in self.cases)

    def touches_any(self, kinds: Iterable[str], case: str | None = None) -> bool:
        """Whether this changed records of any of ``kinds`` (of ``case``, when given)."""
        if case is not None and case not in self.cases:
            return False
        return not self.kinds.isdisjoint(kinds)

    def __or__(self, other: ChangeNotice) -> ChangeNotice:
        """Two notices as one (a burst coalesced into one refresh)."""
        return ChangeNotice(self.cases | other.cases, self.kinds | other.kinds)

    def __bool__(self) -> bool:
        return bool(self.kinds)


EMPTY = ChangeNotice(frozenset(), frozenset())


def notice_of(touched: Iterable[tuple[str | None, str]]) -> ChangeNotice:
    """A notice from (case, kind) pairs."""
    pairs = list(touched)
    return ChangeNotice(frozenset(c for c, _ in pairs), frozenset(k for _, k in pairs))
