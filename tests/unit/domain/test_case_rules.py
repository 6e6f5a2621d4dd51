"""Case statuses, labels, eligibility warnings and field checks."""

import datetime as dt

import pytest

from restart_desktop.domain.case import (
    ALLOWED_TRANSITIONS,
    CaseStatus,
    ConsentMethod,
    ReferralSource,
    Role,
    eligibility_warnings,
    transition_problem,
    validate_case_fields,
)

S = CaseStatus
TODAY = dt.date(2026, 3, 2)


def test_every_status_has_transitions_and_a_label() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(CaseStatus)
    assert S.ENGAGED_IN_CUSTODY.label == "Engaged in custody"
    assert all(s.label and s.label[0].isupper() for s in CaseStatus)


def test_labels_for_the_other_enums() -> None:
    assert ReferralSource.SELF_RECOMMENDATION.label == "Self-recommendation"
    assert all(s.label for s in ReferralSource)
    assert ConsentMethod.VERBAL.label == "Verbal"
    assert Role.SUPERVISOR.label == "Supervisor"


def test_stored_values_do_not_change() -> None:
    assert [s.value for s in CaseStatus] == [
        "recommended",
        "accepted",
        "declined",
        "engaged_in_custody",
        "released",
        "supported_in_community",
        "closed",
    ]
    assert "self_recommendation" in set(ReferralSource)
    assert {m.value for m in ConsentMethod} == {"written", "verbal", "other"}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.RECOMMENDED, S.ACCEPTED),
        (S.RECOMMENDED, S.DECLINED),
        (S.ACCEPTED, S.ENGAGED_IN_CUSTODY),
        (S.ACCEPTED, S.RELEASED),
        (S.ENGAGED_IN_CUSTODY, S.RELEASED),
        (S.RELEASED, S.SUPPORTED_IN_COMMUNITY),
        (S.SUPPORTED_IN_COMMUNITY, S.CLOSED),
        (S.DECLINED, S.RECOMMENDED),
        (S.CLOSED, S.RECOMMENDED),
    ],
)
def test_allowed_transitions(old: CaseStatus, new: CaseStatus) -> None:
    assert transition_problem(old, new, "Met him on the wing") is None


def test_refused_transition_lists_the_choices() -> None:
    assert transition_problem(S.RECOMMENDED, S.RELEASED, "released") == (
        "A case that is Recommended can be Accepted or Declined, not Released."
    )
    assert transition_problem(S.ACCEPTED, S.SUPPORTED_IN_COMMUNITY, "x") == (
        "A case that is Accepted can be Declined, Engaged in custody, Released or Closed, "
        "not Supported in the community."
    )
    assert transition_problem(S.CLOSED, S.RELEASED, "x") == (
        "A case that is Closed can be Recommended, not Released."
    )


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_reason_is_required(reason: str) -> None:
    assert transition_problem(S.RECOMMENDED, S.ACCEPTED, reason) == (
        "Say why the status is changing."
    )


def test_no_change_is_not_a_transition() -> None:
    assert transition_problem(S.RELEASED, S.RELEASED, "again") == "The case is already Released."


def test_eligibility_warnings() -> None:
    assert eligibility_warnings(False, False) == []
    (iom,) = eligibility_warnings(True, False)
    assert "Integrated Offender Management" in iom
    (mappa,) = eligibility_warnings(False, True)
    assert "MAPPA" in mappa
    assert len(eligibility_warnings(True, True)) == 2


def _check(**changes: object) -> dict[str, str]:
    values: dict[str, object] = {
        "given_name": "Testy",
        "family_name": "Fictional",
        "nomis": "A1234BC",
        "crn": "X123456",
        "date_of_birth": dt.date(1990, 5, 1),
        "referral_date": dt.date(2026, 2, 1),
        "release_date": dt.date(2026, 4, 1),
        "today": TODAY,
    }
    values.update(changes)
    return validate_case_fields(**values)  # type: ignore[arg-type]


def test_a_complete_case_has_no_problems() -> None:
    assert _check() == {}


def test_only_the_names_are_required() -> None:
    assert _check(nomis="", crn="", date_of_birth=None, referral_date=None, release_date=None) == {}
    assert set(_check(given_name=" ", family_name="")) == {"given_name", "family_name"}


def test_identifier_problems_use_the_stored_field_names() -> None:
    problems = _check(nomis="A123", crn="X1")
    assert set(problems) == {"nomis_number", "crn"}


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        (dt.date(2026, 3, 3), "The date of birth is in the future."),
        (dt.date(2008, 3, 3), "under 18"),
        (dt.date(1900, 1, 1), "over 110"),
    ],
)
def test_date_of_birth_problems(born: dt.date, problem: str) -> None:
    assert problem in _check(date_of_birth=born)["date_of_birth"]


def test_eighteenth_birthday_today_is_fine() -> None:
    assert "date_of_birth" not in _check(date_of_birth=dt.date(2008, 3, 2))


def test_born_on_29_february_turns_18_on_1_march() -> None:
    assert "date_of_birth" in _check(date_of_birth=dt.date(2008, 2, 29), today=dt.date(2026, 2, 28))
    assert "date_of_birth" not in _check(
        date_of_birth=dt.date(2008, 2, 29), today=dt.date(2026, 3, 1)
    )


def test_referral_date_in_the_future() -> None:
    assert _check(referral_date=dt.date(2026, 3, 3))["referral_date"] == (
        "The referral date is in the future."
    )


def test_release_before_referral() -> None:
    problems = _check(referral_date=dt.date(2026, 2, 1), release_date=dt.date(2026, 1, 31))
    assert problems == {"release_date": "The release date is before the referral date."}
    assert _check(referral_date=dt.date(2026, 2, 1), release_date=dt.date(2026, 2, 1)) == {}


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("release_date", dt.date(9999, 12, 31)),  # the release plan's due times overflow
        ("release_date", dt.date(1, 1, 1)),
        ("release_date", dt.date(2127, 1, 1)),
        ("referral_date", dt.date(1, 1, 1)),
    ],
)
def test_a_date_a_century_away_is_a_typo(field: str, day: dt.date) -> None:
    """31/12/9999 or 01/01/0001 (a year typed wrong): refused under the field in words,
    instead of a case whose release plan and sheet fail with OverflowError every time."""
    changes: dict[str, object] = {field: day}
    if field == "referral_date":
        changes["release_date"] = None
    else:
        changes["referral_date"] = None
    assert "check the year" in _check(**changes)[field]


def test_a_long_sentence_is_not_a_typo() -> None:
    assert _check(release_date=dt.date(2075, 1, 1)) == {}
    assert _check(referral_date=dt.date(1990, 1, 1), release_date=dt.date(1991, 1, 1)) == {}
