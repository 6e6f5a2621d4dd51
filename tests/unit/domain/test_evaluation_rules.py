"""Pseudonyms and k-anonymity: the rules of the evaluation extract."""

from __future__ import annotations

from collections import Counter

from restart_desktop.domain.evaluation import (
    K,
    QuasiIdentifiers,
    age_band,
    k_anonymise,
    pseudonym,
    quarter,
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
