"""What the release services hand to the window and the command line: plan and item views,
today's rows, item updates with their edit base, the release outcome and the release-day sheet
(plain frozen values, never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from restart_desktop.app.versions import EditBase, words
from restart_desktop.domain.checklist import (
    ItemState,
    Progress,
    Records,
    Section,
    SheetContact,
)
from restart_desktop.domain.release import ReleaseFlags
from restart_desktop.store.changes import to_json_value


@dataclass(frozen=True)
class PlanItemView:
    code: str
    section: Section
    label: str
    help: str
    required: bool
    applies: bool  # False: the template limits it to other releases (shown, not counted)
    applies_label: str
    need_label: str
    due_at: dt.datetime | None
    overdue: bool
    state: ItemState
    state_at: dt.datetime | None
    state_by: str  # the worker's name
    note: str
    appointment: bool
    appointment_at: dt.datetime | None
    place: str
    contact: str
    bring: str
    extra: bool
    records: Records
    version: str | None = None  # the item's last change when read (None: never written)


@dataclass(frozen=True)
class ReleaseMove:
    previous_date: dt.date | None
    previous_time: str
    changed_at: dt.datetime
    late: bool  # within 48 hours of the release: highlighted


@dataclass(frozen=True)
class OutcomeFields:
    first_night: str = ""  # a FirstNight value
    first_night_detail: str = ""
    met_at_gate: bool | None = None
    met_at_gate_at: dt.datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class ReleaseOutcome:
    fields: OutcomeFields
    recorded_at: dt.datetime | None

    @property
    def recorded(self) -> bool:
        return self.recorded_at is not None


@dataclass(frozen=True)
class PlanView:
    id: str
    person_id: str
    person_name: str
    number: int
    release_date: dt.date | None
    release_time: str
    prison: str
    worker_name: str
    template_name: str
    template_version: int
    items: tuple[PlanItemView, ...]
    progress: Progress
    flags: ReleaseFlags | None
    move: ReleaseMove | None
    outcome: ReleaseOutcome

    def item(self, code: str) -> PlanItemView | None:
        return next((item for item in self.items if item.code == code), None)


@dataclass(frozen=True)
class TodayRow:
    person_id: str
    person_name: str
    release_date: dt.date
    release_time: str
    prison: str
    worker_name: str
    mine: bool
    plan_id: str | None
    progress: Progress | None
    outstanding: tuple[str, ...]  # required items not done, in checklist order
    flags: ReleaseFlags
    move: ReleaseMove | None
    outcome: ReleaseOutcome | None


@dataclass(frozen=True)
class ItemUpdate:
    state: ItemState
    at: dt.datetime | None = None  # when it happened; None: now
    note: str = ""
    appointment_at: dt.datetime | None = None
    place: str = ""
    contact: str = ""
    #: What the dialog loaded (version and the loaded value of each field the worker changed):
    #: only those are written, and a clash with someone else's change is refused. None: all.
    base: EditBase | None = None


#: An item's fields as an edit names them (a clash names the field in these words).
ITEM_FIELD_LABELS = {
    "state": "State",
    "state_at": "When it happened",
    "note": "Note",
    "appointment_at": "Appointment time",
    "place": "Place and address",
    "contact": "Who to ask for",
}


def item_values(update: ItemUpdate) -> dict[str, Any]:
    """The item's fields as ``update`` would leave them."""
    return {
        "state": update.state.value,
        "state_at": update.at if update.state != ItemState.OPEN else None,
        "note": update.note.strip(),
        "appointment_at": update.appointment_at,
        "place": update.place.strip(),
        "contact": update.contact.strip(),
    }


def item_edit_base(item: PlanItemView, update: ItemUpdate) -> EditBase:
    """The base of an edit of ``item`` (as the dialog loaded it) that ``update`` makes."""
    loaded = {
        "state": item.state.value,
        "state_at": item.state_at,
        "note": item.note,
        "appointment_at": item.appointment_at,
        "place": item.place,
        "contact": item.contact,
    }
    typed = item_values(update)
    return EditBase(
        item.version,
        {
            name: value
            for name, value in loaded.items()
            if to_json_value(value) != to_json_value(typed[name])
        },
    )


def item_shown(name: str, value: Any) -> str:
    if name == "state":
        return ItemState(value or ItemState.OPEN.value).label
    return words(value)


@dataclass(frozen=True)
class SheetAppointment:
    at: dt.datetime | None
    what: str
    place: str
    contact: str
    bring: str


@dataclass(frozen=True)
class ReleaseSheet:
    """What the person's printed sheet says: plain words, no offence or risk information."""

    person_name: str
    release_date: dt.date | None
    release_time: str
    date_confirmed: bool  # the prison confirmed the date and time
    worker_name: str
    tonight: SheetAppointment | None
    appointments: tuple[SheetAppointment, ...]
    bring: tuple[str, ...]
    contacts: tuple[SheetContact, ...]
    made_at: dt.datetime
    #: The session clock's zone (None: the laptop's): the times printed are in it.
    zone: dt.tzinfo | None = None
