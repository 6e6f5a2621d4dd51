"""Release day: each person's release plan (the checklist), the Today view, the release
outcome and the data of the person's release-day sheet. Plain data in and out.

A plan starts from the team's default checklist template when a case gets a release date
(``follow_case``, called by the case service in the same transaction as the case) and keeps a
snapshot of that template. Item rows exist only for items that were touched; their ids derive
from the plan and the item code, so two laptops ticking the same item write the same record.

Longer than 600 lines because ``ReleaseService`` (about 550 lines) holds every release-day use
case and the Today queries, which are being tuned for speed on their own branch. What it hands
out is in app/release_views.py; plans made inside the case service's write in
app/release_plans.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, defer, load_only

from restart_desktop.app.audit import record
from restart_desktop.app.errors import NotFound, ValidationFailed
from restart_desktop.app.lookups import case_or_gone, record_or_gone
from restart_desktop.app.permissions import guarded
from restart_desktop.app.release_plans import (
    SETTLED_STATES,
    follow_case,
    follow_plan,
    item_id_for,
    latest_plan,
    new_plan,
    plan_id_for,
    recorded_release,
    snapshot_id_for,
)
from restart_desktop.app.release_views import (
    ITEM_FIELD_LABELS,
    ItemUpdate,
    OutcomeFields,
    PlanItemView,
    PlanView,
    ReleaseMove,
    ReleaseOutcome,
    ReleaseSheet,
    SheetAppointment,
    TodayRow,
    item_shown,
    item_values,
)
from restart_desktop.app.session import AppSession
from restart_desktop.app.team import load_details, sheet_contacts
from restart_desktop.app.versions import edited_fields
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import (
    OPEN_STATUSES,
    OUT_STATUSES,
    CaseStatus,
    display_name,
    path_to_released,
)
from restart_desktop.domain.checklist import (
    MAX_LABEL_LENGTH,
    MAX_NOTE_LENGTH,
    RELEASE_TIME,
    SECTION_DUE,
    ChecklistTemplate,
    FirstNight,
    ItemState,
    ItemStatus,
    Progress,
    Records,
    Section,
    TemplateItem,
    is_late_change,
    plan_progress,
    state_problems,
)
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.release import ReleaseFlags, release_flags
from restart_desktop.domain.roles import Permission
from restart_desktop.store.batches import batches
from restart_desktop.store.changes import to_json_value
from restart_desktop.store.models import (
    ChecklistSnapshot,
    FieldChange,
    Person,
    ReleasePlan,
    ReleasePlanItem,
)
from restart_desktop.store.queries import worker_names

# The service, and what it takes and gives (app/release_views.py) and the plans the case
# service makes (app/release_plans.py), importable from here.
__all__ = [
    "ReleaseService",
    "follow_case",
    "item_id_for",
    "new_plan",
    "plan_id_for",
    "recorded_release",
    "snapshot_id_for",
    "ItemUpdate",
    "OutcomeFields",
    "PlanItemView",
    "PlanView",
    "ReleaseMove",
    "ReleaseOutcome",
    "ReleaseSheet",
    "SheetAppointment",
    "TodayRow",
]

TODAY_DAYS_AHEAD = 7
TODAY_DAYS_BEHIND = 3  # releases of the last days whose outcome is still to record
# A release is brought forward by up to two working days (Offenders (Day of Release from
# Detention) Act 2023): four calendar days when a weekend falls between.
BROUGHT_FORWARD = dt.timedelta(days=4)


# --- used by the case service, inside its own write ----------------------------------------


# --- the service ---------------------------------------------------------------------------


#: Sorts an appointment with no time before every real one.
EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


@guarded(Permission.CASE_WORK)
class ReleaseService:
    def __init__(self, session: AppSession, clock: Clock | None = None) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference
        self._clock = clock or session.clock
        self._now = self._clock.now_minute
        self._templates: dict[str, ChecklistTemplate] = {}
        self._orders: dict[int, tuple[ChecklistTemplate, tuple[TemplateItem, ...]]] = {}
        self._need_labels = {need.code: need.label for need in session.reference.needs}

    @property
    def clock(self) -> Clock:
        """The clock this service stamps its records with: a window showing or defaulting
        to a date or time reads it here, so what it shows sits with what is recorded."""
        return self._clock

    def _template(self, s: Session, snapshot_id: str) -> ChecklistTemplate:
        # Snapshots never change, so each is read and parsed once per session.
        template = self._templates.get(snapshot_id)
        if template is None:
            snapshot = s.get(ChecklistSnapshot, snapshot_id)
            assert snapshot is not None  # a foreign key
            template = ChecklistTemplate.from_json(snapshot.content)
            self._templates[snapshot_id] = template
        return template

    def tick_recorded(self, s: Session, person_id: str, role: Records, note: str) -> None:
        """Inside the caller's transaction: mark done, now, the item of the person's open plan
        that stands for ``role`` (for example the Duty to Refer when the referral is sent).
        Nothing happens without an open plan, such an item, or when it is done already."""
        plan = latest_plan(s, person_id)
        if plan is None or plan.outcome_recorded_at is not None:
            return
        item = self._template(s, plan.snapshot_id).item_recording(role)
        if item is None:
            return
        row = s.get(ReleasePlanItem, item_id_for(plan.id, item.code))
        if row is not None and row.state == ItemState.DONE.value:
            return
        self._apply(s, plan, item, row, _keeping(row, ItemState.DONE, None, note))

    # --- reading ----------------------------------------------------------------------------
    def plan(self, person_id: str) -> PlanView | None:
        """The person's current (latest) release plan, or None before there is one."""
        with self._db.read() as s:
            person = case_or_gone(s, person_id)
            plan = latest_plan(s, person_id)
            if plan is None:
                return None
            return self._plan_view(s, person, plan, worker_names(s))

    def _plan_view(
        self,
        s: Session,
        person: Person,
        plan: ReleasePlan,
        workers: dict[str, str],
        rows: dict[str, ReleasePlanItem] | None = None,
    ) -> PlanView:
        """``rows``: the plan's item rows by code, when the caller loaded many plans' at once."""
        template = self._template(s, plan.snapshot_id)
        if rows is None:
            rows = {
                row.item_code: row
                for row in s.scalars(
                    select(ReleasePlanItem).where(ReleasePlanItem.plan_id == plan.id)
                )
            }
        flags = self._flags(person, plan)
        items = self._items(template, rows, plan, flags, person.has_settled_address, workers)
        flags = _answer_duty_to_refer(flags, template, rows)
        prison = self._reference.prison(person.prison_code)
        return PlanView(
            id=plan.id,
            person_id=person.id,
            person_name=display_name(person.given_name, person.family_name, person.preferred_name),
            number=plan.number,
            release_date=plan.release_date,
            release_time=plan.release_time,
            prison=prison.name if prison else "",
            worker_name=workers.get(person.allocated_worker_id or "", ""),
            template_name=template.name,
            template_version=template.version,
            items=items,
            progress=_progress(items),
            flags=flags,
            move=_move(plan, self._clock.zone),
            outcome=_outcome(plan),
        )

    def _flags(self, person: Person, plan: ReleasePlan) -> ReleaseFlags | None:
        if plan.release_date is None:
            return None
        return release_flags(
            plan.release_date,
            person.has_settled_address,
            self._clock.today(),
            self._reference.bank_holiday_dates,
            released=person.status in OUT_STATUSES or plan.outcome_recorded_at is not None,
        )

    def _in_section_order(self, template: ChecklistTemplate) -> tuple[TemplateItem, ...]:
        """A template's items section by section, worked out once per template object."""
        cached = self._orders.get(id(template))
        if cached is None or cached[0] is not template:
            order = tuple(
                item for section in Section for item in template.items if item.section == section
            )
            cached = self._orders[id(template)] = (template, order)
        return cached[1]

    def _entries(
        self, template: ChecklistTemplate, rows: dict[str, ReleasePlanItem]
    ) -> list[tuple[TemplateItem, ReleasePlanItem | None]]:
        """Template items in template order, each section followed by its added items, with
        the row of each item that was touched."""
        extras = [r for r in rows.values() if r.extra]
        if not extras:  # most plans: the template's own order, worked out once per template
            return [(item, rows.get(item.code)) for item in self._in_section_order(template)]
        by_section: dict[Section, list[TemplateItem]] = {section: [] for section in Section}
        for item in template.items:
            by_section[item.section].append(item)
        for extra in sorted(extras, key=lambda r: r.created_at):
            by_section[Section(extra.section)].append(_extra_item(extra))
        return [(item, rows.get(item.code)) for section in Section for item in by_section[section]]

    def _items(
        self,
        template: ChecklistTemplate,
        rows: dict[str, ReleasePlanItem],
        plan: ReleasePlan,
        flags: ReleaseFlags | None,
        settled: bool,
        workers: dict[str, str],
    ) -> tuple[PlanItemView, ...]:
        now = self._now()
        views = []
        for item, row in self._entries(template, rows):
            state = ItemState(row.state) if row else ItemState.OPEN
            applies = item.applies_to(flags, settled)
            due = item.due_at(plan.release_date, plan.release_time, self._clock.zone)
            views.append(
                PlanItemView(
                    code=item.code,
                    section=item.section,
                    label=item.label,
                    help=item.help,
                    required=item.required,
                    applies=applies,
                    applies_label=item.applies.label,
                    need_label=self._need_labels.get(item.need, ""),
                    due_at=due,
                    overdue=_is_overdue(applies, state, due, now, plan),
                    state=state,
                    state_at=row.state_at if row else None,
                    state_by=workers.get(row.state_by, "") if row else "",
                    note=row.note if row else "",
                    appointment=item.appointment,
                    appointment_at=row.appointment_at if row else None,
                    place=row.place if row else "",
                    contact=row.contact if row else "",
                    bring=item.bring,
                    extra=bool(row and row.extra),
                    records=item.records,
                    version=row.last_change_id if row else None,
                )
            )
        return tuple(views)

    def _summary(
        self,
        s: Session,
        person: Person,
        plan: ReleasePlan,
        rows: dict[str, ReleasePlanItem],
    ) -> tuple[Progress, tuple[str, ...]]:
        """Progress and the outstanding required items, without building every item's view:
        the Today view needs this for hundreds of people at once."""
        template = self._template(s, plan.snapshot_id)
        flags = self._flags(person, plan)
        now = self._now()
        statuses: list[ItemStatus] = []
        outstanding: list[str] = []
        settled = person.has_settled_address
        for item, row in self._entries(template, rows):
            state = _STATES[row.state] if row else ItemState.OPEN
            applies = item.applies_to(flags, settled)
            statuses.append(_STATUSES[state, item.required, applies])
            if not (item.required and applies) or state in SETTLED_STATES:
                continue
            if item.section == Section.FIRST_WEEK:
                # First-week items matter on the Today view only once they are overdue.
                if state != ItemState.OPEN or plan.outcome_recorded_at is not None:
                    continue  # not overdue, whatever the time (the cheap test first)
                due = item.due_at(plan.release_date, plan.release_time, self._clock.zone)
                if not _is_overdue(applies, state, due, now, plan):
                    continue
            outstanding.append(
                f"{item.label} (problem)" if state == ItemState.PROBLEM else item.label
            )
        return plan_progress(statuses), tuple(outstanding)

    def today(self, only_mine: bool = False) -> list[TodayRow]:
        """Releases today and in the next seven days, by date and time, then those of the
        last three days whose outcome is not recorded yet (first: they are late)."""
        today = self._clock.today()
        me = self._app.worker.id
        # Today reads only what its cards show of a person: not the bookkeeping times nor
        # the lists kept as JSON, which cost turning thousands of values at every refresh.
        stmt = (
            select(Person)
            .options(
                load_only(
                    Person.id,
                    Person.given_name,
                    Person.family_name,
                    Person.preferred_name,
                    Person.status,
                    Person.release_date,
                    Person.release_time,
                    Person.prison_code,
                    Person.has_settled_address,
                    Person.allocated_worker_id,
                    raiseload=True,
                )
            )
            .where(
                Person.status.in_(OPEN_STATUSES),
                Person.release_date >= today - dt.timedelta(days=TODAY_DAYS_BEHIND),
                Person.release_date <= today + dt.timedelta(days=TODAY_DAYS_AHEAD),
            )
        )
        if only_mine:
            stmt = stmt.where(Person.allocated_worker_id == me)
        rows: list[TodayRow] = []
        with self._db.read() as s:
            people = list(s.scalars(stmt))
            if not people:
                return []
            workers = worker_names(s)
            plans: dict[str, ReleasePlan] = {}
            for found in s.scalars(
                select(ReleasePlan)
                .options(defer(ReleasePlan.created_at), defer(ReleasePlan.updated_at))
                .where(ReleasePlan.person_id.in_([p.id for p in people]))
                .order_by(ReleasePlan.number)
            ):
                plans[found.person_id] = found  # the latest wins
            # Every plan's item rows in one query, not one query a person, as plain rows of
            # the columns the summary reads: thousands of ORM objects were half its time.
            items: dict[str, dict[str, Any]] = {p.id: {} for p in plans.values()}
            for chunk in batches(list(items)):
                for item in s.execute(
                    select(*_SUMMARY_COLUMNS).where(ReleasePlanItem.plan_id.in_(chunk))
                ):
                    items[item.plan_id][item.item_code] = item
            for person in people:
                assert person.release_date is not None
                plan = plans.get(person.id)
                if person.release_date < today and (
                    plan is None or plan.outcome_recorded_at is not None
                ):
                    continue  # out already, and nothing left to record
                plan_items = items.get(plan.id) if plan is not None else None
                rows.append(self._today_row(s, person, plan, workers, me, plan_items))
        rows.sort(key=_today_order)
        return rows

    def _today_row(
        self,
        s: Session,
        person: Person,
        plan: ReleasePlan | None,
        workers: dict[str, str],
        me: str,
        items: dict[str, ReleasePlanItem] | None,
    ) -> TodayRow:
        assert person.release_date is not None
        prison = self._reference.prison(person.prison_code)
        progress: Progress | None = None
        outstanding: tuple[str, ...] = ()
        flags = release_flags(
            person.release_date,
            person.has_settled_address,
            self._clock.today(),
            self._reference.bank_holiday_dates,
            released=person.status in OUT_STATUSES,
        )
        if plan is not None:
            progress, outstanding = self._summary(s, person, plan, items or {})
            template = self._template(s, plan.snapshot_id)
            answered = _answer_duty_to_refer(flags, template, items or {})
            assert answered is not None
            flags = answered
        return TodayRow(
            person_id=person.id,
            person_name=display_name(person.given_name, person.family_name, person.preferred_name),
            release_date=person.release_date,
            release_time=person.release_time,
            prison=prison.name if prison else "",
            worker_name=workers.get(person.allocated_worker_id or "", ""),
            mine=person.allocated_worker_id == me,
            plan_id=plan.id if plan else None,
            progress=progress,
            outstanding=outstanding,
            flags=flags,
            move=_move(plan, self._clock.zone) if plan else None,
            outcome=_outcome(plan) if plan else None,
        )

    # --- writing ----------------------------------------------------------------------------
    def start_plan(self, person_id: str) -> str:
        """Start the release plan of someone whose case has no plan yet (a case recorded
        before plans existed, or someone still without a release date)."""
        with self._db.write() as s:
            person = case_or_gone(s, person_id)
            latest = latest_plan(s, person_id)
            if latest is not None and latest.outcome_recorded_at is None:
                return latest.id
            plan = new_plan(s, person, self._reference, latest.number + 1 if latest else 1)
            s.flush()
            return plan.id

    def mark_done(self, plan_id: str, code: str) -> None:
        """The one-key tick: done now, keeping any note and appointment already written."""
        with self._db.write() as s:
            plan, item, row = self._editable(s, plan_id, code)
            self._apply(s, plan, item, row, _keeping(row, ItemState.DONE, self._now(), ""))

    def update_item(self, plan_id: str, code: str, update: ItemUpdate) -> None:
        """Set an item's state (with the time it happened and a note) and its appointment."""
        with self._db.write() as s:
            plan, item, row = self._editable(s, plan_id, code)
            self._apply(s, plan, item, row, update)

    def _editable(
        self, s: Session, plan_id: str, code: str
    ) -> tuple[ReleasePlan, TemplateItem, ReleasePlanItem | None]:
        plan = record_or_gone(s, ReleasePlan, plan_id, "release plan")
        row = s.get(ReleasePlanItem, item_id_for(plan_id, code))
        if row is not None and row.extra:
            return plan, _extra_item(row), row
        item = self._template(s, plan.snapshot_id).item(code)
        if item is None:
            raise NotFound("That checklist item is not in this plan.")
        return plan, item, row

    def _apply(
        self,
        s: Session,
        plan: ReleasePlan,
        item: TemplateItem,
        row: ReleasePlanItem | None,
        update: ItemUpdate,
    ) -> None:
        now = self._now()
        at = update.at or now
        problems = state_problems(update.state, at, update.note, now)
        if len(update.place) > MAX_NOTE_LENGTH:
            problems["place"] = f"Keep the place under {MAX_NOTE_LENGTH} characters."
        if len(update.contact) > MAX_LABEL_LENGTH:
            problems["contact"] = f"Keep this under {MAX_LABEL_LENGTH} characters."
        if problems:
            raise ValidationFailed(problems)
        typed = item_values(update)
        written = edited_fields(
            s, row, update.base, typed, lambda name: ITEM_FIELD_LABELS.get(name, name), item_shown
        )
        if row is None:
            row = ReleasePlanItem(
                id=item_id_for(plan.id, item.code),
                plan_id=plan.id,
                person_id=plan.person_id,
                item_code=item.code,
            )
            s.add(row)
        if written & {"state", "state_at"} and (
            update.state != ItemState(row.state or ItemState.OPEN.value)
            or (update.state != ItemState.OPEN and row.state_at != at)
        ):
            row.state = update.state.value
            row.state_at = None if update.state == ItemState.OPEN else at
            row.state_by = self._app.worker.id
        for name in ("note", "appointment_at", "place", "contact"):
            if name in written:
                setattr(row, name, typed[name])
        if not written & {"state", "state_at"}:
            return  # the gate's outcome follows the state only
        if item.records == Records.MET_AT_GATE:
            if update.state == ItemState.DONE:
                plan.met_at_gate, plan.met_at_gate_at = True, at
            elif update.state == ItemState.PROBLEM:
                plan.met_at_gate, plan.met_at_gate_at = False, None
            elif plan.outcome_recorded_at is None:
                plan.met_at_gate, plan.met_at_gate_at = None, None

    def add_item(
        self,
        plan_id: str,
        label: str,
        section: Section,
        required: bool = False,
        due_days: int | None = None,
        due_time: str = "",
    ) -> str:
        """An item for this person's plan only; returns its code."""
        label = label.strip()
        problems: dict[str, str] = {}
        if not label:
            problems["label"] = "Say what needs doing."
        elif len(label) > MAX_LABEL_LENGTH:
            problems["label"] = f"Keep it under {MAX_LABEL_LENGTH} characters."
        default_days, default_time = SECTION_DUE[section]
        if (
            due_time
            and due_time != RELEASE_TIME
            and TemplateItem("x", section, "x", due_time=due_time).due_at(
                self._clock.today(), "", self._clock.zone
            )
            is None
        ):
            problems["due_time"] = "Write the time as hours and minutes, e.g. 14:30."
        if problems:
            raise ValidationFailed(problems)
        with self._db.write() as s:
            plan = record_or_gone(s, ReleasePlan, plan_id, "release plan")
            code = "extra_" + uuid.uuid4().hex[:12]
            s.add(
                ReleasePlanItem(
                    id=item_id_for(plan_id, code),
                    plan_id=plan_id,
                    person_id=plan.person_id,
                    item_code=code,
                    extra=True,
                    section=section.value,
                    label=label,
                    required=required,
                    due_days=default_days if due_days is None else due_days,
                    due_time=due_time or default_time,
                    state=ItemState.OPEN.value,
                )
            )
            return code

    def record_outcome(self, plan_id: str, outcome: OutcomeFields) -> str:
        """Record what happened on the day. Keeps the "met at the gate" item in step and
        moves a case still recorded as inside to Released through the allowed statuses (each
        step kept in the history with the reason "Release-day record"). A release brought
        forward by a few days (Offenders (Day of Release from Detention) Act 2023) is recorded
        on the day it happened, and the release date follows. Returns a short message saying
        what was done."""
        now = self._now()
        problems: dict[str, str] = {}
        if outcome.first_night not in set(FirstNight):
            problems["first_night"] = "Say where the person slept on the first night."
        if outcome.met_at_gate is True:
            if outcome.met_at_gate_at is None:
                problems["met_at_gate_at"] = "Enter the time you met the person."
            elif outcome.met_at_gate_at > now:
                problems["met_at_gate_at"] = (
                    f"That time has not come yet (it is now {self._clock.now_text()}): enter "
                    "the time you met the person."
                )
        if outcome.met_at_gate is None:
            problems["met_at_gate"] = "Say whether the person was met at the gate."
        if len(outcome.note) > MAX_NOTE_LENGTH:
            problems["note"] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
        if problems:
            raise ValidationFailed(problems)
        with self._db.write() as s:
            plan = record_or_gone(s, ReleasePlan, plan_id, "release plan")
            person = s.get(Person, plan.person_id)
            assert person is not None
            today = self._clock.day_of(now)
            planned = plan.release_date
            met_at = outcome.met_at_gate_at
            # Met at the gate today, before the planned day: the release was brought forward.
            met_today = bool(outcome.met_at_gate and met_at and self._clock.day_of(met_at) == today)
            if (
                planned is not None
                and planned > today
                and not (met_today and planned <= today + BROUGHT_FORWARD)
            ):
                raise ValidationFailed(
                    {
                        "first_night": (
                            f"The release is still ahead ({planned:%d/%m/%Y}): record the "
                            "outcome on "
                            "the day. If the release was brought forward, correct the date on the "
                            "case's Details first."
                        )
                    }
                )
            day = today if planned is not None and planned > today else planned
            if (
                outcome.met_at_gate
                and met_at is not None
                and day is not None
                and self._clock.day_of(met_at) != day
            ):
                raise ValidationFailed(
                    {
                        "met_at_gate_at": (
                            f"The release was on {day:%d/%m/%Y}: enter the time you met the "
                            "person that day."
                        )
                    }
                )
            message = "Release outcome saved."
            if planned is not None and day is not None and day != planned:
                self._bring_forward(s, person, plan, day, now)
                message += (
                    f" The release date is now {day:%d/%m/%Y} (brought forward "
                    f"from {planned:%d/%m/%Y})."
                )
            plan.first_night = outcome.first_night
            plan.first_night_detail = outcome.first_night_detail.strip()[:200]
            plan.met_at_gate = outcome.met_at_gate
            plan.met_at_gate_at = outcome.met_at_gate_at if outcome.met_at_gate else None
            plan.outcome_note = outcome.note.strip()
            plan.outcome_recorded_at = now
            if self._gate_item_follows(s, plan, outcome) == ItemState.PROBLEM:
                message += ' "Met at the gate" on the checklist is now marked as a problem.'
            return message + _released(s, person, day or today, now)

    def _bring_forward(
        self, s: Session, person: Person, plan: ReleasePlan, day: dt.date, now: dt.datetime
    ) -> None:
        """The release happened before the planned date: the case and the plan follow, with
        the earlier date kept in the case history."""
        s.add(
            FieldChange(
                person_id=person.id,
                field="release_date",
                old_value=to_json_value(person.release_date),
                new_value=to_json_value(day),
                reason="Release brought forward (release-day record)",
                at=now,
            )
        )
        person.release_date = day
        follow_plan(plan, day, person.release_time, now)

    def _gate_item_follows(
        self, s: Session, plan: ReleasePlan, outcome: OutcomeFields
    ) -> ItemState | None:
        """Keep the checklist's gate item in step with the outcome; returns its new state
        when it changed."""
        gate = self._template(s, plan.snapshot_id).item_recording(Records.MET_AT_GATE)
        if gate is None:
            return None
        row = s.get(ReleasePlanItem, item_id_for(plan.id, gate.code))
        state = ItemState(row.state) if row else ItemState.OPEN
        if outcome.met_at_gate and state != ItemState.DONE:
            wanted = _keeping(row, ItemState.DONE, outcome.met_at_gate_at, "")
        elif outcome.met_at_gate is False and state != ItemState.PROBLEM:
            note = outcome.note.strip() or "Not met at the gate."
            wanted = _keeping(row, ItemState.PROBLEM, None, note)
        else:
            return None
        self._apply(s, plan, gate, row, wanted)
        return wanted.state

    # --- the person's sheet -----------------------------------------------------------------
    def release_sheet(self, person_id: str) -> ReleaseSheet:
        """The release-day sheet's content (made to be printed: recorded in the audit)."""
        sheet = self._release_sheet(person_id)
        record(self._app, AuditAction.PRINTED, person_id, "release-day sheet")
        return sheet

    def _release_sheet(self, person_id: str) -> ReleaseSheet:
        with self._db.read() as s:
            person = case_or_gone(s, person_id)
            plan = latest_plan(s, person_id)
            if plan is None:
                raise NotFound("Start the release plan first: the sheet is made from it.")
            workers = worker_names(s)
            view = self._plan_view(s, person, plan, workers)
            template = self._template(s, plan.snapshot_id)
            name = f"{person.preferred_name or person.given_name} {person.family_name}".strip()
            team = load_details(s)
        tonight: SheetAppointment | None = None
        appointments: list[SheetAppointment] = []
        for item in view.items:
            if item.state == ItemState.NOT_NEEDED or not item.applies:
                continue
            if not (item.appointment_at or item.place):
                continue
            template_item = template.item(item.code)
            what = (template_item.sheet_label if template_item else "") or item.label
            entry = SheetAppointment(
                item.appointment_at, what, item.place, item.contact, item.bring
            )
            if template_item is not None and template_item.records == Records.FIRST_NIGHT:
                tonight = entry
            else:
                appointments.append(entry)
        appointments.sort(key=lambda a: (a.at is None, a.at or EARLIEST, a.what))
        return ReleaseSheet(
            person_name=name,
            release_date=view.release_date,
            release_time=view.release_time,
            date_confirmed=_confirmed(template, view),
            worker_name=view.worker_name or self._app.worker.name,
            tonight=tonight,
            appointments=tuple(appointments),
            bring=template.bring,
            contacts=sheet_contacts(template.contacts, team),  # never an example number
            made_at=self._now(),
            zone=self._clock.zone,
        )


