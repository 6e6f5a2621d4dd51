"""Prison numbers and CRNs: optional, tidied up, and checked for shape."""

import pytest

from restart_desktop.domain.identifiers import (
    crn_problem,
    nomis_problem,
    normalise_crn,
    normalise_nomis,
)

NOMIS_FORMAT = "A prison number is one letter, four digits and two letters, for example A1234BC."


@pytest.mark.parametrize(
    ("text", "stored"),
    [("A1234BC", "A1234BC"), (" a1234bc ", "A1234BC"), ("a1234 bc", "A1234BC"), ("", "")],
)
def test_normalise_nomis(text: str, stored: str) -> None:
    assert normalise_nomis(text) == stored


@pytest.mark.parametrize("text", ["A1234BC", "z9999zz", "  B0001AA  ", "", "   "])
def test_valid_or_empty_prison_numbers(text: str) -> None:
    assert nomis_problem(text) is None


@pytest.mark.parametrize(
    "text",
    ["A1234B", "A12345BC", "11234BC", "A1234B1", "AB1234C", "A123BCD", "A1234BC1", "Ａ1234BC"],
)
def test_wrong_prison_numbers(text: str) -> None:
    assert nomis_problem(text) == NOMIS_FORMAT


def test_letter_o_for_zero_gets_a_hint() -> None:
    problem = nomis_problem("A1O34BC")
    assert problem is not None
    assert problem.startswith(NOMIS_FORMAT)
    assert "letter O" in problem


def test_crn_in_the_prison_number_box() -> None:
    assert nomis_problem("X123456") == (
        "That looks like a probation case reference (CRN), not a prison number."
    )


def test_normalise_crn() -> None:
    assert normalise_crn(" x123 456 ") == "X123456"


@pytest.mark.parametrize("text", ["X123456", "x123456", "", "  "])
def test_valid_or_empty_crns(text: str) -> None:
    assert crn_problem(text) is None


@pytest.mark.parametrize("text", ["X12345", "X1234567", "1234567", "XX12345", "X12345A", "X١23456"])
def test_wrong_crns(text: str) -> None:
    problem = crn_problem(text)
    assert problem is not None
    assert "one letter followed by six digits" in problem


def test_prison_number_in_the_crn_box() -> None:
    assert crn_problem("A1234BC") == (
        "That looks like a prison number, not a probation case reference (CRN)."
    )
