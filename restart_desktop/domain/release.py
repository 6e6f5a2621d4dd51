"""Release-date rules: Friday and pre-bank-holiday releases, and the Duty to Refer window.

Every rule takes ``today`` (and the bank holidays) as arguments rather than looking them up, so
the rules are the same in the caseload, in reports and in tests. Bank holidays come from
resources/bank_holidays.csv via the reference data; nothing here works them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FRIDAY = 4  # date.weekday()
DUTY_TO_REFER_DAYS = 56  # Homelessness Reduction Act 2017, s.10: "within 56 days"

_ONE_DAY = dt.timedelta(days=1)


def is_working_day(d: dt.date, holidays: frozenset[dt.date]) -> bool:
    """Monday to Friday and not a bank holiday: the days services are open."""
    return d.weekday() < 5 and d not in holidays


def is_friday(d: dt.date) -> bool:
    return d.weekday() == FRIDAY


def is_day_before_bank_holiday(d: dt.date, holidays: frozenset[dt.date]) -> bool:
    """True when ``d`` is the last working day before a bank holiday.

    Only a weekend may lie in between, so the Friday before a bank-holiday Monday counts (and
    is a Friday release too), as does the Thursday before Good Friday. A date that is itself a
    weekend day or bank holiday is not a release day, so it never counts.
    """
    if not is_working_day(d, holidays):
        return False
    nxt = d + _ONE_DAY
    while nxt.weekday() >= 5 and nxt not in holidays:
        nxt += _ONE_DAY
    return nxt in holidays


def days_to_release(release: dt.date, today: dt.date) -> int:
    """Whole days from ``today`` to ``release``: 0 on the day, negative once it has passed."""
    return (release - today).days


def duty_to_refer_due(release: dt.date | None, has_settled_address: bool, today: dt.date) -> bool:
    """A Duty to Refer is due: release today or within 56 days and no settled address."""
    if release is None or has_settled_address:
        return False
    return 0 <= days_to_release(release, today) <= DUTY_TO_REFER_DAYS


@dataclass(frozen=True)
class ReleaseFlags:
    """What a worker needs to notice about a release date, worked out for one ``today``."""

    friday: bool
    pre_bank_holiday: bool
    duty_to_refer: bool
    days_to_release: int | None
    released: bool = False  # the case says the person is out, whatever the date says

    @property
    def upcoming(self) -> bool:
        """The release is today or later: there is still something to plan."""
        if self.released:
            return False
        return self.days_to_release is not None and self.days_to_release >= 0

    @property
    def needs_weekend_plan(self) -> bool:
        """An upcoming Friday or pre-bank-holiday release: ask to bring it forward, or plan."""
        return self.upcoming and (self.friday or self.pre_bank_holiday)

    def describe(self) -> list[str]:
        """Short labels for the caseload and case file, most urgent first.

        Friday and bank-holiday labels are for upcoming releases only: once someone is out,
        the label would only be noise in the caseload.
        """
        labels = []
        if self.duty_to_refer:
            labels.append("Duty to Refer due")
        if self.upcoming and self.friday:
            labels.append("Friday release")
        if self.upcoming and self.pre_bank_holiday:
            labels.append("Release before a bank holiday")
        return labels


def release_flags(
    release: dt.date | None,
    has_settled_address: bool,
    today: dt.date,
    holidays: frozenset[dt.date],
    released: bool = False,
) -> ReleaseFlags:
    """All the release flags for one case; no release date means no flags.

    ``released``: the case's status says the person is already out (released, supported in
    the community, closed): nothing is left to plan for the release day, whatever the date.
    """
    if release is None:
        return ReleaseFlags(
            friday=False, pre_bank_holiday=False, duty_to_refer=False, days_to_release=None
        )
    return ReleaseFlags(
        friday=is_friday(release),
        pre_bank_holiday=is_day_before_bank_holiday(release, holidays),
        duty_to_refer=not released and duty_to_refer_due(release, has_settled_address, today),
        days_to_release=days_to_release(release, today),
        released=released,
    )
