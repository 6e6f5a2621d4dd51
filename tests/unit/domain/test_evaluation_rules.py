"""Pseudonyms and k-anonymity: the rules of the evaluation extract."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.evaluation import (
    K,
    QuasiIdentifiers,
    Release,
    age_band,
    k_anonymise,
    pseudonym,
    quarter,
    release_of,
)


def test_a_pseudonym_is_stable_under_one_key_and_different_under_another() -> None:
    one, two = b"k" * 32, b"j" * 32
    assert pseudonym(one, "case-1") == pseudonym(one, "case-1")
    assert pseudonym(one, "case-1") != pseudonym(one, "case-2")
    assert pseudonym(one, "case-1") != pseudonym(two, "case-1")
    assert "case" not in pseudonym(one, "case-1")


def test_bands_and_quarters() -> None:
    assert [age_band(a) for a in (18, 24, 25, 44, 45, 55, None)] == [
        "18-24",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55+",
        "not known",
    ]
    assert age_band(40, wide=True) == "35-54"
    assert (quarter("2026-05"), quarter("2026-12"), quarter("not released")) == (
        "2026-Q2",
        "2026-Q4",
        "not released",
    )


def test_a_fixture_that_breaks_k_anonymity_is_coarsened_until_it_holds() -> None:
    """Five released in May and four in April, all in one band and prison: by month, April's
    four stand out; by quarter, all nine are alike."""
    people = [QuasiIdentifiers(30, "2026-05", "Category C (men)")] * 5 + [
        QuasiIdentifiers(31, "2026-04", "Category C (men)")
    ] * 4
    result = k_anonymise(people)
    assert result.withheld == 0
    assert result.coarsened == 9
    assert {s.release_period for s in result.shown if s} == {"2026-Q2"}


def test_what_still_stands_out_is_withheld_and_counted() -> None:
    people = [QuasiIdentifiers(30, "2026-05", "Category C (men)")] * 6 + [
        QuasiIdentifiers(70, "2025-01", "Category D (men)")
    ]
    result = k_anonymise(people)
    assert result.withheld == 1
    assert result.coarsened == 0
    shown = Counter(s for s in result.shown if s is not None)
    assert all(n >= K for n in shown.values())


TODAY = dt.date(2026, 7, 1)
MAY = dt.date(2026, 5, 22)
_S = CaseStatus


@pytest.mark.parametrize(
    ("status", "was_out", "expected"),
    [
        # Out of custody by their status: released, on the case's release date.
        (_S.RELEASED, True, "2026-05"),
        (_S.SUPPORTED_IN_COMMUNITY, True, "2026-05"),
        # A status history that went through Released: closed in the community.
        (_S.CLOSED, True, "2026-05"),
        # Never out: still inside, or closed or declined before release.
        (_S.RECOMMENDED, False, "not released"),
        (_S.ACCEPTED, False, "not released"),
        (_S.ENGAGED_IN_CUSTODY, False, "not released"),
        (_S.DECLINED, False, "not released"),
        (_S.CLOSED, False, "not released"),
    ],
)
def test_a_release_without_its_release_day_record_is_still_a_release(
    status: CaseStatus, was_out: bool, expected: str
) -> None:
    """Supported in the community was given as "not released": the extract looked only for
    a release-day record. Every status is checked for the same mistake."""
    assert {s.value for s in CaseStatus} == {
        "recommended",
        "accepted",
        "declined",
        "engaged_in_custody",
        "released",
        "supported_in_community",
        "closed",
    }  # a new status needs its row above
    assert release_of(status.value, None, MAY, was_out, TODAY).month == expected


def test_the_release_day_record_wins_and_a_date_to_come_is_not_known() -> None:
    recorded = dt.date(2026, 3, 3)
    # A recall took the case back to Recommended: the recorded release still happened.
    assert release_of("recommended", recorded, None, True, TODAY) == Release(True, recorded)
    assert release_of("supported_in_community", recorded, MAY, True, TODAY).month == "2026-03"
    # Out by status, with no date or one not come yet: released, month not known.
    for date in (None, dt.date(2026, 8, 1)):
        release = release_of("supported_in_community", None, date, True, TODAY)
        assert release == Release(True, None)
        assert release.month == "released, month not known"
    # Still inside with a date already passed (not yet recorded): not released.
    assert release_of("engaged_in_custody", None, MAY, False, TODAY).month == "not released"
