"""Outcome assessments (drafted, then finalised and never changed) with the distance travelled
per life area, and the barriers and escalations register. Plain data in and out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.board_figures import identifiers
from restart_desktop.app.errors import NotFound, UserError, ValidationFailed
from restart_desktop.app.lookups import case_or_gone, record_or_gone
from restart_desktop.app.permissions import guarded
from restart_desktop.app.session import AppSession
from restart_desktop.app.versions import EditBase, edited_fields, same, words
from restart_desktop.domain.case import Role, display_name
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.disclosure import identifier_problems
from restart_desktop.domain.outcomes import (
    HIGHEST,
    LOWEST,
    AreaScore,
    AssessmentPoint,
    BarrierStatus,
    Distance,
    barrier_problems,
    barrier_transition_problem,
    distance_travelled,
    score_problems,
)
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import Assessment, Barrier, Person
from restart_desktop.store.queries import worker_names


class AssessmentFinal(UserError):
    """A finalised assessment was to be changed: it is a record now, like a note."""


@dataclass(frozen=True)
class AssessmentFields:
    person_id: str
    assessed_on: dt.date | None
    present: str = ""
    scores: tuple[AreaScore, ...] = ()
    agreed: bool = True
    disagreement: str = ""


@dataclass(frozen=True)
class AssessmentView:
    id: str
    person_id: str
    assessed_on: dt.date
    present: str
    scores: tuple[AreaScore, ...]
    agreed: bool
    disagreement: str
    finalised_at: dt.datetime | None
    by: str
    version: str | None = None  # the draft's last change when read: an edit's If-Match

    @property
    def final(self) -> bool:
        return self.finalised_at is not None

    def fields(self) -> AssessmentFields:
        return AssessmentFields(
            self.person_id,
            self.assessed_on,
            self.present,
            self.scores,
            self.agreed,
            self.disagreement,
        )


@dataclass(frozen=True)
class BarrierFields:
    title: str
    category: str
    description: str = ""
    case_ids: tuple[str, ...] = ()
    raised_on: dt.date | None = None


@dataclass(frozen=True)
class BarrierView:
    id: str
    title: str
    category: str
    category_label: str
    description: str
    case_ids: tuple[str, ...]
    case_names: tuple[str, ...]
    raised_on: dt.date
    raised_by: str
    status: BarrierStatus
    resolution: str
    resolved_on: dt.date | None
    version: str | None = None  # the barrier's last change when read: an edit's If-Match
    board_wording: str = ""  # confirmed by a supervisor ("" until then)

    def fields(self) -> BarrierFields:
        return BarrierFields(
            self.title, self.category, self.description, self.case_ids, self.raised_on
        )


@dataclass(frozen=True)
class BarrierQuery:
    category: str | None = None
    status: str | None = None
    raised_from: dt.date | None = None
    raised_to: dt.date | None = None


@dataclass(frozen=True)
class BarrierCounts:
    """Barriers raised in a period, by category and status."""

    by_category: dict[str, dict[BarrierStatus, int]] = field(default_factory=dict)

    def total(self, category: str | None = None, status: BarrierStatus | None = None) -> int:
        rows = [self.by_category[category]] if category else list(self.by_category.values())
        return sum(
            count for row in rows for s, count in row.items() if status is None or s == status
        )


#: The fields of a draft assessment and of a barrier, as a clash names them.
ASSESSMENT_LABELS = {
    "assessed_on": "Date of the assessment",
    "present": "Who was there",
    "scores": "Scores",
    "agreed": "Agreed with the person",
    "disagreement": "What was not agreed",
}
BARRIER_LABELS = {
    "title": "Title",
    "category": "Category",
    "description": "Description",
    "case_ids": "Cases affected",
    "raised_on": "Date raised",
}


def _assessment_values(fields: AssessmentFields) -> dict[str, Any]:
    """A draft's fields as saving ``fields`` leaves them (scores as stored)."""
    return {
        "assessed_on": fields.assessed_on,
        "present": fields.present.strip()[:200],
        "scores": [area.to_json() for area in fields.scores],
        "agreed": fields.agreed,
        "disagreement": "" if fields.agreed else fields.disagreement.strip(),
    }


