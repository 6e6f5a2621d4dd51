"""Case (person) use cases: the caseload list, the case file, status changes and allocation.

Plain data in and out: no ORM object leaves this module, so callers on other threads never
hold a live database row.

Longer than 600 lines because ``CaseService`` (about 550 lines) holds the caseload query, the
case file's read and versioned save, status changes and allocation, which share its private
helpers. What it takes and gives is in app/case_views.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from restart_desktop.app.audit import record
from restart_desktop.app.case_views import (
    CaseDetails,
    CaseFields,
    CaseloadQuery,
    CaseRow,
    CaseSort,
    FieldHistoryEntry,
    HandoverView,
    SaveResult,
    StatusEntry,
    StatusFilter,
    WorkerOption,
)
from restart_desktop.app.custody import CustodyService, returns_of
from restart_desktop.app.duty_to_refer import duty_to_refer_answered
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.lookups import case_or_gone
from restart_desktop.app.permissions import allowed, require
from restart_desktop.app.release_plans import follow_case, recorded_release
from restart_desktop.app.session import AppSession
from restart_desktop.app.versions import EditBase, check_edit
from restart_desktop.domain.allocation import HandoverKind, handover_problem
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import (
    CASE_FIELD_LABELS,
    OPEN_STATUSES,
    OUT_STATUSES,
    REASONED_FIELDS,
    CaseStatus,
    ConsentMethod,
    ReferralSource,
    display_name,
    eligibility_warnings,
    reason_problem,
    transition_problem,
    validate_case_fields,
)
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.custody import CustodyKind, CustodySource, closure_problem
from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.identifiers import normalise_crn, normalise_nomis
from restart_desktop.domain.notes import ActionStatus
from restart_desktop.domain.release import release_flags
from restart_desktop.domain.roles import Permission
from restart_desktop.store.changes import to_json_value
from restart_desktop.store.models import (
    Change,
    FieldChange,
    FollowUpAction,
    Handover,
    Person,
    Worker,
)
from restart_desktop.store.queries import worker_names

# The service, and the values it takes and gives (app/case_views.py), importable from here.
__all__ = [
    "CaseService",
    "CaseDetails",
    "CaseFields",
    "CaseloadQuery",
    "CaseRow",
    "CaseSort",
    "FieldHistoryEntry",
    "HandoverView",
    "SaveResult",
    "StatusEntry",
    "StatusFilter",
    "WorkerOption",
]


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


_LIST_FIELDS = ("needs", "consent_categories")  # stored as JSON lists, edited as tuples


class CaseService:
    def __init__(
        self,
        session: AppSession,
        clock: Clock | None = None,
    ) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference
        self._clock = clock or session.clock
        self._now = self._clock.now_minute

    @property
    def clock(self) -> Clock:
        """The clock this service stamps its records with: a window showing or defaulting
        to a date or time reads it here, so what it shows sits with what is recorded."""
        return self._clock

    # --- caseload -----------------------------------------------------------------------
    # The columns a caseload row needs: plain tuples, not ORM objects, keep a page cheap.
    _ROW_COLUMNS = (
        Person.id,
        Person.given_name,
        Person.family_name,
        Person.preferred_name,
        Person.nomis_number,
        Person.prison_code,
        Person.release_date,
        Person.release_time,
        Person.status,
        Person.has_settled_address,
    )

    def _caseload_select(self, query: CaseloadQuery, *columns: Any) -> Select[Any]:
        allocated = aliased(Worker)
        stmt = select(*columns, allocated.name).outerjoin(
            allocated, Person.allocated_worker_id == allocated.id
        )
        conditions: list[ColumnElement[bool]] = []
        if query.status == StatusFilter.OPEN:
            conditions.append(Person.status.in_(OPEN_STATUSES))
        elif query.status != StatusFilter.ALL:
            conditions.append(Person.status == query.status)
        if query.worker_id is not None:
            conditions.append(Person.allocated_worker_id == query.worker_id)
        if query.release_within_days is not None:
            today = self._clock.today()
            conditions.append(
                and_(
                    Person.release_date >= today,
                    Person.release_date <= today + dt.timedelta(days=query.release_within_days),
                )
            )
        text = query.text.strip()
        if text:
            for word in text.split():
                like = f"%{_escape_like(word)}%"
                # SQLite's LIKE ignores case (ASCII) by itself; ilike() would add lower() calls
                # on every column of every row.
                conditions.append(
                    or_(
                        Person.family_name.like(like, escape="\\"),
                        Person.given_name.like(like, escape="\\"),
                        Person.preferred_name.like(like, escape="\\"),
                        Person.nomis_number.like(like, escape="\\"),
                        Person.crn.like(like, escape="\\"),
                    )
                )
        if conditions:
            stmt = stmt.where(and_(*conditions))
        today = self._clock.today()
        # Each key is (expression, ascending); a descending sort reverses every key.
        orders: dict[CaseSort, list[tuple[Any, bool]]] = {
            # Names are shown in capitals: sort them regardless of how they were typed.
            CaseSort.NAME: [
                (Person.family_name.collate("NOCASE"), True),
                (Person.given_name.collate("NOCASE"), True),
            ],
            CaseSort.NOMIS: [(Person.nomis_number, True)],
            CaseSort.PRISON: [(Person.prison_code, True)],
            # Who is due out next comes first, then those already out (most recent first),
            # then people with no release date yet.
            CaseSort.RELEASE: [
                (
                    case(
                        (Person.release_date >= today, 0),
                        (Person.release_date.is_not(None), 1),
                        else_=2,
                    ),
                    True,
                ),
                (case((Person.release_date >= today, Person.release_date), else_=None), True),
                (Person.release_date, False),
            ],
            CaseSort.STATUS: [(Person.status, True)],
            CaseSort.WORKER: [(allocated.name, True)],
        }
        order = [
            expression.asc() if ascending != query.descending else expression.desc()
            for expression, ascending in orders[query.sort]
        ]
        return stmt.order_by(*order, Person.id)

    def caseload_page(self, query: CaseloadQuery, offset: int, limit: int) -> list[CaseRow]:
        return self.caseload_page_and_count(query, offset, limit)[1]

    def caseload_page_and_count(
        self, query: CaseloadQuery, offset: int, limit: int
    ) -> tuple[int, list[CaseRow]]:
        """One page of the caseload and the number of matching cases, in one query."""
        today = self._clock.today()
        holidays = self._reference.bank_holiday_dates
        stmt = self._caseload_select(query, *self._ROW_COLUMNS, func.count().over())
        with self._db.read() as s:
            rows = s.execute(stmt.offset(offset).limit(limit)).all()
            ids = [row[0] for row in rows]
            overdue = self._overdue_counts(s, ids, today) if rows else {}
            shown = [
                replace(self._row(row, today, holidays), overdue_actions=overdue.get(row[0], 0))
                for row in rows
            ]
            # Only a flagged Duty to Refer can have been answered: the others need no lookup.
            due = [row.id for row in shown if row.flags is not None and row.flags.duty_to_refer]
            referred = duty_to_refer_answered(s, due, self._reference)
        if not rows:
            return (self.caseload_count(query) if offset else 0), []
        total = int(rows[0][-2])  # count() over (), before the worker's name
        return total, [_referred(row, row.id in referred) for row in shown]

    @staticmethod
    def _overdue_counts(s: Session, person_ids: list[str], today: dt.date) -> dict[str, int]:
        """Open follow-up actions past their due date, for the people on one page."""
        stmt = (
            select(FollowUpAction.person_id, func.count())
            .where(
                FollowUpAction.person_id.in_(person_ids),
                # By the page's people, not by the status index: SQLite chose that one and
                # read every overdue action of the caseload at each page (75 ms at unlock
                # with 10,000 cases); `|| ''` keeps the status out of its choice.
                (FollowUpAction.status + "") == ActionStatus.OPEN.value,
                FollowUpAction.due_date < today,
            )
            .group_by(FollowUpAction.person_id)
        )
        return {person: int(count) for person, count in s.execute(stmt)}

    def caseload_count(self, query: CaseloadQuery) -> int:
        with self._db.read() as s:
            sub = self._caseload_select(query, Person.id).order_by(None).subquery()
            return int(s.execute(select(func.count()).select_from(sub)).scalar_one())

    def _row(self, row: Any, today: dt.date, holidays: frozenset[dt.date]) -> CaseRow:
        (
            case_id,
            given,
            family,
            preferred,
            nomis,
            prison_code,
            release_date,
            release_time,
            status,
            settled,
            _total,
            worker_name,
        ) = row
        prison = self._reference.prison(prison_code)
        flags = (
            release_flags(release_date, settled, today, holidays, status in OUT_STATUSES)
            if release_date
            else None
        )
        return CaseRow(
            id=case_id,
            name=display_name(given, family, preferred),
            nomis_number=nomis,
            prison=prison.name if prison else "",
            release_date=release_date,
            release_time=release_time,
            status=CaseStatus(status),
            worker_name=worker_name or "",
            flags=flags,
        )

    def workers(self) -> list[WorkerOption]:
        with self._db.read() as s:
            return [
                WorkerOption(w.id, w.name, w.organisation_code)
                for w in s.scalars(select(Worker).where(Worker.active).order_by(Worker.name))
            ]

    def record_caseload_search(self, found: int) -> None:
        """A caseload search by name or number settled: recorded with how many were found,
        never what was typed (the view calls this once the typing stops, not per key)."""
        record(self._app, AuditAction.SEARCHED_CASELOAD, None, f"{found} found", light=True)

    # --- case file ----------------------------------------------------------------------
    def get_case(self, case_id: str) -> CaseDetails:
        """The case file (its opening is recorded in the audit trail)."""
        details = self._get_case(case_id)
        record(self._app, AuditAction.VIEWED_CASE, case_id, "case file", light=True)
        return details

    def _get_case(self, case_id: str) -> CaseDetails:
        with self._db.read() as s:
            person = case_or_gone(s, case_id)
            names = worker_names(s)
            history = self._status_history(s, case_id, names)
            values = {f.name: getattr(person, f.name) for f in fields(CaseFields)}
            for name in _LIST_FIELDS:
                values[name] = tuple(getattr(person, name) or ())
            case_fields = CaseFields(**values)
            flags = (
                release_flags(
                    person.release_date,
                    person.has_settled_address,
                    self._clock.today(),
                    self._reference.bank_holiday_dates,
                    released=person.status in OUT_STATUSES,
                )
                if person.release_date
                else None
            )
            if (
                flags is not None
                and flags.duty_to_refer
                and duty_to_refer_answered(s, [person.id], self._reference)
            ):
                flags = replace(flags, duty_to_refer=False)  # the referral has gone
            return CaseDetails(
                id=person.id,
                fields=case_fields,
                status=CaseStatus(person.status),
                status_reason=person.status_reason,
                allocated_worker_id=person.allocated_worker_id,
                allocated_worker_name=names.get(person.allocated_worker_id or "", ""),
                created_at=person.created_at,
                updated_at=person.updated_at,
                updated_by_name=names.get(person.updated_by, ""),
                flags=flags,
                warnings=tuple(eligibility_warnings(person.iom, person.mappa)),
                status_history=history,
                handovers=tuple(_handovers(s, case_id, names)),
                field_history=tuple(self._field_history(s, case_id, names)),
                legal_hold=person.legal_hold,
                version=person.last_change_id,
                closure_reason=person.closure_reason,
                custody_returns=tuple(returns_of(s, case_id, names)),
            )

    def _field_history(
        self, s: Session, case_id: str, names: dict[str, str]
    ) -> list[FieldHistoryEntry]:
        order = {name: n for n, name in enumerate(REASONED_FIELDS)}
        rows = sorted(
            s.scalars(select(FieldChange).where(FieldChange.person_id == case_id)),
            key=lambda r: (-r.at.timestamp(), order.get(r.field, len(order))),
        )
        return [
            FieldHistoryEntry(
                row.field,
                REASONED_FIELDS.get(row.field, row.field),
                self._shown(row.field, row.old_value, names),
                self._shown(row.field, row.new_value, names),
                names.get(row.created_by, "Unknown worker"),
                row.at,
                row.reason,
            )
            for row in rows
        ]

    def _shown(self, name: str, value: Any, names: dict[str, str]) -> str:
        """A stored value in words."""
        if value is None or value == "" or value == []:
            return "Not allocated" if name == "allocated_worker_id" else ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if name == "status":
            return CaseStatus(value).label if value in set(CaseStatus) else str(value)
        if name == "allocated_worker_id":
            return names.get(str(value), "another worker")
        if name == "closure_reason":
            found = self._reference.closure_reason(str(value))
            return found.label if found else str(value)
        if name == "consent_method":
            return ConsentMethod(value).label if value in set(ConsentMethod) else str(value)
        if name == "consent_categories" and isinstance(value, list):
            return ", ".join(
                need.label if (need := self._reference.need(code)) else str(code) for code in value
            )
        if name.endswith("_date"):
            try:
                return f"{dt.date.fromisoformat(str(value)):%d/%m/%Y}"
            except ValueError:
                return str(value)
        return str(value)

    def _status_history(
        self, s: Session, case_id: str, names: dict[str, str]
    ) -> tuple[StatusEntry, ...]:
        changes = s.scalars(
            select(Change)
            .where(Change.record_id == case_id, Change.entity == Person.__tablename__)
            .order_by(Change.hlc.desc())
        )
        entries = []
        for change in changes:
            if "status" in change.fields:
                entries.append(
                    StatusEntry(
                        at=change.recorded_at,
                        author=names.get(change.author_id, "Unknown worker"),
                        status=CaseStatus(change.fields["status"]),
                        reason=str(change.fields.get("status_reason", "")),
                    )
                )
        return tuple(entries)

    def validate(self, values: CaseFields) -> dict[str, str]:
        """Every problem with ``values``, keyed by field name, in a worker's words."""
        problems = validate_case_fields(
            given_name=values.given_name,
            family_name=values.family_name,
            nomis=values.nomis_number,
            crn=values.crn,
            date_of_birth=values.date_of_birth,
            referral_date=values.referral_date,
            release_date=values.release_date,
            today=self._clock.today(),
        )
        ref = self._reference
        if values.prison_code and ref.prison(values.prison_code) is None:
            problems["prison_code"] = "Choose the prison from the list."
        if values.sentence_type and ref.sentence_type(values.sentence_type) is None:
            problems["sentence_type"] = "Choose the sentence type from the list."
        if values.referral_source and values.referral_source not in set(ReferralSource):
            problems["referral_source"] = "Choose who recommended the person from the list."
        unknown = [n for n in values.needs if ref.need(n) is None]
        if unknown:
            problems["needs"] = "Some needs are not on the needs list: " + ", ".join(unknown)
        unknown = [n for n in values.consent_categories if ref.need(n) is None]
        if unknown:
            problems["consent_categories"] = "Choose the kinds of service from the list."
        if values.housing_authority and ref.local_authority(values.housing_authority) is None:
            problems["housing_authority"] = "Choose the local authority from the list."
        if values.consent_given and not values.consent_categories:
            problems["consent_categories"] = (
                "Tick the kinds of service the person agreed their information can go to."
            )
        if values.release_time and not _TIME.match(values.release_time):
            problems["release_time"] = "Write the release time as hours and minutes, e.g. 08:30."
        if values.consent_given:
            if values.consent_date is None:
                problems["consent_date"] = "Enter the date consent to share was given."
            elif values.consent_date > self._clock.today():
                problems["consent_date"] = "Consent cannot be dated in the future."
            elif problem := year_problem(
                values.consent_date, self._clock.today(), "The consent date"
            ):
                problems["consent_date"] = problem
            if values.consent_method not in set(ConsentMethod):
                problems["consent_method"] = "Say how consent was given (written or verbal)."
        return problems

    def _checked(self, values: CaseFields) -> CaseFields:
        """``values`` as they are saved; ValidationFailed names every problem."""
        values = self._normalised(values)
        problems = self.validate(values)
        if problems:
            raise ValidationFailed(problems)
        return values

    def _normalised(self, values: CaseFields) -> CaseFields:
        return replace(
            values,
            given_name=values.given_name.strip(),
            family_name=values.family_name.strip(),
            preferred_name=values.preferred_name.strip(),
            nomis_number=normalise_nomis(values.nomis_number),
            crn=normalise_crn(values.crn),
            consent_scope=values.consent_scope.strip(),
            needs=tuple(sorted(set(values.needs))),
            consent_categories=tuple(sorted(set(values.consent_categories)))
            if values.consent_given
            else (),
        )

    def create_case(self, values: CaseFields, reason: str = "") -> SaveResult:
        """A new recommendation: a worker's is allocated to them, a supervisor's waits for
        the allocation decision."""
        values = self._checked(values)
        person = Person(
            **{
                f.name: getattr(values, f.name)
                for f in fields(CaseFields)
                if f.name not in _LIST_FIELDS
            }
        )
        for name in _LIST_FIELDS:
            setattr(person, name, list(getattr(values, name)))
        person.status = CaseStatus.RECOMMENDED.value
        person.status_reason = reason.strip() or "Recommended to the programme"
        # A worker's own recommendation is theirs; a supervisor's waits for allocation.
        if not allowed(self._app, Permission.DECIDE_INTAKE):
            person.allocated_worker_id = self._app.worker.id
        with self._db.write() as s:
            s.add(person)
            s.flush()
            follow_case(s, person, self._reference, self._now())
        return SaveResult(person.id, tuple(eligibility_warnings(values.iom, values.mappa)))

    def reasoned_changes(
        self, case_id: str, values: CaseFields, base: EditBase | None = None
    ) -> list[str]:
        """The fields that matter which saving ``values`` would change, in words: the window
        asks for a reason before it saves. Values that cannot be saved raise
        ValidationFailed, and a clash with someone else's change EditClashed, as saving would."""
        values = self._checked(values)
        with self._db.read() as s:
            person = case_or_gone(s, case_id)
            written = _written(values, base)
            self._check_edit(s, person, values, base, written)
            return [REASONED_FIELDS[name] for name in _reasoned(person, values) if name in written]

    def update_case(
        self, case_id: str, values: CaseFields, reason: str = "", base: EditBase | None = None
    ) -> SaveResult:
        """Save the case file. A change to a field that matters (release date, consent, risk
        flags) needs ``reason``, kept with the old and new values in the field history.

        With ``base`` (what the form loaded: its version, and the loaded value of each field
        the user changed) only those fields are written, and one that someone else changed
        meanwhile is refused with EditClashed, writing nothing. Without it (scripts, tests)
        every field that differs from the database is written."""
        values = self._checked(values)
        with self._db.write() as s:
            person = case_or_gone(s, case_id)
            written = _written(values, base)
            self._check_edit(s, person, values, base, written)
            recorded = recorded_release(s, person)
            if (
                recorded is not None
                and "release_date" in written
                and values.release_date != person.release_date
            ):
                raise ValidationFailed(
                    {
                        "release_date": (
                            f"The release of {recorded:%d/%m/%Y} is recorded on the release-day "
                            "checklist, so the date stays. For a new sentence, change the status "
                            "back to Recommended first."
                        )
                    }
                )
            changed = [name for name in _reasoned(person, values) if name in written]
            problem = reason_problem(changed, reason)
            if problem:
                raise ValidationFailed({"reason": problem})
            at = self._clock.now()  # one moment for the whole save: the history lists it together
            for name in changed:
                _keep_history(s, person, name, getattr(values, name), reason, at)
            for name in written:
                new = getattr(values, name)
                if name in _LIST_FIELDS:
                    if list(new) != list(getattr(person, name) or []):
                        setattr(person, name, list(new))
                elif getattr(person, name) != new:
                    setattr(person, name, new)
            follow_case(s, person, self._reference, self._now())
            iom, mappa = person.iom, person.mappa
        return SaveResult(case_id, tuple(eligibility_warnings(iom, mappa)))

    def _check_edit(
        self,
        s: Session,
        person: Person,
        values: CaseFields,
        base: EditBase | None,
        written: list[str],
    ) -> None:
        """EditClashed if someone else changed a field this edit writes since it was loaded."""
        if base is None:
            return
        names: dict[str, str] = {}

        def shown(name: str, value: Any) -> str:
            if name == "allocated_worker_id" and not names:
                names.update((w.id, w.name) for w in s.scalars(select(Worker)))
            return self._shown(name, to_json_value(value), names) or "(empty)"

        check_edit(
            s,
            person,
            EditBase(base.version, {n: base.loaded[n] for n in written}),
            {n: getattr(values, n) for n in written},
            lambda name: CASE_FIELD_LABELS.get(name, name),
            shown,
        )

    def change_status(
        self, case_id: str, new_status: CaseStatus, reason: str, closure_reason: str = ""
    ) -> None:
        """Move the case on, with the worker's reason. Closing needs a coded reason too
        (``closure_reason``, from closure_reasons.csv); leaving Closed clears it."""
        with self._db.write() as s:
            person = case_or_gone(s, case_id)
            problem = transition_problem(CaseStatus(person.status), new_status, reason)
            if problem:
                raise ValidationFailed({"status": problem})
            closing = new_status == CaseStatus.CLOSED
            if closing and (
                problem := closure_problem(self._reference.closure_reasons, closure_reason, reason)
            ):
                raise ValidationFailed({"closure_reason": problem})
            at = self._clock.now()
            _keep_history(s, person, "status", new_status.value, reason, at)
            person.status = new_status.value
            person.status_reason = reason.strip()
            if (closure_reason if closing else "") != person.closure_reason:
                _keep_history(
                    s, person, "closure_reason", closure_reason if closing else "", reason, at
                )
                person.closure_reason = closure_reason if closing else ""
            follow_case(s, person, self._reference, self._now())

    def record_custody_return(
        self, case_id: str, returned_on: dt.date | None, kind: CustodyKind, source: CustodySource
    ) -> str:
        """The person went back into custody (app.custody); the case file records it."""
        return CustodyService(self._app).record_return(case_id, returned_on, kind, source)

    def today(self) -> dt.date:
        return self._clock.today()

    def allocate(
        self, case_id: str, worker_id: str | None, note: str = "", share: bool = False
    ) -> HandoverKind | None:
        """A supervisor's allocation decision: give an unallocated case to a worker, hand an
        allocated one over to another worker (with a note the receiving worker reads), or
        share it with a second worker while it stays allocated (``share``). Each is kept as a
        handover record; the worker's laptop receives the case with its history at its next
        sync. ``worker_id`` None takes the case back to the unallocated list. Returns what was
        recorded (None for taking back)."""
        require(self._app, Permission.ALLOCATE)
        with self._db.write() as s:
            person = case_or_gone(s, case_id)
            current = person.allocated_worker_id
            if worker_id is None:
                if current is not None and not note.strip():
                    raise ValidationFailed({"note": "Say why the case goes back unallocated."})
                if current is not None:
                    _keep_history(s, person, "allocated_worker_id", None, note, self._clock.now())
                person.allocated_worker_id = None
                return None
            worker = s.get(Worker, worker_id)
            if worker is None or not worker.active:
                raise ValidationFailed({"allocated_worker_id": "Choose a current worker."})
            kind = HandoverKind.ALLOCATION if current is None else HandoverKind.HANDOVER
            if share:
                kind = HandoverKind.SHARE
            shared = set(
                s.scalars(
                    select(Handover.to_worker_id).where(
                        Handover.person_id == case_id, Handover.kind == HandoverKind.SHARE
                    )
                )
            )
            problem = handover_problem(kind, current, worker_id, note)
            if problem is None and share and worker_id in shared:
                problem = "The case is already shared with that worker."
            if problem is None and not note.strip():
                problem = (
                    "Write a note saying why this worker takes the case (it is kept in "
                    "the case history)."
                )
            if problem is not None:
                key = "note" if "note" in problem else "allocated_worker_id"
                raise ValidationFailed({key: problem})
            if not share:
                _keep_history(s, person, "allocated_worker_id", worker_id, note, self._clock.now())
                person.allocated_worker_id = worker_id
            s.add(
                Handover(
                    person_id=case_id,
                    kind=kind.value,
                    from_worker_id=current,
                    to_worker_id=worker_id,
                    note=note.strip(),
                    at=self._clock.now(),
                )
            )
            return kind

    def set_legal_hold(self, case_id: str, hold: bool, reason: str) -> None:
        """A supervisor's legal hold: while it is on, no retention rule erases the case (on
        any laptop). Placing and lifting it both need a reason, kept in the field history."""
        require(self._app, Permission.LEGAL_HOLD)
        with self._db.write() as s:
            person = case_or_gone(s, case_id)
            if person.legal_hold == hold:
                raise ValidationFailed(
                    {
                        "legal_hold": "The case is already on legal hold."
                        if hold
                        else "The case is not on legal hold."
                    }
                )
            problem = reason_problem(["legal_hold"], reason)
            if problem:
                raise ValidationFailed({"reason": problem})
            _keep_history(s, person, "legal_hold", hold, reason, self._clock.now())
            person.legal_hold = hold

    @property
    def can_allocate(self) -> bool:
        return allowed(self._app, Permission.ALLOCATE)

    def handovers(self, case_id: str) -> list[HandoverView]:
        """The case's allocations, handovers and shares, newest first."""
        with self._db.read() as s:
            return _handovers(s, case_id, worker_names(s))


