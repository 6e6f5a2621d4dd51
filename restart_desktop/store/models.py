"""ORM classes: the current state of each record, plus the immutable change log.

Every class deriving from ``SyncedRecord`` is written only through the session hook in
``store.changes``, which stamps the bookkeeping columns and appends one ``Change`` per record
per transaction. Classes are plain nouns; domain rules live in ``restart_desktop.domain``.

Longer than 600 lines because it is one declaration per table (about forty), read as a
schema; the migration test compares it with the migrations as a whole. The intake tables are
in store/intake_models.py; merge rules are plain data in domain/merge.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from restart_desktop.domain.ids import uuid7

# Defined in store.base (shared with store.intake_models); re-exported for the many importers.
from restart_desktop.store.base import NAMING as NAMING
from restart_desktop.store.base import Base as Base
from restart_desktop.store.base import SyncedRecord as SyncedRecord
from restart_desktop.store.intake_models import IntakeDecision, IntakeRecord, OnwardHandover
from restart_desktop.store.summaries import ReviewWait as ReviewWait


class Worker(SyncedRecord):
    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(200))
    organisation_code: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20), default="worker")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Device(SyncedRecord):
    __tablename__ = "devices"

    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"))
    label: Mapped[str] = mapped_column(String(200))


class Person(SyncedRecord):
    """A person supported by the programme: the case file."""

    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_release_date", "release_date"),
        Index("ix_people_allocated_worker_id", "allocated_worker_id"),
        Index("ix_people_status", "status"),
        Index("ix_people_family_name", "family_name"),
    )

    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    nomis_number: Mapped[str] = mapped_column(String(16), default="")
    crn: Mapped[str] = mapped_column(String(16), default="")
    prison_code: Mapped[str] = mapped_column(String(64), default="")
    release_date: Mapped[dt.date | None] = mapped_column(Date)
    release_time: Mapped[str] = mapped_column(String(5), default="")  # "HH:MM" local time
    sentence_type: Mapped[str] = mapped_column(String(64), default="")
    iom: Mapped[bool] = mapped_column(Boolean, default=False)
    mappa: Mapped[bool] = mapped_column(Boolean, default=False)
    referral_source: Mapped[str] = mapped_column(String(32), default="")
    referral_date: Mapped[dt.date | None] = mapped_column(Date)
    allocated_worker_id: Mapped[str | None] = mapped_column(ForeignKey("workers.id"))
    has_settled_address: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    consent_method: Mapped[str] = mapped_column(String(32), default="")
    consent_scope: Mapped[str] = mapped_column(Text, default="")
    # The kinds of service (need codes) the consent to share covers.
    consent_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The local housing authority the person chose for the Duty to Refer.
    housing_authority: Mapped[str] = mapped_column(String(64), default="")
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(32), default="recommended")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: A supervisor's legal hold: the case is kept whatever the retention rules say.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why the case closed (a closure_reasons.csv code; "" while open). The worker's words
    #: are the status reason.
    closure_reason: Mapped[str] = mapped_column(String(64), default="")
    #: Custodial sentences served before this one, as told at intake (None: not asked).
    earlier_custodial_sentences: Mapped[int | None] = mapped_column(Integer)
    #: The day the person agreed to their pseudonymised data going to the evaluators.
    research_consent_date: Mapped[dt.date | None] = mapped_column(Date)


class EvaluationKey(SyncedRecord):
    """The team's evaluation key (pseudonyms in evaluation extracts), sealed with age to the
    supervisors' devices and the recovery recipient: workers' laptops receive the record and
    cannot open it. A new version starts new pseudonyms (a rotation)."""

    __tablename__ = "evaluation_keys"

    version: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[str] = mapped_column(Text)  # base64 of the age file
    sealed_to: Mapped[list[str]] = mapped_column(JSON, default=list)  # age recipients


class FollowUpCheck(SyncedRecord):
    """A check some weeks after a release (domain.follow_up): where the person is living and
    whether benefits, treatment, a GP and work or training are in place, as the worker found
    out; "not_known" is an answer. One per kind of check and release. Immutable."""

    __tablename__ = "follow_up_checks"
    __table_args__ = (Index("ix_follow_up_checks_person_id", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    check_code: Mapped[str] = mapped_column(String(32))  # follow_up_checks.csv code
    released_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    accommodation: Mapped[str] = mapped_column(String(32))  # FirstNight value
    universal_credit: Mapped[str] = mapped_column(String(16))  # Answer values
    treatment: Mapped[str] = mapped_column(String(16))
    gp: Mapped[str] = mapped_column(String(16))
    ete: Mapped[str] = mapped_column(String(16))


class CustodyReturn(SyncedRecord):
    """The person went back into custody: a recall, a remand or a new sentence, the day it
    happened and who said so (domain.custody). Immutable: a mistake is corrected by the case's
    status history and a new record, never by rewriting this one."""

    __tablename__ = "custody_returns"
    __table_args__ = (Index("ix_custody_returns_person_id", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    returned_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # CustodyKind value
    source: Mapped[str] = mapped_column(String(16))  # CustodySource value
    #: The release it followed (the case's release date when recorded), for the windows.
    released_on: Mapped[dt.date | None] = mapped_column(Date)


#: The status a change moved its record to, as ``ix_changes_figures`` holds it (migration
#: 0026): a query must say it in these very words (the path a literal, not a parameter) for
#: SQLite to answer from the index.
STATUS_MOVED_TO = "json_extract(changes.fields, '$.status')"


class Change(Base):
    """One immutable edit: what a device changed in one record in one transaction."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_changes_device_seq"),
        Index("ix_changes_record_id", "record_id"),
        Index("ix_changes_hlc", "hlc"),  # the clock is read at the start of every write
        # With the device and sequence: the retention check at every unlock asks each closed
        # case's newest change by this laptop from the index alone (issue 27).
        Index("ix_changes_case_id", "case_id", "device_id", "seq"),
        # Not declared here: ``ix_changes_figures`` (migrations 0022 and 0026), the status
        # moves of people and barriers by time, kind, record and status: partial, so that
        # the other kinds (most changes, and every sync import) never pay for it; on an
        # expression, which reflection skips, like 0013's index. Not led by the kind: a
        # search by kind would then look as good to SQLite as one by record, and the case
        # file's history would walk every person's.
        # This laptop's audit entries by sequence (0027): its own work waiting to go out is
        # counted from indexes. Partial: no other change pays for it.
        Index(
            "ix_changes_audit",
            "device_id",
            "seq",
            sqlite_where=sql_text("entity = 'audit_entries'"),
        ),
    )

    change_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "<device_id>:<seq>"
    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(64))  # table name
    record_id: Mapped[str] = mapped_column(String(36))
    base_change_id: Mapped[str | None] = mapped_column(String(64))
    #: The record's changes its author held and had not seen superseded (None: [base]).
    bases: Mapped[list[str] | None] = mapped_column(JSON)
    hlc: Mapped[str] = mapped_column(String(32))
    #: The case (person id) the record belongs to; None for team records (workers, barriers).
    #: Workers' laptops import only the changes of their own and shared cases.
    case_id: Mapped[str | None] = mapped_column(String(36))
    author_id: Mapped[str] = mapped_column(String(36))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column()


