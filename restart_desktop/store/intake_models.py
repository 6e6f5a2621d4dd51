"""ORM classes of intake and onward handover: a recommendation waiting for the allocation
decision, the decisions made on it, and the summary written for another service when support
ends. Each belongs to its case (``person_id``), so it travels with the case."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from restart_desktop.store.base import SyncedRecord


class IntakeRecord(SyncedRecord):
    """A recommendation to the programme: who recommended the person, when and why, and the
    eligibility answers. One per case; ``status`` follows the latest decision."""

    __tablename__ = "intake_records"
    __table_args__ = (
        Index("ix_intake_records_person_id", "person_id"),
        Index("ix_intake_records_status_recommended_on", "status", "recommended_on"),
        # The figures: a period's recommendations, from the index alone (migration 0026).
        Index(
            "ix_intake_records_figures",
            "recommended_on",
            "person_id",
            "source",
            "decided_at",
            "in_thames_valley",
            "iom",
            "mappa_level",
            "earlier_custodial_sentences",
        ),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    source: Mapped[str] = mapped_column(String(32))  # a recommender kind code
    recommender_name: Mapped[str] = mapped_column(String(200), default="")
    recommender_organisation: Mapped[str] = mapped_column(String(200), default="")
    recommender_role: Mapped[str] = mapped_column(String(200), default="")
    recommender_contact: Mapped[str] = mapped_column(String(200), default="")
    recommended_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Eligibility answers; None: not known yet.
    in_thames_valley: Mapped[bool | None] = mapped_column(Boolean)
    iom: Mapped[bool | None] = mapped_column(Boolean)
    mappa_level: Mapped[str] = mapped_column(String(8), default="")  # "", none, 1, 2, 3
    earlier_custodial_sentences: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="waiting")  # IntakeStatus value
    decided_at: Mapped[dt.datetime | None] = mapped_column()


class IntakeDecision(SyncedRecord):
    """One decision on a recommendation: accepted and allocated (organisation and worker),
    declined with a coded reason and words, or more information asked for. Immutable."""

    __tablename__ = "intake_decisions"
    __table_args__ = (
        Index("ix_intake_decisions_person_id", "person_id"),
        # The figures: a period's decisions, from the index alone (migration 0026).
        Index("ix_intake_decisions_at", "at", "decision", "reason_code"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    intake_id: Mapped[str] = mapped_column(ForeignKey("intake_records.id"))
    decision: Mapped[str] = mapped_column(String(32))  # IntakeDecisionKind value
    reason_code: Mapped[str] = mapped_column(String(64), default="")  # decline reasons
    words: Mapped[str] = mapped_column(Text, default="")
    organisation_code: Mapped[str] = mapped_column(String(64), default="")
    worker_id: Mapped[str | None] = mapped_column(ForeignKey("workers.id"))
    at: Mapped[dt.datetime] = mapped_column()


class OnwardHandover(SyncedRecord):
    """A summary written for the service taking a person on when support ends (probation, a
    successor service, the GP): which service and which fields went. Immutable: it is on
    record in the case history. The text is made again from the case; only the choices are
    kept."""

    __tablename__ = "onward_handovers"
    __table_args__ = (Index("ix_onward_handovers_person_id", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    service_kind: Mapped[str] = mapped_column(String(32))  # OnwardServiceKind value
    service_name: Mapped[str] = mapped_column(String(200), default="")
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_override: Mapped[str] = mapped_column(Text, default="")  # the reason, if any
    at: Mapped[dt.datetime] = mapped_column()
