"""The intake's figures (app and board pack): recommendations by source and by month,
eligibility outcomes, decisions by reason, and decision times (median days from the
recommendation to the decision and to the first contact). Aggregates only."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from restart_desktop.domain.figures import Cell, Count, Period, Table, Text, median
from restart_desktop.domain.intake import (
    DecisionKind,
    EligibilityAnswers,
    ScreenOutcome,
    screen,
)
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.store.intake_models import IntakeDecision, IntakeRecord
from restart_desktop.store.models import ContactNote
from restart_desktop.store.queries import read_rows

_SCREEN_LABELS = {
    ScreenOutcome.ELIGIBLE: "Eligible",
    ScreenOutcome.CHECK: "To check",
    ScreenOutcome.NOT_ELIGIBLE: "Not eligible",
}


Summary = list[tuple[str, Cell]]


def intake_tables(
    s: Session,
    period: Period,
    reference: ReferenceData,
    release_dates: Mapping[str, dt.date | None],
) -> tuple[list[Table], Summary]:
    """``release_dates``: each case's release date (the figures read every person anyway:
    looked up here, each was a read of a person's row)."""
    rows = read_rows(
        s,
        select(
            IntakeRecord.person_id,
            IntakeRecord.source,
            IntakeRecord.recommended_on,
            IntakeRecord.decided_at,
            IntakeRecord.in_thames_valley,
            IntakeRecord.iom,
            IntakeRecord.mappa_level,
            IntakeRecord.earlier_custodial_sentences,
        ).where(
            IntakeRecord.recommended_on >= period.start,
            IntakeRecord.recommended_on <= period.end,
        ),
    )
    # Only the intakes of a case held here, as the join to the people was; each a tuple of
    # plain values with the case's release date last.
    recommended = [
        (*row, release_dates[row[0]])
        for row in rows
        if row[2] in period and row[0] in release_dates
    ]
    is_self = {k.code for k in reference.recommender_kinds if k.is_self}
    by_month: dict[str, Counter[str]] = {}
    outcomes: Counter[ScreenOutcome] = Counter()
    for _pid, source, day, _decided, resident, iom, mappa, sentences, release in recommended:
        month = f"{day:%Y-%m}"
        if month not in by_month:  # not a Counter made for each intake to be thrown away
            by_month[month] = Counter()
        by_month[month]["self" if source in is_self else "other"] += 1
        answers = EligibilityAnswers(resident, iom, mappa, sentences, release)
        outcomes[screen(answers, day).outcome] += 1
    month_rows = tuple(
        (Text(month), Count(c["self"]), Count(c["other"]), Count(c["self"] + c["other"]))
        for month, c in sorted(by_month.items())
    )
    months = Table(
        "intake_by_month",
        "Recommendations by month",
        ("Month", "Self-recommended", "Other sources", "All"),
        month_rows,
        "By the date of the recommendation on the intake record.",
        chart="bar",
    )
    screens = Table(
        "intake_eligibility",
        "Eligibility screen outcomes",
        ("Screen", "Recommendations"),
        tuple((Text(_SCREEN_LABELS[o]), Count(outcomes[o])) for o in ScreenOutcome),
        "The screen's result on the answers recorded; the allocator decides.",
    )
    decisions = [
        (decision, reason_code)
        for decision, reason_code, at in read_rows(
            s,
            select(IntakeDecision.decision, IntakeDecision.reason_code, IntakeDecision.at).where(
                IntakeDecision.at >= period.starts_at,
                IntakeDecision.at < period.ends_before,
            ),
        )
        if at in period
    ]
    reasons: Counter[tuple[str, str]] = Counter()
    for decision, reason_code in decisions:
        kind = DecisionKind(decision)
        found = reference.decline_reason(reason_code)
        reasons[(kind.label, found.label if found else "")] += 1
    reason_rows = tuple(
        (Text(kind), Text(reason), Count(n)) for (kind, reason), n in sorted(reasons.items())
    )
    by_reason = Table(
        "intake_decisions",
        "Allocation decisions, by reason",
        ("Decision", "Reason", "Decisions"),
        reason_rows,
        "Decisions recorded in the period; declines by their coded reason.",
    )
    times = _times(
        s, period, [(pid, day, decided) for pid, _source, day, decided, *_ in recommended]
    )
    timing = Table(
        "intake_decision_times",
        "Days from recommendation",
        ("Measure", "Median days"),
        ((Text("To the allocation decision"), times[0]), (Text("To the first contact"), times[1])),
        "Recommendations in the period that have been decided, or contacted.",
    )
    accepted = sum(1 for decision, _reason in decisions if decision == DecisionKind.ACCEPT)
    declined = sum(1 for decision, _reason in decisions if decision == DecisionKind.DECLINE)
    summary: Summary = [
        ("intake_recommended", Count(len(recommended))),
        ("intake_self_recommended", Count(sum(1 for r in recommended if r[1] in is_self))),
        ("intake_eligible", Count(outcomes[ScreenOutcome.ELIGIBLE])),
        ("intake_accepted", Count(accepted)),
        ("intake_declined", Count(declined)),
        ("median_days_to_decision", times[0]),
        ("median_days_to_first_contact", times[1]),
    ]
    return [months, screens, by_reason, timing], summary


def _times(
    s: Session, period: Period, intakes: list[tuple[str, dt.date, dt.datetime | None]]
) -> tuple[Any, Any]:
    """``intakes``: each intake's person, recommendation day and decision time."""
    ids = [pid for pid, _day, _decided in intakes]
    firsts: dict[str, dt.datetime] = {}
    if ids:
        firsts = dict(
            read_rows(
                s,
                select(ContactNote.person_id, func.min(ContactNote.contact_at))
                .where(ContactNote.person_id.in_(ids))
                .group_by(ContactNote.person_id),
            )
        )
    to_decision = [
        (period.day_of(decided) - day).days for _pid, day, decided in intakes if decided is not None
    ]
    to_contact = [
        (period.day_of(firsts[pid]) - day).days for pid, day, _decided in intakes if pid in firsts
    ]
    return median(to_decision), median(to_contact)
