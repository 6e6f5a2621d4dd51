"""Contact notes: drafts saved as they are typed, finalising, addenda, follow-up actions, the
case timeline and full-text search. Plain data in and out, like every service.

Drafts live in the local ``note_drafts`` table (encrypted like everything else, never synced,
no change-log entry per keystroke). Finalising turns a draft into an immutable ContactNote in
one transaction that also removes the draft, so a note is never both or neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from restart_desktop.app.audit import record
from restart_desktop.app.custody import returns_of
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.lookups import case_or_gone, record_or_gone
from restart_desktop.app.permissions import guarded
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import display_name
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.notes import (
    DEFAULT_STALE_DRAFT_HOURS,
    ActionOwner,
    ActionStatus,
    ContactType,
    action_problems,
    check_note,
    fts_query,
    is_overdue,
)
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import (
    Addendum,
    ContactNote,
    FollowUpAction,
    NoteDraft,
    Person,
    Review,
)
from restart_desktop.store.queries import worker_names

SNIPPET_START, SNIPPET_END = "\x02", "\x03"  # highlight markers, replaced by the view
#: A search shows at most this many notes, the newest first.
SEARCH_LIMIT = 200


class NeedsConfirmation(UserError):
    """Finalising needs the worker to confirm something unusual (a future time...)."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.reasons = reasons
        super().__init__("Please confirm:\n" + "\n".join(f"- {r}" for r in reasons))


@dataclass(frozen=True)
class DraftFields:
    """What the note editor holds; saved as a draft, finalised as a note."""

    person_id: str
    contact_at: dt.datetime | None = None
    contact_type: str = ContactType.IN_PERSON.value
    not_seen_reason: str = ""
    location: str = ""
    duration_minutes: int | None = None
    text: str = ""
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftSummary:
    id: str
    person_id: str
    person_name: str
    started_at: dt.datetime
    saved_at: dt.datetime
    characters: int
    stale: bool


@dataclass(frozen=True)
class AddendumView:
    id: str
    at: dt.datetime
    author: str
    text: str


@dataclass(frozen=True)
class ActionView:
    id: str
    person_id: str
    person_name: str
    note_id: str | None
    description: str
    owner: ActionOwner
    owner_detail: str
    due_date: dt.date | None
    status: ActionStatus
    outcome: str
    created_at: dt.datetime
    overdue: bool


@dataclass(frozen=True)
class ReviewNote:
    """What a supervisor did with a note (or the worker's answer), shown under it."""

    action: str  # the action in words: "Reviewed", "Returned for correction", ...
    author: str
    at: dt.datetime  # UTC
    comment: str


@dataclass(frozen=True)
class NoteView:
    id: str
    person_id: str
    contact_at: dt.datetime
    contact_type: ContactType
    not_seen_reason: str
    location: str
    duration_minutes: int | None
    text: str
    needs: tuple[str, ...]
    worker_name: str
    finalised_at: dt.datetime
    addenda: tuple[AddendumView, ...] = field(default=())
    reviews: tuple[ReviewNote, ...] = field(default=())  # sign-offs, comments, returns


class TimelineKind(StrEnum):
    NOTE = "note"
    ACTION = "action"
    EVENT = "event"  # something that happened to the person: a return to custody


@dataclass(frozen=True)
class EventView:
    """An event in words, as the timeline lists it (no free text: codes made readable)."""

    id: str
    what: str
    summary: str
    by: str


@dataclass(frozen=True)
class TimelineEntry:
    kind: TimelineKind
    at: dt.datetime
    note: NoteView | None = None
    action: ActionView | None = None
    event: EventView | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "note" or "addendum"
    note_id: str
    person_id: str
    person_name: str
    contact_at: dt.datetime
    snippet: str  # with SNIPPET_START/SNIPPET_END around each match


