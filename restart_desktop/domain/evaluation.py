"""The evaluation extract's rules: pseudonyms, coarsened quasi-identifiers, k-anonymity.

A pseudonym is a keyed hash (HMAC-SHA256) of the case id under the team's evaluation key: the
same person has the same pseudonym in every extract made with that key, by any supervisor, and
nobody without the key can go back from it to the case. Quasi-identifiers (age band, release
month, prison group) are what an outsider might know about someone; every combination shown
must be shared by at least ``K`` people, or it is coarsened (release quarter, wider age band),
or the rows are withheld.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from restart_desktop.domain.case import CaseStatus

K = 5  # every combination of quasi-identifiers is shared by at least this many people
PSEUDONYM_CHARS = 20
NOT_RELEASED = "not released"
RELEASED_MONTH_NOT_KNOWN = "released, month not known"
#: The statuses that say the person is out of custody now.
OUT_OF_CUSTODY = frozenset({CaseStatus.RELEASED.value, CaseStatus.SUPPORTED_IN_COMMUNITY.value})


def pseudonym(key: bytes, case_id: str) -> str:
    digest = hmac.new(key, f"restart-evaluation/1:{case_id}".encode(), hashlib.sha256)
    return "p" + digest.hexdigest()[:PSEUDONYM_CHARS]


def age_band(age: int | None, wide: bool = False) -> str:
    """18-24, 25-34, 35-44, 45-54, 55+ (wide: 18-34, 35-54, 55+); "" when not known."""
    if age is None:
        return "not known"
    bands = (
        ((35, "18-34"), (55, "35-54"))
        if wide
        else ((25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"))
    )
    return next((label for top, label in bands if age < top), "55+")


def quarter(month: str) -> str:
    """ "2026-05" as "2026-Q2"; other values as they are."""
    if len(month) == 7 and month[4] == "-":
        return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    return month


@dataclass(frozen=True)
class Release:
    """Whether a person has been released, and the day as far as the record shows."""

    released: bool
    day: dt.date | None = None

    @property
    def month(self) -> str:
        """The release month as the extract gives it: "YYYY-MM", "released, month not
        known" or "not released"."""
        if self.day is not None:
            return f"{self.day:%Y-%m}"
        return RELEASED_MONTH_NOT_KNOWN if self.released else NOT_RELEASED


def release_of(
    status: str,
    recorded: dt.date | None,
    release_date: dt.date | None,
    was_out: bool,
    today: dt.date,
) -> Release:
    """A person's release for the evaluation extract.

    - ``recorded``: the day of their latest release-day record: released that day, whatever
      the status is now (a recall takes a case back to Recommended).
    - Released or Supported in the community, or any status reached after one of them
      (``was_out``: the case's status history; a case closed in the community): released,
      even without a release-day record (moved on by hand, or recorded before release
      plans), on the case's release date when that has come, else on a day not known.
    - Otherwise (Recommended, Accepted, Engaged in custody, Declined, or Closed while still
      inside): not released.
    """
    if recorded is not None:
        return Release(True, recorded)
    if status in OUT_OF_CUSTODY or was_out:
        known = release_date is not None and release_date <= today
        return Release(True, release_date if known else None)
    return Release(False)


@dataclass(frozen=True)
class QuasiIdentifiers:
    age: int | None
    release_month: str  # "YYYY-MM", "released, month not known" or "not released"
    prison_group: str


@dataclass(frozen=True)
class Shown:
    """The quasi-identifiers as the extract shows them."""

    age_band: str
    release_period: str
    prison_group: str


@dataclass(frozen=True)
class Anonymised:
    shown: tuple[Shown | None, ...]  # None: the row is withheld
    coarsened: int  # rows shown at a coarser level than the first
    withheld: int


def _ok(rows: Sequence[Shown | None]) -> bool:
    counts = Counter(r for r in rows if r is not None)
    return all(counts[r] >= K for r in rows if r is not None)


def k_anonymise(people: Sequence[QuasiIdentifiers]) -> Anonymised:
    """Show everyone at the finest level of detail that withholds the fewest people (release
    month, then quarter, then wide age bands, then any prison); withhold what still stands
    out. Every shown combination is then shared by at least K rows."""
    levels: list[Callable[[QuasiIdentifiers], Shown]] = [
        lambda q: Shown(age_band(q.age), q.release_month, q.prison_group),
        lambda q: Shown(age_band(q.age), quarter(q.release_month), q.prison_group),
        lambda q: Shown(age_band(q.age, wide=True), quarter(q.release_month), q.prison_group),
        lambda q: Shown(age_band(q.age, wide=True), quarter(q.release_month), "any"),
    ]
    best: list[Shown | None] = []
    best_level, fewest = 0, len(people) + 1
    for level, make in enumerate(levels):
        rows = [make(q) for q in people]
        sizes = Counter(rows)
        shown: list[Shown | None] = [r if sizes[r] >= K else None for r in rows]
        withheld = shown.count(None)
        if withheld < fewest:
            best, best_level, fewest = shown, level, withheld
        if withheld == 0:
            break
    assert _ok(best)
    coarsened = 0 if best_level == 0 else len(best) - fewest
    return Anonymised(tuple(best), coarsened, fewest)