class ContactNote(SyncedRecord):
    """A finalised in-custody (or other) contact. Immutable: corrections are addenda."""

    __tablename__ = "contact_notes"
    __table_args__ = (
        Index("ix_contact_notes_person_contact_at", "person_id", "contact_at"),
        # The review queue, oldest first; with the worker, the figures count a period's
        # notes by worker from the index alone.
        Index("ix_contact_notes_contact_at", "contact_at", "worker_id"),
        # The figures count a period's notes worker by worker (migration 0026).
        Index("ix_contact_notes_worker_id_contact_at", "worker_id", "contact_at"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"))
    contact_at: Mapped[dt.datetime] = mapped_column()
    contact_type: Mapped[str] = mapped_column(String(32))
    not_seen_reason: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)


class Addendum(SyncedRecord):
    """A correction or late information under a finalised note. Immutable."""

    __tablename__ = "addenda"
    __table_args__ = (
        Index("ix_addenda_note_id", "note_id"),
        Index("ix_addenda_person_id", "person_id"),
    )

    note_id: Mapped[str] = mapped_column(ForeignKey("contact_notes.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)


class FollowUpAction(SyncedRecord):
    """Something agreed at a contact: who does what by when, and how it turned out."""

    __tablename__ = "follow_up_actions"
    __table_args__ = (
        Index("ix_follow_up_actions_person_id", "person_id"),
        Index("ix_follow_up_actions_note_id", "note_id"),
        Index("ix_follow_up_actions_status_due", "status", "due_date"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    note_id: Mapped[str | None] = mapped_column(ForeignKey("contact_notes.id"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(16), default="worker")  # worker, person, partner
    owner_detail: Mapped[str] = mapped_column(String(200), default="")  # e.g. the partner
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, not_done
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column()


class ChecklistSnapshot(SyncedRecord):
    """The checklist template a plan started from, as it was then. Immutable, and shared by
    every plan made from the same template content (its id is derived from that content)."""

    __tablename__ = "checklist_snapshots"

    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReleasePlan(SyncedRecord):
    """One release of one person: the checklist, the release it follows, and the outcome.

    ``release_date``/``release_time`` follow the case's release date while the release is
    ahead; the previous values and the time of the change say when it moved.
    """

    __tablename__ = "release_plans"
    __table_args__ = (
        UniqueConstraint("person_id", "number", name="uq_release_plans_person_number"),
        Index("ix_release_plans_release_date", "release_date"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    number: Mapped[int] = mapped_column(Integer, default=1)  # 1 for the first release, 2...
    snapshot_id: Mapped[str] = mapped_column(ForeignKey("checklist_snapshots.id"))
    release_date: Mapped[dt.date | None] = mapped_column(Date)
    release_time: Mapped[str] = mapped_column(String(5), default="")
    previous_release_date: Mapped[dt.date | None] = mapped_column(Date)
    previous_release_time: Mapped[str] = mapped_column(String(5), default="")
    release_changed_at: Mapped[dt.datetime | None] = mapped_column()
    first_night: Mapped[str] = mapped_column(String(32), default="")  # FirstNight value
    first_night_detail: Mapped[str] = mapped_column(String(200), default="")
    met_at_gate: Mapped[bool | None] = mapped_column(Boolean)
    met_at_gate_at: Mapped[dt.datetime | None] = mapped_column()
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_recorded_at: Mapped[dt.datetime | None] = mapped_column()


class ReleasePlanItem(SyncedRecord):
    """The state of one checklist item of a plan. A template item has a row only once it is
    touched (its id derives from plan and code, so two laptops ticking it make one record);
    an item added to one person's plan carries its own label and due time."""

    __tablename__ = "release_plan_items"
    __table_args__ = (
        UniqueConstraint("plan_id", "item_code", name="uq_release_plan_items_plan_code"),
        Index("ix_release_plan_items_person_id", "person_id"),
    )

    plan_id: Mapped[str] = mapped_column(ForeignKey("release_plans.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    extra: Mapped[bool] = mapped_column(Boolean, default=False)
    section: Mapped[str] = mapped_column(String(32), default="")  # extra items only
    label: Mapped[str] = mapped_column(String(200), default="")  # extra items only
    required: Mapped[bool] = mapped_column(Boolean, default=False)  # extra items only
    due_days: Mapped[int] = mapped_column(Integer, default=0)  # extra items only
    due_time: Mapped[str] = mapped_column(String(8), default="")  # extra items only
    state: Mapped[str] = mapped_column(String(16), default="open")  # ItemState value
    state_at: Mapped[dt.datetime | None] = mapped_column()  # when it happened
    state_by: Mapped[str] = mapped_column(String(36), default="")  # worker id
    note: Mapped[str] = mapped_column(Text, default="")
    appointment_at: Mapped[dt.datetime | None] = mapped_column()
    place: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")


class Referral(SyncedRecord):
    """A referral of one person to one service, tracked until it has an outcome. The service's
    directory entry is copied in when the referral is made, so later directory edits never
    rewrite it."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_person_id", "person_id"),
        Index("ix_referrals_note_id", "note_id"),
        Index("ix_referrals_status", "status"),
        Index("ix_referrals_made_on", "made_on", "id"),  # the review queue, oldest first
        # The figures' referrals of a period, from the index alone (migration 0025).
        Index(
            "ix_referrals_figures", "made_on", "status", "category", "sent_on", "created_by", "id"
        ),
        # The list across the caseload: its filters, chase test and order from the index
        # alone (a referral's row holds the service's whole directory entry), for everyone's
        # cases (a scan of the index) or one worker's (a search by person).
        Index(
            "ix_referrals_list",
            "person_id",
            "status",
            "last_chased_on",
            "sent_on",
            "made_on",
            "category",
            "id",
        ),
        # And ix_referrals_duty_to_refer, on an expression (migration 0013): raw SQL only.
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    service_code: Mapped[str] = mapped_column(String(64))
    service: Mapped[dict[str, Any]] = mapped_column(JSON)  # the directory entry, as it was
    category: Mapped[str] = mapped_column(String(64))  # a need code
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    how_sent: Mapped[str] = mapped_column(String(16), default="")
    made_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    last_chased_on: Mapped[dt.date | None] = mapped_column(Date)
    consent_override: Mapped[str] = mapped_column(Text, default="")  # the reason, if any
    declined_reason: Mapped[str] = mapped_column(Text, default="")
    appointment_at: Mapped[dt.datetime | None] = mapped_column()
    appointment_place: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    note_id: Mapped[str | None] = mapped_column(ForeignKey("contact_notes.id"))


class ReferralEvent(SyncedRecord):
    """One status change or chase of a referral: when, who, and an optional note. Immutable."""

    __tablename__ = "referral_events"
    __table_args__ = (
        # By referral, then status and time: the figures' first answer of each referral
        # from the index alone (migration 0025).
        Index("ix_referral_events_referral_id_status_at", "referral_id", "to_status", "at"),
        Index("ix_referral_events_person_id", "person_id"),
    )

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "status" or "chase"
    from_status: Mapped[str] = mapped_column(String(32), default="")
    to_status: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[dt.datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class Assessment(SyncedRecord):
    """An outcome assessment: a score per life area, scored with the person. A draft may be
    changed; once ``finalised_at`` is set the row is immutable (service check and trigger)."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_person_id", "person_id"),
        # The figures: who was assessed in a period, from the index alone (migration 0025).
        Index("ix_assessments_figures", "assessed_on", "finalised_at", "person_id"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    present: Mapped[str] = mapped_column(String(200), default="")  # who took part
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # AreaScore JSON
    agreed: Mapped[bool] = mapped_column(Boolean, default=True)
    disagreement: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[dt.datetime | None] = mapped_column()


class Barrier(SyncedRecord):
    """An entry of the barriers and escalations register for the programme's board."""

    __tablename__ = "barriers"
    __table_args__ = (Index("ix_barriers_raised_on", "raised_on"),)

    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    case_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # cases it affected
    raised_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    #: What the board reads about it: a supervisor's wording with no name, prison number or
    #: CRN in it (domain.disclosure), confirmed by whom and when. Never the title as typed.
    board_wording: Mapped[str] = mapped_column(Text, default="")
    board_wording_by: Mapped[str] = mapped_column(String(36), default="")
    board_wording_at: Mapped[dt.datetime | None] = mapped_column()


class Handover(SyncedRecord):
    """A case given to a worker: its first allocation, a handover from one worker to another
    with a note for the receiving worker, or a share (the worker joins the case, e.g. to meet
    the person at the gate, while it stays allocated). Immutable: each is a decision on record.
    """

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_person_id", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))  # HandoverKind value
    from_worker_id: Mapped[str | None] = mapped_column(ForeignKey("workers.id"))
    to_worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column()


class Review(SyncedRecord):
    """One review action on a worker's record (a finalised note, a release-day record, a
    referral): signed off, a comment, returned for correction, or the worker's answer to a
    return. Immutable: the review history is the sequence of these, by ``at``."""

    __tablename__ = "reviews"
    __table_args__ = (
        # The review queue looks up each item's last action: item, action, time.
        Index("ix_reviews_item_id_action_at", "item_id", "action", "at"),
        # With the action: the notices at every unlock ask for the comments and returns on
        # the worker's records, a handful among tens of thousands of sign-offs (issue 27).
        Index("ix_reviews_worker_id_action", "worker_id", "action"),
        # The figures: sign-offs of a kind in a period, by worker, from the index alone.
        Index("ix_reviews_figures", "item_kind", "action", "at", "item_id", "worker_id"),
        Index("ix_reviews_person_id", "person_id"),
    )

    item_kind: Mapped[str] = mapped_column(String(16))  # ReviewItemKind value
    item_id: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"))  # whose record it is
    action: Mapped[str] = mapped_column(String(16))  # ReviewAction value
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column()


class AuditEntry(SyncedRecord):
    """One entry of the audit trail: who did what (opened a case file, viewed or searched
    notes, created, changed, finalised, exported, printed, synced, allocated, a failed unlock),
    when, on which device, about which case; never the note text or a name. Each device's
    entries form a chain: ``hash`` covers the entry and the previous entry's hash, so an entry
    altered or removed behind the app's back breaks the chain there (``store.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_audit_entries_device_seq"),
        Index("ix_audit_entries_person_id", "person_id"),
        Index("ix_audit_entries_at", "at"),
    )

    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)  # position in the device's chain, from 1
    at: Mapped[dt.datetime] = mapped_column()
    worker_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))  # AuditAction value
    # No foreign key: the trail outlives an erased case (the id then names no one).
    person_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text, default="")  # counts, field names: no content
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class FieldChange(SyncedRecord):
    """A change to a field that matters (status, allocation, release date, consent, risk
    flags, legal hold) with the reason given for it: the case's field history shows old value,
    new value, who, when and why. Immutable; values as stored in the change log (JSON)."""

    __tablename__ = "field_changes"
    __table_args__ = (Index("ix_field_changes_person_id", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column()


class Erasure(SyncedRecord):
    """The tombstone of an erased case: only that the case id was erased, when, under which
    rule and by which device; nothing else about the person survives. A team record: every
    laptop receives it. Under the retention rule every device erases the case and removes it
    from the bundles it published; under a laptop rule only the device that erased it."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_case_id", "case_id"),)

    case_id: Mapped[str] = mapped_column(String(36))
    rule: Mapped[str] = mapped_column(String(16))  # ErasureRule value
    device_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column()


class TeamDetails(SyncedRecord):
    """The team's own contacts, set by a supervisor and synced to every laptop: the number
    printed on the release-day sheet and each directory service's contact as the team knows
    it (service code -> contact), in place of the reference data's examples. One record."""

    __tablename__ = "team_details"

    phone: Mapped[str] = mapped_column(String(64), default="")
    phone_when: Mapped[str] = mapped_column(String(200), default="")
    service_contacts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class NoteDraft(Base):
    """A contact note being typed. Local to this laptop and never synced: a half-written note
    is not a record. Saved every few seconds so a flat battery loses almost nothing; becomes a
    ContactNote (and disappears) when finalised."""

    __tablename__ = "note_drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    worker_id: Mapped[str] = mapped_column(String(36))
    contact_at: Mapped[dt.datetime | None] = mapped_column()
    contact_type: Mapped[str] = mapped_column(String(32), default="")
    not_seen_reason: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[dt.datetime] = mapped_column()
    saved_at: Mapped[dt.datetime] = mapped_column()


class SyncPeer(Base):
    """How far this laptop has imported each other device's bundles (local, never synced)."""

    __tablename__ = "sync_peers"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    high_water: Mapped[int] = mapped_column(Integer, default=0)  # last seq applied
    problem: Mapped[str] = mapped_column(Text, default="")  # why import from it stopped
    # "gap" (a bundle is missing) or "refused" (a bundle failed its checks: quarantined)
    problem_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column()


class SyncConflict(Base):
    """The same field changed on two or more devices, none seeing the others' change. Worked
    out from the changes alone, so every device holding them lists the same conflicts and shows
    the same provisional value (``winner_change_id``) until someone chooses; the choice is an
    ordinary change that supersedes them all (local, derived: rebuilt from the changes)."""

    __tablename__ = "sync_conflicts"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    change_ids: Mapped[list[str]] = mapped_column(JSON)  # the competing changes, oldest first
    values: Mapped[list[Any]] = mapped_column(JSON)  # their values, in the same order
    winner_change_id: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[dt.datetime] = mapped_column()


class SyncPending(Base):
    """A record whose changes are here but cannot be shown yet: its creation, a record it
    refers to, or a change its finalisation built on is still to arrive (local, derived)."""

    __tablename__ = "sync_pending"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    since: Mapped[dt.datetime] = mapped_column()


class SyncCaseIndex(Base):
    """Who each case of the team is for, worked out from every change this laptop has seen,
    including the changes a worker's laptop does not keep (ids only, no personal data): a
    worker's laptop imports a case's changes only while the case is theirs or shared with
    them (local, never synced)."""

    __tablename__ = "sync_case_index"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(36), default="")
    allocated_worker_id: Mapped[str | None] = mapped_column(String(36))
    allocated_hlc: Mapped[str] = mapped_column(String(32), default="")  # latest one wins
    shared_with: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # by its latest status
    status_hlc: Mapped[str] = mapped_column(String(32), default="")


class SyncSkipped(Base):
    """A bundle holding changes of a case this laptop did not keep: read again when the case
    comes to this laptop (an allocation, a handover, a share), so it arrives with its history
    (local, never synced)."""

    __tablename__ = "sync_skipped"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_seq: Mapped[int] = mapped_column(Integer)


class SyncErasedSeq(Base):
    """A change this device published that belonged to a case erased under the retention
    rule: the bundle holding it is published again without it at the next sync (local)."""

    __tablename__ = "sync_erased_seqs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hlc: Mapped[str] = mapped_column(String(32))  # its clock time: the stub keeps it


class SyncAudienceMove(Base):
    """A case whose audience changed (allocated, handed over, shared) since this laptop last
    published: its bundles holding changes of the case are published again, encrypted to the
    new audience (local, never synced)."""

    __tablename__ = "sync_audience_moves"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class SyncReadBundle(Base):
    """The generation of another device's bundle this laptop has read (local, never synced):
    a newer generation is read again for the parts now addressed to this laptop (a case come
    to it, bundle format 3)."""

    __tablename__ = "sync_read_bundles"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)


class SyncPublished(Base):
    """A bundle this device published in the central export (local, never synced): its own
    record to check the files against. A file named like one of its bundles proves nothing
    until its signature verifies; a recorded bundle missing from the export is published
    again."""

    __tablename__ = "sync_published"

    from_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    size: Mapped[int] = mapped_column(Integer)  # bytes of the encrypted file


class SyncDigestItem(Base):
    """One synced record's current state as a 256-bit hash in eight 32-bit parts (local,
    never synced), kept so that the record's part of the running totals can be taken out
    when it changes (``SyncDigestTotal``). A change's hash never changes: changes have no
    items since schema 0021."""

    __tablename__ = "sync_digest_items"
    __table_args__ = (Index("ix_sync_digest_items_case_id", "case_id"),)

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)  # "changes" or a table
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # change id or record id
    case_id: Mapped[str | None] = mapped_column(String(36))  # None: counted on every laptop
    h0: Mapped[int] = mapped_column(Integer)
    h1: Mapped[int] = mapped_column(Integer)
    h2: Mapped[int] = mapped_column(Integer)
    h3: Mapped[int] = mapped_column(Integer)
    h4: Mapped[int] = mapped_column(Integer)
    h5: Mapped[int] = mapped_column(Integer)
    h6: Mapped[int] = mapped_column(Integer)
    h7: Mapped[int] = mapped_column(Integer)


class SyncDigestTotal(Base):
    """The digest's running totals (local, never synced): per case ("" for the team records)
    and per half (the changes held, or the records' current state), how many items and the
    sum of each of their eight parts. A digest adds up the rows of the laptop's cases, not
    every item: its cost follows the cases, and keeping it follows the changes written."""

    __tablename__ = "sync_digest_totals"

    case_key: Mapped[str] = mapped_column(String(36), primary_key=True)  # "": team records
    changes: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # False: the records
    count: Mapped[int] = mapped_column(Integer)
    h0: Mapped[int] = mapped_column(Integer)
    h1: Mapped[int] = mapped_column(Integer)
    h2: Mapped[int] = mapped_column(Integer)
    h3: Mapped[int] = mapped_column(Integer)
    h4: Mapped[int] = mapped_column(Integer)
    h5: Mapped[int] = mapped_column(Integer)
    h6: Mapped[int] = mapped_column(Integer)
    h7: Mapped[int] = mapped_column(Integer)


class LocalSetting(Base):
    """Settings of this laptop only (never synced): which device and worker it is, idle lock."""

    __tablename__ = "local_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SYNCED_MODELS: tuple[type[SyncedRecord], ...] = (
    Worker,
    Device,
    Person,
    IntakeRecord,
    IntakeDecision,
    OnwardHandover,
    ContactNote,
    Addendum,
    FollowUpAction,
    ChecklistSnapshot,
    ReleasePlan,
    ReleasePlanItem,
    Referral,
    ReferralEvent,
    Assessment,
    Barrier,
    Handover,
    Review,
    AuditEntry,
    FieldChange,
    Erasure,
    CustodyReturn,
    FollowUpCheck,
    EvaluationKey,
    TeamDetails,
)