# Today summarises thousands of items a refresh: a stored state and an item's status are
# looked up, not built each time.
_STATES = {state.value: state for state in ItemState}
_STATUSES = {
    (state, required, applies): ItemStatus(state, required, applies)
    for state in ItemState
    for required in (False, True)
    for applies in (False, True)
}


def _answer_duty_to_refer(
    flags: ReleaseFlags | None, template: ChecklistTemplate, rows: dict[str, ReleasePlanItem]
) -> ReleaseFlags | None:
    """The Duty to Refer flag is answered once the checklist's item is done or not needed
    (sending the referral ticks it)."""
    if flags is None or not flags.duty_to_refer:
        return flags
    duty = template.item_recording(Records.DUTY_TO_REFER)
    row = rows.get(duty.code) if duty else None
    if row is not None and row.state in SETTLED_STATES:
        return replace(flags, duty_to_refer=False)
    return flags


def _is_overdue(
    applies: bool, state: ItemState, due: dt.datetime | None, now: dt.datetime, plan: ReleasePlan
) -> bool:
    """Still to do after its due time, while the release day is not yet recorded."""
    return (
        applies
        and state == ItemState.OPEN
        and due is not None
        and due < now
        and plan.outcome_recorded_at is None
    )


def _confirmed(template: ChecklistTemplate, view: PlanView) -> bool:
    """The release date counts as confirmed once its item is done (or without such an item)."""
    confirming = template.item_recording(Records.RELEASE_CONFIRMED)
    item = view.item(confirming.code) if confirming else None
    return item is None or item.state == ItemState.DONE


