"""Dates a person types: the one rule for a mistyped year.

A date more than PLAUSIBLE_YEARS years from today is a typo (0226 for 2026, 2206 for 2026),
never a real consent, custody, assessment or due date: it would sort first or last in every
list, and a far-future due date would never be overdue. Every date typed into a form is
checked with ``year_problem``; the other rules of each date (not in the future, not before
the release) stay with it.
"""

from __future__ import annotations

import datetime as dt

PLAUSIBLE_YEARS = 100


def year_problem(day: dt.date | None, today: dt.date, what: str) -> str | None:
    """Why ``day`` cannot be right, as a sentence about ``what`` (its subject: "The consent
    date"); None when it is within PLAUSIBLE_YEARS years of ``today`` or not given."""
    if day is None or abs(day.year - today.year) <= PLAUSIBLE_YEARS:
        return None
    side = "ago" if day < today else "away"
    return f"{what} is more than {PLAUSIBLE_YEARS} years {side}: check the year."