def _barrier_values(fields: BarrierFields) -> dict[str, Any]:
    return {
        "title": fields.title.strip()[:200],
        "category": fields.category,
        "description": fields.description.strip(),
        "case_ids": list(dict.fromkeys(fields.case_ids)),
        "raised_on": fields.raised_on,
    }


def assessment_edit_base(view: AssessmentView, fields: AssessmentFields) -> EditBase:
    """The base of an edit of the draft ``view`` (as the dialog loaded it) into ``fields``."""
    loaded, typed = _assessment_values(view.fields()), _assessment_values(fields)
    return EditBase(view.version, {n: v for n, v in loaded.items() if not same(v, typed[n])})


def barrier_edit_base(view: BarrierView, fields: BarrierFields) -> EditBase:
    """The base of an edit of the barrier ``view`` (as the dialog loaded it) into ``fields``."""
    loaded, typed = _barrier_values(view.fields()), _barrier_values(fields)
    return EditBase(view.version, {n: v for n, v in loaded.items() if not same(v, typed[n])})


def _scores_words(name: str, value: Any) -> str:
    if name != "scores":
        return words(value)
    areas = [AreaScore.from_json(area) for area in value or []]
    return (
        "; ".join(f"{a.label} {a.worker if a.worker is not None else '-'}" for a in areas)
        or "(none)"
    )


