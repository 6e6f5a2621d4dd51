"""Prison numbers (NOMIS) and probation case references (CRN): format checks only.

Both are optional: a worker often meets someone before either is known, so an empty value is
never a problem. A value that is present must have the right shape, because these are what
colleagues and partner agencies use to find the same person.
"""

from __future__ import annotations

import re

_NOMIS = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")
_CRN = re.compile(r"[A-Z][0-9]{6}")

NOMIS_FORMAT = "A prison number is one letter, four digits and two letters, for example A1234BC."
CRN_FORMAT = (
    "A probation case reference (CRN) is one letter followed by six digits, for example X123456."
)


def _normalise(text: str) -> str:
    # People copy these from letters and e-mails, often with spaces in the middle.
    return "".join(text.split()).upper()


def normalise_nomis(text: str) -> str:
    """The form to store: no spaces, capital letters ("a1234 bc" becomes "A1234BC")."""
    return _normalise(text)


def normalise_crn(text: str) -> str:
    """The form to store: no spaces, capital letters ("x123456" becomes "X123456")."""
    return _normalise(text)


def _letter_digit_mix_up(value: str, digit_positions: range) -> bool:
    """True when a letter O or I sits where a digit should be (a common typing slip)."""
    return any(i < len(value) and value[i] in "OI" for i in digit_positions)


def nomis_problem(text: str) -> str | None:
    """What is wrong with a prison number, in a worker's words; None if valid or empty."""
    value = normalise_nomis(text)
    if not value or _NOMIS.fullmatch(value):
        return None
    if _CRN.fullmatch(value):
        return "That looks like a probation case reference (CRN), not a prison number."
    if len(value) == 7 and _letter_digit_mix_up(value, range(1, 5)):
        return NOMIS_FORMAT + " Check for a letter O or I typed instead of 0 or 1."
    return NOMIS_FORMAT


def crn_problem(text: str) -> str | None:
    """What is wrong with a case reference, in a worker's words; None if valid or empty."""
    value = normalise_crn(text)
    if not value or _CRN.fullmatch(value):
        return None
    if _NOMIS.fullmatch(value):
        return "That looks like a prison number, not a probation case reference (CRN)."
    if len(value) == 7 and _letter_digit_mix_up(value, range(1, 7)):
        return CRN_FORMAT + " Check for a letter O or I typed instead of 0 or 1."
    return CRN_FORMAT
