"""What the case service takes and gives: the caseload query and its rows, a case's fields as
edited, its details with their history and handovers, and the result of a save (plain frozen
values and enums, never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from restart_desktop.app.custody import CustodyReturnView
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.release import ReleaseFlags


class CaseSort(StrEnum):
    NAME = "name"
    NOMIS = "nomis"
    PRISON = "prison"
    RELEASE = "release"
    STATUS = "status"
    WORKER = "worker"


class StatusFilter(StrEnum):
    OPEN = "open"
    ALL = "all"


@dataclass(frozen=True)
class CaseloadQuery:
    """What the caseload shows. ``status`` is a CaseStatus value or a StatusFilter value."""

    text: str = ""
    status: str = StatusFilter.OPEN.value
    worker_id: str | None = None  # None: anyone's cases
    release_within_days: int | None = None
    sort: CaseSort = CaseSort.RELEASE
    descending: bool = False


@dataclass(frozen=True)
class CaseRow:
    id: str
    name: str
    nomis_number: str
    prison: str
    release_date: dt.date | None
    release_time: str
    status: CaseStatus
    worker_name: str
    flags: ReleaseFlags | None
    overdue_actions: int = 0


@dataclass(frozen=True)
class CaseFields:
    """Everything a worker edits on the case file, apart from status and allocation."""

    given_name: str = ""
    family_name: str = ""
    preferred_name: str = ""
    date_of_birth: dt.date | None = None
    nomis_number: str = ""
    crn: str = ""
    prison_code: str = ""
    release_date: dt.date | None = None
    release_time: str = ""
    sentence_type: str = ""
    iom: bool = False
    mappa: bool = False
    referral_source: str = ""
    referral_date: dt.date | None = None
    has_settled_address: bool = False
    consent_given: bool = False
    consent_date: dt.date | None = None
    consent_method: str = ""
    consent_scope: str = ""
    consent_categories: tuple[str, ...] = ()  # need codes: the kinds of service consent covers
    housing_authority: str = ""  # the local authority chosen for the Duty to Refer
    needs: tuple[str, ...] = ()
    #: Custodial sentences before this one, as told at intake (None: not asked yet).
    earlier_custodial_sentences: int | None = None
    #: The day the person agreed to pseudonymised data going to the evaluators (None: not).
    research_consent_date: dt.date | None = None


@dataclass(frozen=True)
class StatusEntry:
    at: dt.datetime
    author: str
    status: CaseStatus
    reason: str


@dataclass(frozen=True)
class FieldHistoryEntry:
    """One change to a field that matters, in words."""

    field: str  # the stored field name
    label: str  # the field in words
    old: str  # the old value in words ("" when it had none)
    new: str
    by: str
    at: dt.datetime  # UTC
    reason: str


@dataclass(frozen=True)
class HandoverView:
    kind: HandoverKind
    from_name: str  # "" for a first allocation
    to_name: str
    note: str
    at: dt.datetime  # UTC
    by: str


@dataclass(frozen=True)
class CaseDetails:
    id: str
    fields: CaseFields
    status: CaseStatus
    status_reason: str
    allocated_worker_id: str | None
    allocated_worker_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by_name: str
    flags: ReleaseFlags | None
    warnings: tuple[str, ...]
    status_history: tuple[StatusEntry, ...] = field(default=())
    handovers: tuple[HandoverView, ...] = field(default=())  # newest first
    field_history: tuple[FieldHistoryEntry, ...] = field(default=())  # newest first
    legal_hold: bool = False
    version: str | None = None  # the record's last change when read: an edit's If-Match
    closure_reason: str = ""  # closure_reasons.csv code while Closed
    custody_returns: tuple[CustodyReturnView, ...] = field(default=())  # newest first


@dataclass(frozen=True)
class SaveResult:
    case_id: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class WorkerOption:
    id: str
    name: str
    organisation_code: str
