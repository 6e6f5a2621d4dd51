"""Follow-up checks some weeks after release (4 and 12 by default: follow_up_checks.csv):
whether the person is housed, receiving Universal Credit, in treatment where that was a need,
registered with a GP, and in education, training or work. "Not known" is an answer: a check
that could not find out is still a check done, and the figures count it as not known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

#: The need (needs.csv) that makes the treatment question apply.
TREATMENT_NEED = "substance_misuse"
#: The questions of a check, stored as these keys; accommodation takes a FirstNight value.
QUESTIONS: Mapping[str, str] = {
    "universal_credit": "Universal Credit in payment",
    "treatment": "Engaged with drug and alcohol treatment",
    "gp": "Registered with a GP",
    "ete": "In education, training or work",
}


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"
    NOT_APPLICABLE = "not_applicable"  # treatment, when drugs and alcohol were not a need

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]


_ANSWER_LABELS: Mapping[Answer, str] = {
    Answer.YES: "Yes",
    Answer.NO: "No",
    Answer.NOT_KNOWN: "Not known",
    Answer.NOT_APPLICABLE: "Not a need",
}


def is_working_day(day: dt.date, holidays: frozenset[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def check_due(released_on: dt.date, weeks: int, holidays: frozenset[dt.date]) -> dt.date:
    """The day a check is due: ``weeks`` after the release, moved to the next working day when
    that falls on a weekend or a bank holiday (services are closed; the person is hard to
    reach)."""
    day = released_on + dt.timedelta(weeks=weeks)
    while not is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def treatment_applies(needs: list[str] | tuple[str, ...]) -> bool:
    return TREATMENT_NEED in needs