def _keeping(
    row: ReleasePlanItem | None, state: ItemState, at: dt.datetime | None, note: str
) -> ItemUpdate:
    """A new state for an item that keeps what it already holds: its appointment, and its
    note unless a new one is given."""
    if row is None:
        return ItemUpdate(state, at, note)
    return ItemUpdate(state, at, note or row.note, row.appointment_at, row.place, row.contact)


def _extra_item(row: ReleasePlanItem) -> TemplateItem:
    return TemplateItem(
        code=row.item_code,
        section=Section(row.section),
        label=row.label,
        required=row.required,
        due_days=row.due_days,
        due_time=row.due_time or RELEASE_TIME,
    )


def _progress(items: tuple[PlanItemView, ...]) -> Progress:
    return plan_progress(ItemStatus(i.state, i.required, i.applies) for i in items)


def _move(plan: ReleasePlan, zone: dt.tzinfo | None) -> ReleaseMove | None:
    if plan.release_changed_at is None:
        return None
    return ReleaseMove(
        previous_date=plan.previous_release_date,
        previous_time=plan.previous_release_time,
        changed_at=plan.release_changed_at,
        late=is_late_change(
            plan.release_changed_at,
            (plan.previous_release_date, plan.previous_release_time),
            (plan.release_date, plan.release_time),
            zone,
        ),
    )