@guarded(Permission.CASE_WORK)
class NoteService:
    def __init__(
        self,
        session: AppSession,
        clock: Clock | None = None,
    ) -> None:
        self._app = session
        self._db = session.db
        self._clock = clock or session.clock
        self._now = self._clock.now

    @property
    def clock(self) -> Clock:
        """The clock this service stamps its records with (windows read dates here)."""
        return self._clock

    @property
    def session(self) -> AppSession:
        """The signed-in session (for the laptop's own settings, such as questions asked)."""
        return self._app

    @property
    def stale_draft_hours(self) -> int:
        try:
            hours = int(self._app.setting("stale_draft_hours", str(DEFAULT_STALE_DRAFT_HOURS)))
        except ValueError:
            return DEFAULT_STALE_DRAFT_HOURS
        return max(1, hours)

    # --- drafts ---------------------------------------------------------------------------
    def save_draft(self, fields: DraftFields, draft_id: str | None = None) -> str:
        """Create or overwrite a draft; returns its id. Cheap: one small local write."""
        now = self._now()
        with self._db.write() as s:
            draft = s.get(NoteDraft, draft_id) if draft_id else None
            if draft is None:
                case_or_gone(s, fields.person_id)
                draft = NoteDraft(
                    person_id=fields.person_id, worker_id=self._app.worker.id, started_at=now
                )
                if draft_id:
                    draft.id = draft_id
                s.add(draft)
            draft.contact_at = fields.contact_at
            draft.contact_type = fields.contact_type
            draft.not_seen_reason = fields.not_seen_reason
            draft.location = fields.location
            draft.duration_minutes = fields.duration_minutes
            draft.text = fields.text
            draft.needs = list(fields.needs)
            draft.saved_at = now
            s.flush()
            return draft.id

    def get_draft(self, draft_id: str) -> DraftFields:
        with self._db.read() as s:
            draft = record_or_gone(s, NoteDraft, draft_id, "draft")
            return DraftFields(
                person_id=draft.person_id,
                contact_at=draft.contact_at,
                contact_type=draft.contact_type,
                not_seen_reason=draft.not_seen_reason,
                location=draft.location,
                duration_minutes=draft.duration_minutes,
                text=draft.text,
                needs=tuple(draft.needs or ()),
            )

    def discard_draft(self, draft_id: str) -> None:
        with self._db.write() as s:
            draft = s.get(NoteDraft, draft_id)
            if draft is not None:
                s.delete(draft)

    def drafts(self) -> list[DraftSummary]:
        """The signed-in worker's drafts, oldest first, stale ones flagged."""
        stale_before = self._now() - dt.timedelta(hours=self.stale_draft_hours)
        stmt = (
            select(NoteDraft, Person.given_name, Person.family_name, Person.preferred_name)
            .join(Person, Person.id == NoteDraft.person_id)
            .where(NoteDraft.worker_id == self._app.worker.id)
            .order_by(NoteDraft.started_at)
        )
        with self._db.read() as s:
            return [
                DraftSummary(
                    id=draft.id,
                    person_id=draft.person_id,
                    person_name=display_name(given, family, preferred),
                    started_at=draft.started_at,
                    saved_at=draft.saved_at,
                    characters=len(draft.text),
                    stale=draft.saved_at < stale_before,
                )
                for draft, given, family, preferred in s.execute(stmt)
            ]

    # --- finalising -----------------------------------------------------------------------
    def finalise(
        self, fields: DraftFields, draft_id: str | None = None, confirmed: bool = False
    ) -> str:
        """Check, then write the note (immutable from now on) and drop the draft, together.

        Raises ValidationFailed for what must be corrected, NeedsConfirmation for what is
        unusual but possible (call again with ``confirmed=True``).
        """
        known_needs = frozenset(n.code for n in self._app.reference.needs)
        with self._db.write() as s:
            person = case_or_gone(s, fields.person_id)
            check = check_note(
                text=fields.text,
                contact_type=fields.contact_type,
                not_seen_reason=fields.not_seen_reason,
                contact_at=fields.contact_at,
                duration_minutes=fields.duration_minutes,
                needs=fields.needs,
                known_needs=known_needs,
                referral_date=person.referral_date,
                now=self._now(),
                zone=self._clock.zone,
            )
            if check.problems:
                raise ValidationFailed(check.problems)
            if check.confirmations and not confirmed:
                raise NeedsConfirmation(check.confirmations)
            assert fields.contact_at is not None
            note = ContactNote(
                person_id=fields.person_id,
                worker_id=self._app.worker.id,
                contact_at=fields.contact_at,
                contact_type=fields.contact_type,
                not_seen_reason=fields.not_seen_reason.strip()
                if fields.contact_type == ContactType.NOT_SEEN
                else "",
                location=fields.location.strip(),
                duration_minutes=fields.duration_minutes,
                text=fields.text,
                needs=sorted(set(fields.needs)),
            )
            s.add(note)
            if draft_id:
                draft = s.get(NoteDraft, draft_id)
                if draft is not None:
                    s.delete(draft)
            s.flush()
            return note.id

    def add_addendum(self, note_id: str, addendum_text: str) -> str:
        if not addendum_text.strip():
            raise ValidationFailed({"addendum": "Write the correction or the late information."})
        with self._db.write() as s:
            note = record_or_gone(s, ContactNote, note_id, "note")
            addendum = Addendum(note_id=note_id, person_id=note.person_id, text=addendum_text)
            s.add(addendum)
            s.flush()
            return addendum.id

    # --- actions --------------------------------------------------------------------------
    def add_action(
        self,
        person_id: str,
        description: str,
        owner: str = ActionOwner.WORKER.value,
        owner_detail: str = "",
        due_date: dt.date | None = None,
        note_id: str | None = None,
    ) -> str:
        problems = action_problems(description, owner, due_date, self._clock.today())
        if problems:
            raise ValidationFailed(problems)
        with self._db.write() as s:
            case_or_gone(s, person_id)
            action = FollowUpAction(
                person_id=person_id,
                note_id=note_id,
                description=description.strip(),
                owner=owner,
                owner_detail=owner_detail.strip(),
                due_date=due_date,
                status=ActionStatus.OPEN.value,
            )
            s.add(action)
            s.flush()
            return action.id

    def close_action(self, action_id: str, status: ActionStatus, outcome: str) -> None:
        if status == ActionStatus.OPEN:
            raise ValidationFailed({"status": "Choose done or not done."})
        if not outcome.strip():
            raise ValidationFailed({"outcome": "Say how it turned out."})
        with self._db.write() as s:
            action = record_or_gone(s, FollowUpAction, action_id, "action")
            if action.status != ActionStatus.OPEN:
                raise ValidationFailed({"status": "This action is already closed."})
            action.status = status.value
            action.outcome = outcome.strip()
            action.closed_at = self._now()

    def my_actions(self) -> list[ActionView]:
        """Open actions on the signed-in worker's caseload (cases allocated to them): overdue
        first, then by due date, undated last."""
        me = self._app.worker.id
        today = self._clock.today()
        stmt = (
            select(FollowUpAction, Person.given_name, Person.family_name, Person.preferred_name)
            .join(Person, Person.id == FollowUpAction.person_id)
            .where(
                Person.allocated_worker_id == me,
                FollowUpAction.status == ActionStatus.OPEN.value,
            )
            .order_by(
                FollowUpAction.due_date.is_(None),
                FollowUpAction.due_date,
                FollowUpAction.created_at,
            )
        )
        with self._db.read() as s:
            return [
                _action_view(action, display_name(g, f, p), today)
                for action, g, f, p in s.execute(stmt)
            ]

    # --- the case timeline ----------------------------------------------------------------
    def timeline(
        self, person_id: str, kinds: frozenset[TimelineKind] = frozenset(TimelineKind)
    ) -> list[TimelineEntry]:
        """Notes (with their addenda) and actions of one person, newest first. Reading them
        is recorded in the audit trail."""
        today = self._clock.today()
        entries: list[TimelineEntry] = []
        with self._db.read() as s:
            person = case_or_gone(s, person_id)
            name = display_name(person.given_name, person.family_name, person.preferred_name)
            workers = worker_names(s)
            if TimelineKind.NOTE in kinds:
                addenda = _addenda_by_note(s, workers, Addendum.person_id == person_id)
                reviews = _reviews_by_note(s, workers, Review.person_id == person_id)
                for note in s.scalars(
                    select(ContactNote).where(ContactNote.person_id == person_id)
                ):
                    view = _note_view(
                        note, workers, addenda.get(note.id, ()), reviews.get(note.id, ())
                    )
                    entries.append(TimelineEntry(TimelineKind.NOTE, note.contact_at, note=view))
            if TimelineKind.ACTION in kinds:
                for action in s.scalars(
                    select(FollowUpAction).where(FollowUpAction.person_id == person_id)
                ):
                    entries.append(
                        TimelineEntry(
                            TimelineKind.ACTION,
                            action.created_at,
                            action=_action_view(action, name, today),
                        )
                    )
            if TimelineKind.EVENT in kinds:
                for back in returns_of(s, person_id, workers):
                    event = EventView(back.id, "Back in custody", back.summary, back.recorded_by)
                    at = self._clock.at_local(back.returned_on, dt.time(12))
                    entries.append(TimelineEntry(TimelineKind.EVENT, at, event=event))
        entries.sort(key=lambda e: e.at, reverse=True)
        if TimelineKind.NOTE in kinds:
            notes = sum(1 for e in entries if e.note is not None)
            record(
                self._app, AuditAction.VIEWED_NOTES, person_id, f"{notes} notes listed", light=True
            )
        return entries

    def get_note(self, note_id: str) -> NoteView:
        with self._db.read() as s:
            note = record_or_gone(s, ContactNote, note_id, "note")
            workers = worker_names(s)
            addenda = _addenda_by_note(s, workers, Addendum.note_id == note_id)
            reviews = _reviews_by_note(s, workers, Review.item_id == note_id)
            view = _note_view(note, workers, addenda.get(note_id, ()), reviews.get(note_id, ()))
        record(self._app, AuditAction.VIEWED_NOTES, view.person_id, "one note opened", light=True)
        return view

    # --- search ---------------------------------------------------------------------------
    def search(self, query_text: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """Notes and addenda whose text matches every word (as a prefix) or "phrase", the
        search recorded in the audit trail (``find``, then ``record_search``)."""
        statement = search_statement(query_text, limit)
        if statement is None:
            return []  # nothing to search for: nothing read, nothing recorded
        hits = self._hits(statement)
        self.record_search(len(hits))
        return hits

    def record_search(self, found: int) -> None:
        """Record a search of the notes: how many were found, never the words (they may be a
        name). The window calls it as soon as it has shown the results, on the database
        thread before any other work: the worker does not wait for the trail's write."""
        record(self._app, AuditAction.SEARCHED_NOTES, None, f"{found} found", light=True)

    def find(self, query_text: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """What ``search`` finds, not yet recorded: ``record_search`` follows once shown."""
        statement = search_statement(query_text, limit)
        return [] if statement is None else self._hits(statement)

    def _hits(self, statement: tuple[str, dict[str, object]]) -> list[SearchHit]:
        rows = self._db.rows(*statement)  # the driver's own statement: no session around it
        return [
            SearchHit(
                kind=kind,
                note_id=note_id,
                person_id=person_id,
                person_name=display_name(given, family, preferred),
                contact_at=_datetime(contact_at),
                snippet=snippet,
            )
            for kind, note_id, person_id, given, family, preferred, contact_at, snippet in rows
        ]


UNKNOWN_WORKER = "Unknown worker"

# The newest contacts first. The index's rowid is the contact time of the entry's note
# (migration 0022), so FTS5 walks its matches newest first and stops at the limit: only the
# snippets shown are made, however common the word.
SEARCH_SQL = (
    "SELECT ns.kind, ns.note_id, ns.person_id, p.given_name, p.family_name,"
    " p.preferred_name, n.contact_at,"
    " snippet(note_search, 4, :start, :end, '…', 12)"
    " FROM note_search AS ns"
    " JOIN contact_notes AS n ON n.id = ns.note_id"
    " JOIN people AS p ON p.id = ns.person_id"
    " WHERE note_search MATCH :match"
    " ORDER BY ns.rowid DESC LIMIT :limit"
)


def search_statement(query_text: str, limit: int = 200) -> tuple[str, dict[str, object]] | None:
    """The SQL a search runs and its parameters (None: nothing to search for). The benchmark
    runs the very same on a DB-API cursor as the floor the service is measured against."""
    match = fts_query(query_text)
    if match is None:
        return None
    return SEARCH_SQL, {"match": match, "start": SNIPPET_START, "end": SNIPPET_END, "limit": limit}


def _addenda_by_note(
    s: Session, workers: dict[str, str], which: ColumnElement[bool]
) -> dict[str, tuple[AddendumView, ...]]:
    """The addenda matching ``which``, oldest first, grouped by the note they belong to."""
    grouped: dict[str, list[AddendumView]] = {}
    for addendum in s.scalars(select(Addendum).where(which).order_by(Addendum.created_at)):
        grouped.setdefault(addendum.note_id, []).append(
            AddendumView(
                addendum.id,
                addendum.created_at,
                workers.get(addendum.created_by, UNKNOWN_WORKER),
                addendum.text,
            )
        )
    return {note_id: tuple(views) for note_id, views in grouped.items()}


def _reviews_by_note(
    s: Session, workers: dict[str, str], which: ColumnElement[bool]
) -> dict[str, tuple[ReviewNote, ...]]:
    grouped: dict[str, list[ReviewNote]] = {}
    for review in s.scalars(
        select(Review)
        .where(
            which,
            Review.item_kind == ReviewItemKind.NOTE.value,
            Review.action != ReviewAction.SEEN.value,
        )
        .order_by(Review.at, Review.id)
    ):
        grouped.setdefault(review.item_id, []).append(
            ReviewNote(
                ReviewAction(review.action).label,
                workers.get(review.created_by, UNKNOWN_WORKER),
                review.at,
                review.comment,
            )
        )
    return {note_id: tuple(views) for note_id, views in grouped.items()}


def _datetime(value: object) -> dt.datetime:
    """An instant read by plain SQL (stored as UTC text) as aware UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def _note_view(
    note: ContactNote,
    workers: dict[str, str],
    addenda: tuple[AddendumView, ...],
    reviews: tuple[ReviewNote, ...] = (),
) -> NoteView:
    return NoteView(
        id=note.id,
        person_id=note.person_id,
        contact_at=note.contact_at,
        contact_type=ContactType(note.contact_type),
        not_seen_reason=note.not_seen_reason,
        location=note.location,
        duration_minutes=note.duration_minutes,
        text=note.text,
        needs=tuple(note.needs or ()),
        worker_name=workers.get(note.worker_id, UNKNOWN_WORKER),
        finalised_at=note.created_at,
        addenda=addenda,
        reviews=reviews,
    )


def _action_view(action: FollowUpAction, person_name: str, today: dt.date) -> ActionView:
    return ActionView(
        id=action.id,
        person_id=action.person_id,
        person_name=person_name,
        note_id=action.note_id,
        description=action.description,
        owner=ActionOwner(action.owner),
        owner_detail=action.owner_detail,
        due_date=action.due_date,
        status=ActionStatus(action.status),
        outcome=action.outcome,
        created_at=action.created_at,
        overdue=is_overdue(action.status, action.due_date, today),
    )