def _written(values: CaseFields, base: EditBase | None) -> list[str]:
    """The fields a save writes: those the user changed from what the form loaded (typing a
    value and its spaces away again is no change), or every field without a base."""
    if base is None:
        return [f.name for f in fields(CaseFields)]
    return [
        f.name
        for f in fields(CaseFields)
        if f.name in base.loaded
        and to_json_value(base.loaded[f.name]) != to_json_value(getattr(values, f.name))
    ]


def _reasoned(person: Person, values: CaseFields) -> list[str]:
    """The fields that matter (editable on the case file) that ``values`` changes."""
    changed = []
    for name in REASONED_FIELDS:
        if not hasattr(values, name):
            continue  # status, allocation and legal hold have their own actions
        new, old = getattr(values, name), getattr(person, name)
        if name in _LIST_FIELDS:
            new, old = list(new), list(old or [])
        if new != old:
            changed.append(name)
    return changed


def _keep_history(
    s: Session, person: Person, name: str, new: Any, reason: str, at: dt.datetime
) -> None:
    """A field history entry for a change to a field that matters (same transaction)."""
    old = getattr(person, name)
    s.add(
        FieldChange(
            person_id=person.id,
            field=name,
            old_value=to_json_value(old),
            new_value=to_json_value(list(new) if isinstance(new, tuple) else new),
            reason=reason.strip(),
            at=at,
        )
    )


def _handovers(s: Session, case_id: str, names: dict[str, str]) -> list[HandoverView]:
    return [
        HandoverView(
            HandoverKind(h.kind),
            names.get(h.from_worker_id or "", ""),
            names.get(h.to_worker_id, "another worker"),
            h.note,
            h.at,
            names.get(h.created_by, "Someone"),
        )
        for h in s.scalars(
            select(Handover)
            .where(Handover.person_id == case_id)
            .order_by(Handover.at.desc(), Handover.id.desc())
        )
    ]


def _referred(row: CaseRow, made: bool) -> CaseRow:
    """A Duty to Refer that has been made is no longer due."""
    if made and row.flags is not None and row.flags.duty_to_refer:
        return replace(row, flags=replace(row.flags, duty_to_refer=False))
    return row


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