def _released(s: Session, person: Person, day: dt.date, now: dt.datetime) -> str:
    """Move a case still recorded as inside to Released through the allowed statuses, each
    step kept in the history; returns what the worker is told about the status."""
    status = CaseStatus(person.status)
    path = path_to_released(status)
    if not path:
        if person.status in OUT_STATUSES:
            return ""
        return (
            f" The case status stays {status.label}: a {status.label.lower()} case is not "
            "counted as a release. Change the status on Details if the programme now "
            "supports the person."
        )
    reason = f"Release-day record of {day:%d/%m/%Y}"
    for step in path:
        s.add(
            FieldChange(
                person_id=person.id,
                field="status",
                old_value=person.status,
                new_value=step.value,
                reason=reason,
                at=now,
            )
        )
        person.status = step.value
    person.status_reason = reason
    via = (
        ""
        if len(path) == 1
        else f" (from {status.label}, through " + ", ".join(p.label for p in path[:-1]) + ")"
    )
    return f" The case status is now Released{via}."


def _outcome(plan: ReleasePlan) -> ReleaseOutcome:
    return ReleaseOutcome(
        fields=OutcomeFields(
            first_night=plan.first_night,
            first_night_detail=plan.first_night_detail,
            met_at_gate=plan.met_at_gate,
            met_at_gate_at=plan.met_at_gate_at,
            note=plan.outcome_note,
        ),
        recorded_at=plan.outcome_recorded_at,
    )


#: What Today's summary of a plan reads of its item rows (extra items: their definition).
_SUMMARY_COLUMNS = (
    ReleasePlanItem.plan_id,
    ReleasePlanItem.item_code,
    ReleasePlanItem.state,
    ReleasePlanItem.extra,
    ReleasePlanItem.section,
    ReleasePlanItem.label,
    ReleasePlanItem.required,
    ReleasePlanItem.due_days,
    ReleasePlanItem.due_time,
    # The stored text, not an instant: it only orders the added items, and text orders the
    # same (thousands of rows a refresh were turned into aware datetimes for nothing).
    type_coerce(ReleasePlanItem.created_at, String).label("created_at"),
)


def _today_order(row: TodayRow) -> tuple[dt.date, str, str]:
    # Past releases still to record have the earliest dates, so they come first (they are
    # late); an unknown time goes after the known ones of its day.
    return (row.release_date, row.release_time or "99:99", row.person_name)
