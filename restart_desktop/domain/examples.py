"""Example contacts: numbers and addresses that only stand in for the team's real ones.

The reference data ships with Ofcom's drama numbers (reserved for fiction: they never
connect) and example.org addresses so that a new installation works out of the box. In a
real data folder each one is a contact that would fail someone on release day: they are
found here, named in a banner and by ``doctor``, and never printed on a person's sheet.
"""

from __future__ import annotations

import re

# Ofcom's ranges for drama (https://www.ofcom.org.uk, "TV and radio drama numbers"): the
# national-format prefixes, digits only.
_DRAMA_PREFIXES = (
    "01134960",
    "01144960",
    "01154960",
    "01164960",
    "01174960",
    "01184960",
    "01214960",
    "01314960",
    "01414960",
    "01514960",
    "01614960",
    "01632960",
    "02079460",
    "02896496",
    "02920180",
    "07700900",
    "08081570",
    "09098790",
    "03069990",
)
_NUMBER = re.compile(r"(?:\+44\s?|0)[\d\s]{9,13}\d")
_EXAMPLE_WORDS = re.compile(r"example\.(?:org|com|net)\b|\(example\b|\bexample:", re.IGNORECASE)


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "0" + digits[2:] if digits.startswith("44") else digits


def example_numbers(text: str) -> list[str]:
    """The drama numbers in ``text``, as written."""
    return [
        m.group(0).strip()
        for m in _NUMBER.finditer(text)
        if _digits(m.group(0)).startswith(_DRAMA_PREFIXES)
    ]


def is_example(text: str) -> bool:
    """Whether a contact is (or holds) an example: a drama number, an example.org address
    or the directory's "(example: ...)" wording."""
    return bool(example_numbers(text) or _EXAMPLE_WORDS.search(text))
