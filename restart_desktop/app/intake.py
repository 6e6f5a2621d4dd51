"""Intake use cases: a recommendation into the queue, the duplicate check, the allocator's
decisions, and a referring partner's CSV batch. Plain data in and out.

A recommendation is a case (``Person``, status Recommended, allocated to no one) with its
intake record: it travels like any case, so the decision reaches the worker's laptop with the
case's history at the next sync. Deciding needs ``Permission.DECIDE_INTAKE`` (the allocator,
supervisors); recording one ``RECORD_INTAKE`` (everyone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from restart_desktop.app.cases import _keep_history
from restart_desktop.app.errors import NotFound, UserError, ValidationFailed
from restart_desktop.app.intake_csv import (
    BatchCheck,
    check_batch,
    preview,
    read_batch,
    refused_words,
)
from restart_desktop.app.intake_views import (
    DecisionView,
    Duplicate,
    DuplicateFound,
    IntakeDetail,
    IntakeFields,
    IntakeRow,
)
from restart_desktop.app.permissions import allowed, require
from restart_desktop.app.release_plans import follow_case
from restart_desktop.app.session import AppSession
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.case import CaseStatus, display_name, validate_case_fields
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.identifiers import normalise_nomis
from restart_desktop.domain.intake import (
    UNDECIDED,
    DecisionKind,
    EligibilityAnswers,
    IntakeStatus,
    decision_problems,
    is_duplicate,
    screen,
)
from restart_desktop.domain.roles import Permission
from restart_desktop.store.intake_models import IntakeDecision, IntakeRecord
from restart_desktop.store.models import Handover, Person, Worker
from restart_desktop.store.queries import worker_names


def _summary(s: Session, app: AppSession, person: Person, intake: IntakeRecord) -> IntakeRow:
    ref = app.reference
    kind = ref.recommender_kind(intake.source)
    prison = ref.prison(person.prison_code)
    answers = EligibilityAnswers(
        intake.in_thames_valley,
        intake.iom,
        intake.mappa_level,
        intake.earlier_custodial_sentences,
        person.release_date,
    )
    return IntakeRow(
        person.id,
        display_name(person.given_name, person.family_name, person.preferred_name),
        person.nomis_number,
        prison.name if prison else person.prison_code,
        person.release_date,
        kind.label if kind else intake.source,
        intake.recommended_on,
        IntakeStatus(intake.status),
        screen(answers, intake.recommended_on),
        bool(kind and kind.is_self),
    )


class IntakeService:
    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._db = session.db

    @property
    def _clock(self) -> Clock:
        return self._app.clock  # read at each use: tests and the window may replace it

    @property
    def session(self) -> AppSession:
        """The session this service works in (the decision letter reads its reference data)."""
        return self._app

    @property
    def can_decide(self) -> bool:
        return allowed(self._app, Permission.DECIDE_INTAKE)

    # --- recording ----------------------------------------------------------------------
    def problems(self, values: IntakeFields) -> dict[str, str]:
        """What is wrong with a recommendation, keyed by field (empty: it can be saved)."""
        today = self._clock.today()
        problems = validate_case_fields(
            given_name=values.given_name,
            family_name=values.family_name,
            nomis=values.nomis_number,
            crn="",
            date_of_birth=values.date_of_birth,
            referral_date=values.recommended_on,
            release_date=None,
            today=today,
        )
        problems.pop("referral_date", None)
        ref = self._app.reference
        if ref.recommender_kind(values.source) is None:
            problems["source"] = "Choose who recommended the person."
        if values.recommended_on is None:
            problems["recommended_on"] = "Enter the date of the recommendation."
        elif values.recommended_on > today:
            problems["recommended_on"] = "The recommendation is dated in the future."
        elif problem := year_problem(values.recommended_on, today, "The recommendation date"):
            problems["recommended_on"] = problem
        if problem := year_problem(values.release_date, today, "The release date"):
            problems["release_date"] = problem
        if values.prison_code and ref.prison(values.prison_code) is None:
            problems["prison_code"] = "Choose the prison from the list."
        sentences = values.earlier_custodial_sentences
        if sentences is not None and not 0 <= sentences <= 200:
            problems["earlier_custodial_sentences"] = "Enter a number of sentences from 0."
        return problems

    def duplicates(self, values: IntakeFields) -> list[Duplicate]:
        """People on this laptop who look like the one recommended: same prison number, or
        same name and date of birth. A supervisor's or the allocator's laptop holds every
        case of the team; a worker's the cases it holds."""
        require(self._app, Permission.RECORD_INTAKE)
        nomis = normalise_nomis(values.nomis_number)
        conditions = []
        if nomis:
            conditions.append(Person.nomis_number == nomis)
        if values.date_of_birth is not None:
            conditions.append(Person.date_of_birth == values.date_of_birth)
        if not conditions:
            return []
        with self._db.read() as s:
            found = []
            for person in s.scalars(
                select(Person).where(or_(*conditions)).order_by(Person.family_name, Person.id)
            ):
                why = is_duplicate(
                    nomis,
                    values.given_name,
                    values.family_name,
                    values.date_of_birth,
                    person.nomis_number,
                    person.given_name,
                    person.family_name,
                    person.date_of_birth,
                )
                if why:
                    found.append(
                        Duplicate(
                            person.id,
                            display_name(
                                person.given_name, person.family_name, person.preferred_name
                            ),
                            person.nomis_number,
                            CaseStatus(person.status).label,
                            why,
                        )
                    )
            return found

    def record(self, values: IntakeFields, *, allow_duplicate: bool = False) -> str:
        """A recommendation into the intake queue (not onto a caseload): a case waiting for
        the allocation decision. DuplicateFound, saving nothing, when the person looks
        already recorded, unless ``allow_duplicate``. Returns the case id."""
        require(self._app, Permission.RECORD_INTAKE)
        values = self._normalised(values)
        problems = self.problems(values)
        if problems:
            raise ValidationFailed(problems)
        if not allow_duplicate and (found := self.duplicates(values)):
            raise DuplicateFound(found)
        with self._db.write() as s:
            person_id = self._add(s, values)
        return person_id

    def _normalised(self, values: IntakeFields) -> IntakeFields:
        texts = {
            f.name: getattr(values, f.name).strip()
            for f in fields(IntakeFields)
            if isinstance(getattr(values, f.name), str)
        }
        texts["nomis_number"] = normalise_nomis(values.nomis_number)
        return replace(values, **texts)

    def _add(self, s: Session, values: IntakeFields) -> str:
        assert values.recommended_on is not None  # checked by problems()
        person = Person(
            given_name=values.given_name,
            family_name=values.family_name,
            date_of_birth=values.date_of_birth,
            nomis_number=values.nomis_number,
            prison_code=values.prison_code,
            release_date=values.release_date,
            iom=bool(values.iom),
            mappa=values.mappa_level in ("1", "2", "3"),
            referral_source=values.source,
            referral_date=values.recommended_on,
            status=CaseStatus.RECOMMENDED.value,
            status_reason="Recommended to the programme: waiting for the allocation decision",
            allocated_worker_id=None,
        )
        s.add(person)
        s.flush()
        s.add(
            IntakeRecord(
                person_id=person.id,
                source=values.source,
                recommender_name=values.recommender_name,
                recommender_organisation=values.recommender_organisation,
                recommender_role=values.recommender_role,
                recommender_contact=values.recommender_contact,
                recommended_on=values.recommended_on,
                reason=values.reason,
                in_thames_valley=values.in_thames_valley,
                iom=values.iom,
                mappa_level=values.mappa_level,
                earlier_custodial_sentences=values.earlier_custodial_sentences,
                status=IntakeStatus.WAITING.value,
            )
        )
        if allowed(self._app, Permission.CASE_WORK):
            follow_case(s, person, self._app.reference, self._clock.now_minute())
        return person.id

    # --- the queue ----------------------------------------------------------------------
    def queue(self, include_decided: bool = False) -> list[IntakeRow]:
        """The recommendations on this laptop, oldest first; undecided only by default."""
        require(self._app, Permission.RECORD_INTAKE)
        query = (
            select(Person, IntakeRecord)
            .join(IntakeRecord, IntakeRecord.person_id == Person.id)
            .order_by(IntakeRecord.recommended_on, IntakeRecord.created_at, IntakeRecord.id)
        )
        if not include_decided:
            query = query.where(IntakeRecord.status.in_(sorted(UNDECIDED)))
        with self._db.read() as s:
            return [_summary(s, self._app, p, i) for p, i in s.execute(query).all()]

    def for_case(self, person_id: str) -> IntakeDetail | None:
        """The case's intake record and decisions (None: it came in before intake existed)."""
        require(self._app, Permission.RECORD_INTAKE)
        with self._db.read() as s:
            person = s.get(Person, person_id)
            intake = s.scalars(
                select(IntakeRecord).where(IntakeRecord.person_id == person_id)
            ).first()
            if person is None or intake is None:
                return None
            names = worker_names(s)
            ref = self._app.reference
            decisions = []
            for d in s.scalars(
                select(IntakeDecision)
                .where(IntakeDecision.person_id == person_id)
                .order_by(IntakeDecision.at.desc(), IntakeDecision.id.desc())
            ):
                reason = ref.decline_reason(d.reason_code)
                organisation = ref.organisation(d.organisation_code)
                decisions.append(
                    DecisionView(
                        DecisionKind(d.decision),
                        reason.label if reason else d.reason_code,
                        d.words,
                        organisation.name if organisation else d.organisation_code,
                        names.get(d.worker_id or "", ""),
                        names.get(d.created_by, "Someone"),
                        d.at,
                    )
                )
            values = IntakeFields(
                person.given_name,
                person.family_name,
                person.date_of_birth,
                person.nomis_number,
                person.prison_code,
                person.release_date,
                intake.source,
                intake.recommender_name,
                intake.recommender_organisation,
                intake.recommender_role,
                intake.recommender_contact,
                intake.recommended_on,
                intake.reason,
                intake.in_thames_valley,
                intake.iom,
                intake.mappa_level,
                intake.earlier_custodial_sentences,
            )
            return IntakeDetail(_summary(s, self._app, person, intake), values, tuple(decisions))

    # --- decisions ----------------------------------------------------------------------
    def decide(
        self,
        person_id: str,
        kind: DecisionKind,
        *,
        organisation: str = "",
        worker_id: str | None = None,
        reason_code: str = "",
        words: str = "",
    ) -> None:
        """The allocator's decision: accept and allocate to a partner organisation and a
        worker, decline with a coded reason and words, or ask for more information. Kept as
        a decision record (author and time) with the case, so it reaches the worker's laptop
        at the next sync."""
        require(self._app, Permission.DECIDE_INTAKE)
        problems = decision_problems(kind, organisation, worker_id, reason_code, words)
        ref = self._app.reference
        if organisation and ref.organisation(organisation) is None:
            problems["organisation"] = "Choose the partner organisation from the list."
        if reason_code and ref.decline_reason(reason_code) is None:
            problems["reason"] = "Choose the reason from the list."
        if problems:
            raise ValidationFailed(problems)
        now = self._clock.now()
        with self._db.write() as s:
            person = s.get(Person, person_id)
            intake = s.scalars(
                select(IntakeRecord).where(IntakeRecord.person_id == person_id)
            ).first()
            if person is None or intake is None:
                raise NotFound("That recommendation is no longer on this laptop.")
            if intake.status not in UNDECIDED:
                raise UserError(
                    f"This recommendation is already decided "
                    f"({IntakeStatus(intake.status).label.lower()})."
                )
            if kind == DecisionKind.ACCEPT:
                self._accept(s, person, organisation, worker_id, words, now)
            elif kind == DecisionKind.DECLINE:
                label = ref.decline_reason(reason_code)
                reason = f"Declined at intake: {label.label if label else reason_code}"
                _keep_history(s, person, "status", CaseStatus.DECLINED.value, reason, now)
                person.status = CaseStatus.DECLINED.value
                person.status_reason = reason
            intake.status = kind.status.value
            if kind != DecisionKind.MORE_INFORMATION:
                intake.decided_at = now
            s.add(
                IntakeDecision(
                    person_id=person_id,
                    intake_id=intake.id,
                    decision=kind.value,
                    reason_code=reason_code if kind == DecisionKind.DECLINE else "",
                    words=words.strip(),
                    organisation_code=organisation if kind == DecisionKind.ACCEPT else "",
                    worker_id=worker_id if kind == DecisionKind.ACCEPT else None,
                    at=now,
                )
            )

    def _accept(
        self,
        s: Session,
        person: Person,
        organisation: str,
        worker_id: str | None,
        words: str,
        now: dt.datetime,
    ) -> None:
        worker = s.get(Worker, worker_id or "")
        if worker is None or not worker.active:
            raise ValidationFailed({"worker": "Choose a current worker."})
        if worker.organisation_code != organisation:
            raise ValidationFailed({"worker": "Choose a worker of the chosen organisation."})
        note = words.strip() or "Accepted at intake"
        _keep_history(s, person, "status", CaseStatus.ACCEPTED.value, note, now)
        person.status = CaseStatus.ACCEPTED.value
        person.status_reason = note
        _keep_history(s, person, "allocated_worker_id", worker.id, note, now)
        current = person.allocated_worker_id
        person.allocated_worker_id = worker.id
        s.add(
            Handover(
                person_id=person.id,
                kind=HandoverKind.ALLOCATION.value,
                from_worker_id=current,
                to_worker_id=worker.id,
                note=note,
                at=now,
            )
        )

    def waiting_count(self) -> int:
        require(self._app, Permission.RECORD_INTAKE)
        with self._db.read() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(IntakeRecord)
                    .where(IntakeRecord.status.in_(sorted(UNDECIDED)))
                ).scalar()
                or 0
            )

    # --- a referring partner's batch (app/intake_csv.py) -------------------------------
    def check_csv(self, path: Path) -> BatchCheck:
        """What importing a referring partner's CSV batch would record, line by line, or the
        lines refused with their reasons (then nothing would be); records nothing."""
        require(self._app, Permission.RECORD_INTAKE)
        text, digest = read_batch(path)
        rows, refused = check_batch(text, self._app.reference, (self.problems, self.duplicates))
        reference = self._app.reference
        return BatchCheck(
            path,
            tuple(preview(line, values, reference) for line, values in rows),
            tuple(refused),
            digest,
        )

    def import_csv(self, path: Path, checked: BatchCheck | None = None) -> list[str]:
        """Record every row of a referring partner's CSV batch (columns: ``CSV_COLUMNS``),
        all in one transaction: any bad row (named by its line) or a person already recorded
        imports nothing of the file. With ``checked`` (the window's preview), a file changed
        since imports nothing either. Returns the new case ids."""
        require(self._app, Permission.RECORD_INTAKE)
        text, digest = read_batch(path)
        if checked is not None and digest != checked.digest:
            raise UserError(
                f"The file {path.name} changed after it was checked: check it again, then "
                "import. Nothing was imported."
            )
        rows, refused = check_batch(text, self._app.reference, (self.problems, self.duplicates))
        if refused:
            raise UserError(refused_words(refused))
        with self._db.write() as s:
            return [self._add(s, values) for _line, values in rows]