@guarded(Permission.CASE_WORK)
class OutcomeService:
    def __init__(self, session: AppSession, clock: Clock | None = None) -> None:
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

    # --- assessments ------------------------------------------------------------------------
    @property
    def session(self) -> AppSession:
        """The signed-in session (for the laptop's own settings, such as questions asked)."""
        return self._app

    def blank_scores(self) -> tuple[AreaScore, ...]:
        """One unscored row per area of the team's current set."""
        return tuple(AreaScore(a.code, a.label) for a in self._reference.outcome_areas)

    def _check(self, fields: AssessmentFields) -> dict[str, str]:
        problems: dict[str, str] = {}
        if fields.assessed_on is None:
            problems["assessed_on"] = "Enter the date of the assessment."
        elif fields.assessed_on > self._clock.today():
            problems["assessed_on"] = "The assessment date is in the future."
        elif problem := year_problem(
            fields.assessed_on, self._clock.today(), "The assessment date"
        ):
            problems["assessed_on"] = problem
        codes = [area.code for area in fields.scores]
        if len(set(codes)) != len(codes):
            problems["scores"] = "Each area can be scored once."
        for area in fields.scores:
            for value in (area.worker, area.person):
                if value is not None and not LOWEST <= value <= HIGHEST:
                    problems[area.code] = f"{area.label}: scores go from {LOWEST} to {HIGHEST}."
        return problems

    def save_draft(
        self,
        fields: AssessmentFields,
        assessment_id: str | None = None,
        base: EditBase | None = None,
    ) -> str:
        """Create or change a draft; a finalised assessment is refused (AssessmentFinal).
        With ``base`` (what the dialog loaded) only the fields changed in it are written, and
        one someone else changed meanwhile is refused (EditClashed)."""
        problems = self._check(fields)
        if problems:
            raise ValidationFailed(problems)
        assert fields.assessed_on is not None
        with self._db.write() as s:
            case_or_gone(s, fields.person_id)
            row = s.get(Assessment, assessment_id) if assessment_id else None
            if assessment_id and row is None:
                raise NotFound("That assessment is no longer on this laptop.")
            new = row is None
            if row is None:
                row = Assessment(person_id=fields.person_id)
                s.add(row)
            elif row.finalised_at is not None:
                raise AssessmentFinal(
                    "This assessment is finalised and cannot be changed. Record a new one."
                )
            typed = _assessment_values(fields)
            written = (
                set(typed)
                if new
                else edited_fields(
                    s,
                    row,
                    base,
                    typed,
                    lambda name: ASSESSMENT_LABELS.get(name, name),
                    _scores_words,
                )
            )
            for name in written:
                setattr(row, name, typed[name])
            s.flush()
            return row.id

    def finalise(self, assessment_id: str) -> None:
        """Check every area is scored (or skipped with a reason), then make it a record."""
        with self._db.write() as s:
            row = record_or_gone(s, Assessment, assessment_id, "assessment")
            if row.finalised_at is not None:
                raise AssessmentFinal("This assessment is already finalised.")
            scores = [AreaScore.from_json(area) for area in row.scores]
            problems = score_problems(scores, row.agreed, row.disagreement)
            if problems:
                raise ValidationFailed(problems)
            row.finalised_at = self._now()

    def assessments(self, person_id: str) -> list[AssessmentView]:
        """A person's assessments, oldest first."""
        with self._db.read() as s:
            case_or_gone(s, person_id)
            workers = worker_names(s)
            rows = s.scalars(
                select(Assessment)
                .where(Assessment.person_id == person_id)
                .order_by(Assessment.assessed_on, Assessment.created_at)
            )
            return [
                AssessmentView(
                    id=row.id,
                    person_id=row.person_id,
                    assessed_on=row.assessed_on,
                    present=row.present,
                    scores=tuple(AreaScore.from_json(area) for area in row.scores),
                    agreed=row.agreed,
                    disagreement=row.disagreement,
                    finalised_at=row.finalised_at,
                    by=workers.get(row.created_by, "Unknown worker"),
                    version=row.last_change_id,
                )
                for row in rows
            ]

    def distance(self, person_id: str) -> list[Distance]:
        """First and latest score of each area over the finalised assessments. The areas are
        those of the assessments themselves (in the order last used), so a change of the
        team's set never hides what was scored."""
        final = [a for a in self.assessments(person_id) if a.final]
        return distance_of(final)

    # --- barriers ---------------------------------------------------------------------------
    def _barrier_check(self, fields: BarrierFields) -> dict[str, str]:
        return barrier_problems(
            fields.title,
            fields.category,
            [c.code for c in self._reference.barrier_categories],
            fields.raised_on,
            self._clock.today(),
        )

    def create_barrier(self, fields: BarrierFields) -> str:
        problems = self._barrier_check(fields)
        if problems:
            raise ValidationFailed(problems)
        assert fields.raised_on is not None
        with self._db.write() as s:
            barrier = Barrier(
                title=fields.title.strip()[:200],
                category=fields.category,
                description=fields.description.strip(),
                case_ids=self._known_cases(s, fields.case_ids),
                raised_on=fields.raised_on,
                status=BarrierStatus.OPEN.value,
            )
            s.add(barrier)
            s.flush()
            return barrier.id

    def update_barrier(
        self, barrier_id: str, fields: BarrierFields, base: EditBase | None = None
    ) -> None:
        """Change a barrier. With ``base`` (what the dialog loaded) only the fields changed in
        it are written, and one someone else changed meanwhile is refused (EditClashed)."""
        problems = self._barrier_check(fields)
        if problems:
            raise ValidationFailed(problems)
        assert fields.raised_on is not None
        with self._db.write() as s:
            barrier = self._barrier(s, barrier_id)
            typed = _barrier_values(fields)
            for name in edited_fields(
                s,
                barrier,
                base,
                typed,
                lambda name: BARRIER_LABELS.get(name, name),
                lambda _name, value: words(value),
            ):
                setattr(
                    barrier,
                    name,
                    typed[name] if name != "case_ids" else self._known_cases(s, fields.case_ids),
                )

    @property
    def can_confirm_wording(self) -> bool:
        return self._app.worker.role == Role.SUPERVISOR

    def confirm_board_wording(self, barrier_id: str, wording: str) -> None:
        """A supervisor's wording of the barrier for the board (what the board pack shows
        instead of the title as typed), refused while it may identify anyone held on this
        laptop: a name, prison number or CRN in any spacing or case."""
        if self._app.worker.role != Role.SUPERVISOR:
            raise UserError("Only a supervisor confirms what the board reads.")
        if not wording.strip():
            raise ValidationFailed(
                {"board_wording": "Write how the board should read the barrier."}
            )
        with self._db.write() as s:
            barrier = self._barrier(s, barrier_id)
            problems = identifier_problems(wording, identifiers(s))
            if problems:
                raise ValidationFailed({"board_wording": " ".join(problems)})
            barrier.board_wording = " ".join(wording.split())
            barrier.board_wording_by = self._app.worker.id
            barrier.board_wording_at = self._clock.now()

    def change_barrier_status(
        self,
        barrier_id: str,
        status: BarrierStatus,
        resolution: str = "",
        resolved_on: dt.date | None = None,
    ) -> None:
        with self._db.write() as s:
            barrier = self._barrier(s, barrier_id)
            problem = barrier_transition_problem(
                BarrierStatus(barrier.status),
                status,
                resolution,
                resolved_on,
                self._clock.today(),
            )
            if problem is None and resolved_on is not None and resolved_on < barrier.raised_on:
                problem = (
                    f"The date resolved is before the barrier was raised "
                    f"({barrier.raised_on:%d/%m/%Y})."
                )
            if problem:
                raise ValidationFailed({"status": problem})
            barrier.status = status.value
            if status in (BarrierStatus.RESOLVED, BarrierStatus.CLOSED):
                barrier.resolution = resolution.strip()
                barrier.resolved_on = resolved_on
            elif status == BarrierStatus.OPEN:
                barrier.resolved_on = None  # it came back; the old resolution stays readable

    def barriers(self, query: BarrierQuery) -> list[BarrierView]:
        """The register, newest first."""
        stmt = select(Barrier).order_by(Barrier.raised_on.desc(), Barrier.created_at.desc())
        if query.category:
            stmt = stmt.where(Barrier.category == query.category)
        if query.status:
            stmt = stmt.where(Barrier.status == query.status)
        if query.raised_from:
            stmt = stmt.where(Barrier.raised_on >= query.raised_from)
        if query.raised_to:
            stmt = stmt.where(Barrier.raised_on <= query.raised_to)
        with self._db.read() as s:
            workers = worker_names(s)
            rows = list(s.scalars(stmt))
            linked = {case for row in rows for case in row.case_ids or []}
            names = (
                {
                    p.id: display_name(p.given_name, p.family_name, p.preferred_name)
                    for p in s.scalars(select(Person).where(Person.id.in_(linked)))
                }
                if linked
                else {}
            )
            return [
                BarrierView(
                    id=row.id,
                    title=row.title,
                    category=row.category,
                    category_label=self._category_label(row.category),
                    description=row.description,
                    case_ids=tuple(row.case_ids or ()),
                    case_names=tuple(names[c] for c in row.case_ids or () if c in names),
                    raised_on=row.raised_on,
                    raised_by=workers.get(row.created_by, "Unknown worker"),
                    status=BarrierStatus(row.status),
                    resolution=row.resolution,
                    resolved_on=row.resolved_on,
                    board_wording=row.board_wording if row.board_wording_at else "",
                    version=row.last_change_id,
                )
                for row in rows
            ]

    def barrier_counts(
        self, raised_from: dt.date | None, raised_to: dt.date | None
    ) -> BarrierCounts:
        """Barriers raised in the period, by category (every category, in the team's order)
        and status."""
        counts = BarrierCounts(
            {c.code: dict.fromkeys(BarrierStatus, 0) for c in self._reference.barrier_categories}
        )
        for view in self.barriers(BarrierQuery(raised_from=raised_from, raised_to=raised_to)):
            counts.by_category.setdefault(view.category, dict.fromkeys(BarrierStatus, 0))
            counts.by_category[view.category][view.status] += 1
        return counts

    def _category_label(self, code: str) -> str:
        category = self._reference.barrier_category(code)
        return category.label if category else code

    @staticmethod
    def _barrier(s: Session, barrier_id: str) -> Barrier:
        barrier = record_or_gone(s, Barrier, barrier_id, "barrier")
        return barrier

    @staticmethod
    def _known_cases(s: Session, case_ids: tuple[str, ...]) -> list[str]:
        wanted = list(dict.fromkeys(case_ids))
        if not wanted:
            return []
        known = set(s.scalars(select(Person.id).where(Person.id.in_(wanted))))
        return [case for case in wanted if case in known]


def distance_of(final: list[AssessmentView]) -> list[Distance]:
    """Distance travelled over these finalised assessments (see OutcomeService.distance)."""
    areas: dict[str, str] = {}
    for assessment in reversed(final):  # the latest labels and order first
        for area in assessment.scores:
            areas.setdefault(area.code, area.label)
    points = [
        AssessmentPoint(
            a.assessed_on,
            {
                area.code: area.worker
                for area in a.scores
                if area.worker is not None and not area.skipped
            },
        )
        for a in final
    ]
    return distance_travelled(points, list(areas.items()))
