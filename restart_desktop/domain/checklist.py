"""Release-day checklists: templates read from resources/checklists/, and the rules of a plan.

A template is data a team edits (TOML, so it can carry comments); loading checks every item
and names the file and the item in any problem. A person's plan keeps a copy of the template it
started from (``ChecklistTemplate.to_json``), so a later edit of the file never rewrites a plan.

Due times are not stored: each item's due time is worked out from the plan's release date and
time, so when a release moves, every due time moves with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from restart_desktop.domain.clock import at_local, local_date
from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.errors import ReferenceDataError
from restart_desktop.domain.release import ReleaseFlags

LATE_CHANGE_HOURS = 48  # a release moved this close to the day needs everything re-checked
DEFAULT_RELEASE_TIME = dt.time(8, 0)  # prisons release from about 8 a.m. when no time is known
FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # a laptop clock a little behind the gate's
MAX_NOTE_LENGTH = 2000
MAX_LABEL_LENGTH = 200
_CODE = re.compile(r"^[a-z0-9_]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RELEASE_TIME = "release"  # due_time value: the release time itself


class Section(StrEnum):
    BEFORE_RELEASE = "before_release"
    AT_THE_GATE = "at_the_gate"
    ON_THE_DAY = "on_the_day"
    FIRST_WEEK = "first_week"

    @property
    def label(self) -> str:
        return _SECTION_LABELS[self]


_SECTION_LABELS: Mapping[Section, str] = MappingProxyType(
    {
        Section.BEFORE_RELEASE: "Before release",
        Section.AT_THE_GATE: "At the gate",
        Section.ON_THE_DAY: "On the day",
        Section.FIRST_WEEK: "First week",
    }
)
# When an item says nothing about its due time: (days from the release date, time of day).
SECTION_DUE: Mapping[Section, tuple[int, str]] = MappingProxyType(
    {
        Section.BEFORE_RELEASE: (-1, "17:00"),
        Section.AT_THE_GATE: (0, RELEASE_TIME),
        Section.ON_THE_DAY: (0, "17:00"),
        Section.FIRST_WEEK: (7, "17:00"),
    }
)


class Applies(StrEnum):
    """When a template item applies to a person; otherwise it is left out of the plan's count."""

    ALWAYS = "always"
    FRIDAY_OR_PRE_HOLIDAY = "friday_or_pre_holiday"
    NO_SETTLED_ADDRESS = "no_settled_address"

    @property
    def label(self) -> str:
        return _APPLIES_LABELS[self]


_APPLIES_LABELS: Mapping[Applies, str] = MappingProxyType(
    {
        Applies.ALWAYS: "Always",
        Applies.FRIDAY_OR_PRE_HOLIDAY: "Only for a Friday or pre-bank-holiday release",
        Applies.NO_SETTLED_ADDRESS: "Only when there is no settled address",
    }
)


class Records(StrEnum):
    """What a checklist item stands for beyond its own tick, so that the code never depends on
    an item's code: at most one item of a template says each."""

    NOTHING = ""
    MET_AT_GATE = "met_at_gate"  # ticking it records "met at the gate" in the outcome
    FIRST_NIGHT = "first_night"  # its appointment is "where you are staying tonight"
    RELEASE_CONFIRMED = "release_confirmed"  # until done, the sheet says "to be confirmed"
    DUTY_TO_REFER = "duty_to_refer"  # once done (or not needed) the flag is answered


class ItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_NEEDED = "not_needed"
    PROBLEM = "problem"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS: Mapping[ItemState, str] = MappingProxyType(
    {
        ItemState.OPEN: "To do",
        ItemState.DONE: "Done",
        ItemState.NOT_NEEDED: "Not needed",
        ItemState.PROBLEM: "Problem",
    }
)


class FirstNight(StrEnum):
    """Where the person slept on the first night: the probation measure "housed on the first
    night" counts every value except rough sleeping and unknown."""

    SETTLED = "settled"
    TEMPORARY_OR_CAS3 = "temporary_or_cas3"
    APPROVED_PREMISES = "approved_premises"
    FRIENDS_OR_FAMILY = "friends_or_family"
    ROUGH_SLEEPING = "rough_sleeping"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _FIRST_NIGHT_LABELS[self]

    @property
    def housed(self) -> bool | None:
        if self == FirstNight.UNKNOWN:
            return None
        return self != FirstNight.ROUGH_SLEEPING


_FIRST_NIGHT_LABELS: Mapping[FirstNight, str] = MappingProxyType(
    {
        FirstNight.SETTLED: "Settled accommodation",
        FirstNight.TEMPORARY_OR_CAS3: "Temporary accommodation or CAS3",
        FirstNight.APPROVED_PREMISES: "Approved premises",
        FirstNight.FRIENDS_OR_FAMILY: "With friends or family",
        FirstNight.ROUGH_SLEEPING: "Rough sleeping",
        FirstNight.UNKNOWN: "Not known",
    }
)


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateItem:
    code: str
    section: Section
    label: str
    help: str = ""
    required: bool = False
    need: str = ""  # a code from needs.csv, or "" for an item that serves no one need
    due_days: int = 0  # days from the release date; negative before it
    due_time: str = RELEASE_TIME  # "HH:MM" or "release"
    applies: Applies = Applies.ALWAYS
    appointment: bool = False  # asks for a time, a place and who to ask for (release sheet)
    sheet_label: str = ""  # the appointment's name on the person's sheet, in their words
    bring: str = ""  # what the person should bring to that appointment (release sheet)
    records: Records = Records.NOTHING

    def due_at(
        self, release_date: dt.date | None, release_time: str, zone: dt.tzinfo | None
    ) -> dt.datetime | None:
        """When the item is due (aware UTC) for a release on this date and time in ``zone``
        (the session clock's; None: the laptop's); None with no date."""
        if release_date is None:
            return None
        day = release_date + dt.timedelta(days=self.due_days)
        text = release_time if self.due_time == RELEASE_TIME else self.due_time
        return at_local(day, _parse_time(text) or DEFAULT_RELEASE_TIME, zone)

    def applies_to(self, flags: ReleaseFlags | None, has_settled_address: bool) -> bool:
        if self.applies == Applies.FRIDAY_OR_PRE_HOLIDAY:
            return flags is not None and (flags.friday or flags.pre_bank_holiday)
        if self.applies == Applies.NO_SETTLED_ADDRESS:
            return not has_settled_address
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "section": self.section.value,
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "need": self.need,
            "due_days": self.due_days,
            "due_time": self.due_time,
            "applies": self.applies.value,
            "appointment": self.appointment,
            "sheet_label": self.sheet_label,
            "bring": self.bring,
            "records": self.records.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TemplateItem:
        return cls(
            code=str(data["code"]),
            section=Section(data["section"]),
            label=str(data["label"]),
            help=str(data.get("help", "")),
            required=bool(data.get("required", False)),
            need=str(data.get("need", "")),
            due_days=int(data.get("due_days", 0)),
            due_time=str(data.get("due_time", RELEASE_TIME)),
            applies=Applies(data.get("applies", Applies.ALWAYS.value)),
            appointment=bool(data.get("appointment", False)),
            sheet_label=str(data.get("sheet_label", "")),
            bring=str(data.get("bring", "")),
            records=Records(data.get("records", Records.NOTHING.value)),
        )


@dataclass(frozen=True)
class SheetContact:
    """Someone the person can call, printed on every release-day sheet."""

    name: str
    phone: str
    when: str = ""


@dataclass(frozen=True)
class ChecklistTemplate:
    code: str
    name: str
    version: int
    items: tuple[TemplateItem, ...]
    default: bool = False
    bring: tuple[str, ...] = ()  # printed on the sheet: what to keep with you on the day
    contacts: tuple[SheetContact, ...] = field(default=())

    def item(self, code: str) -> TemplateItem | None:
        return next((item for item in self.items if item.code == code), None)

    def item_recording(self, role: Records) -> TemplateItem | None:
        return next((item for item in self.items if item.records == role), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "items": [item.to_json() for item in self.items],
            "bring": list(self.bring),
            "contacts": [{"name": c.name, "phone": c.phone, "when": c.when} for c in self.contacts],
        }

    @property
    def digest(self) -> str:
        """A fingerprint of the content: two edits that keep the version number still differ."""
        canonical = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChecklistTemplate:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            version=int(data["version"]),
            items=tuple(TemplateItem.from_json(item) for item in data["items"]),
            bring=tuple(str(b) for b in data.get("bring", ())),
            contacts=tuple(
                SheetContact(str(c["name"]), str(c["phone"]), str(c.get("when", "")))
                for c in data.get("contacts", ())
            ),
        )


def _parse_time(text: str) -> dt.time | None:
    if not _TIME.fullmatch(text or ""):
        return None
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


class _TemplateReader:
    """Checks one parsed template file; every problem names the file and the item."""

    def __init__(self, path: Path, known_needs: Collection[str]) -> None:
        self.path = path
        self.known_needs = known_needs

    def fail(self, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.path, None, problem)

    def text(self, table: Mapping[str, Any], key: str, where: str, required: bool) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise self.fail(f"{where}: {key} should be text in double quotes.")
        if required and not value.strip():
            raise self.fail(f"{where}: {key} is missing or empty.")
        return value.strip()

    def flag(self, table: Mapping[str, Any], key: str, where: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}: {key} should be true or false (no quotes).")
        return value

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, kind: type[StrEnum], default: str
    ) -> str:
        value = self.text(table, key, where, required=False) or default
        allowed = [member.value for member in kind]
        if value not in allowed:
            raise self.fail(
                f"{where}: {key} {value!r} is not one of: "
                + ", ".join(a for a in allowed if a)
                + "."
            )
        return value

    def item(self, number: int, table: Any, seen: dict[str, int]) -> TemplateItem:
        if not isinstance(table, dict):
            raise self.fail(f"item {number}: write each item as an [[items]] table.")
        code = table.get("code")
        where = f"item {number}" + (f" ({code!r})" if isinstance(code, str) and code else "")
        expected = {
            "code",
            "section",
            "label",
            "help",
            "required",
            "need",
            "due_days",
            "due_time",
            "applies",
            "appointment",
            "sheet_label",
            "bring",
            "records",
        }
        unknown = sorted(set(table) - expected)
        if unknown:
            raise self.fail(
                f"{where}: {', '.join(unknown)} is not a known setting (known: "
                f"{', '.join(sorted(expected))})."
            )
        code = self.text(table, "code", where, required=True)
        if not _CODE.fullmatch(code):
            raise self.fail(
                f"{where}: the code should use only lower-case letters, digits and underscores."
            )
        if code in seen:
            raise self.fail(f"{where}: the code {code!r} is used by item {seen[code]} too.")
        seen[code] = number
        section = Section(self.choice(table, "section", where, Section, ""))
        label = self.text(table, "label", where, required=True)
        if len(label) > MAX_LABEL_LENGTH:
            raise self.fail(f"{where}: the label is longer than {MAX_LABEL_LENGTH} characters.")
        need = self.text(table, "need", where, required=False)
        if need and need not in self.known_needs:
            raise self.fail(
                f"{where}: the need {need!r} is not in needs.csv (known: "
                f"{', '.join(sorted(self.known_needs))})."
            )
        default_days, default_time = SECTION_DUE[section]
        due_days = table.get("due_days", default_days)
        if not isinstance(due_days, int) or isinstance(due_days, bool) or abs(due_days) > 365:
            raise self.fail(
                f"{where}: due_days should be a whole number of days from the release date "
                "(negative before it), e.g. -2."
            )
        due_time = self.text(table, "due_time", where, required=False) or default_time
        if due_time != RELEASE_TIME and _parse_time(due_time) is None:
            raise self.fail(
                f'{where}: due_time {due_time!r} should be a time such as "17:00", or '
                f'"{RELEASE_TIME}" for the release time.'
            )
        return TemplateItem(
            code=code,
            section=section,
            label=label,
            help=self.text(table, "help", where, required=False),
            required=self.flag(table, "required", where),
            need=need,
            due_days=due_days,
            due_time=due_time,
            applies=Applies(self.choice(table, "applies", where, Applies, Applies.ALWAYS)),
            appointment=self.flag(table, "appointment", where),
            sheet_label=self.text(table, "sheet_label", where, required=False),
            bring=self.text(table, "bring", where, required=False),
            records=Records(self.choice(table, "records", where, Records, "")),
        )

    def template(self, data: Mapping[str, Any]) -> ChecklistTemplate:
        code = self.text(data, "code", "the file", required=True)
        if not _CODE.fullmatch(code):
            raise self.fail("the code should use only lower-case letters, digits and underscores.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail("version should be a whole number from 1 (raise it at each edit).")
        raw_items = data.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise self.fail("the file has no [[items]].")
        seen: dict[str, int] = {}
        items = tuple(self.item(n, table, seen) for n, table in enumerate(raw_items, start=1))
        for role in Records:
            holders = [i.code for i in items if role and i.records == role]
            if len(holders) > 1:
                raise self.fail(
                    f"records = {role.value!r} is said by more than one item "
                    f"({', '.join(holders)}); keep it on one."
                )
        sheet = data.get("sheet", {})
        if not isinstance(sheet, dict):
            raise self.fail("[sheet] should be a table.")
        bring = sheet.get("bring", [])
        if not isinstance(bring, list) or not all(isinstance(b, str) for b in bring):
            raise self.fail("[sheet] bring should be a list of texts.")
        contacts = []
        for number, contact in enumerate(sheet.get("contacts", []), start=1):
            where = f"sheet contact {number}"
            if not isinstance(contact, dict):
                raise self.fail(f"{where}: write each contact as a [[sheet.contacts]] table.")
            contacts.append(
                SheetContact(
                    name=self.text(contact, "name", where, required=True),
                    phone=self.text(contact, "phone", where, required=True),
                    when=self.text(contact, "when", where, required=False),
                )
            )
        return ChecklistTemplate(
            code=code,
            name=self.text(data, "name", "the file", required=True),
            version=version,
            items=items,
            default=self.flag(data, "default", "the file"),
            bring=tuple(b.strip() for b in bring if b.strip()),
            contacts=tuple(contacts),
        )


def load_template(path: Path, known_needs: Collection[str]) -> ChecklistTemplate:
    """Read and check one template file; ReferenceDataError names the file and the item."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReferenceDataError(path, None, f"the file cannot be read ({error}).") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReferenceDataError(path, None, "the file is not saved as UTF-8 text.") from None
    except tomllib.TOMLDecodeError as error:
        raise ReferenceDataError(path, None, f"the file is not valid TOML: {error}.") from None
    return _TemplateReader(path, known_needs).template(data)


def load_templates(directory: Path, known_needs: Collection[str]) -> tuple[ChecklistTemplate, ...]:
    """Every ``*.toml`` template in ``directory``; exactly one must say ``default = true``."""
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ReferenceDataError(directory, None, "the folder has no checklist template.")
    templates = [load_template(path, known_needs) for path in paths]
    codes: dict[str, Path] = {}
    for template, path in zip(templates, paths, strict=True):
        if template.code in codes:
            raise ReferenceDataError(
                path, None, f"the code {template.code!r} is used by {codes[template.code].name}."
            )
        codes[template.code] = path
    defaults = [
        path.name for template, path in zip(templates, paths, strict=True) if template.default
    ]
    if len(defaults) != 1:
        raise ReferenceDataError(
            directory,
            None,
            "exactly one checklist template should say default = true "
            f"(found {len(defaults)}: {', '.join(defaults) or 'none'}).",
        )
    return tuple(templates)


# --- a plan's rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    done: int
    total: int  # items that apply and are not marked not needed
    problems: int
    required_outstanding: int

    @property
    def text(self) -> str:
        text = f"{self.done} of {self.total} done"
        if self.problems:
            text += f", {self.problems} problem" + ("s" if self.problems != 1 else "")
        return text


@dataclass(frozen=True)
class ItemStatus:
    """What progress needs to know of one item."""

    state: ItemState
    required: bool
    applies: bool = True


def plan_progress(items: Iterable[ItemStatus]) -> Progress:
    done = total = problems = outstanding = 0
    for item in items:
        if not item.applies or item.state == ItemState.NOT_NEEDED:
            continue
        total += 1
        if item.state == ItemState.DONE:
            done += 1
        elif item.state == ItemState.PROBLEM:
            problems += 1
        if item.required and item.state != ItemState.DONE:
            outstanding += 1
    return Progress(done, total, problems, outstanding)


def state_problems(
    state: ItemState, at: dt.datetime | None, note: str, now: dt.datetime
) -> dict[str, str]:
    """Why a change of an item's state cannot be saved, by field, in a worker's words."""
    problems: dict[str, str] = {}
    if state == ItemState.NOT_NEEDED and not note.strip():
        problems["note"] = "Say why this item is not needed."
    if state == ItemState.PROBLEM and not note.strip():
        problems["note"] = "Say what the problem is, so a colleague can pick it up."
    if len(note) > MAX_NOTE_LENGTH:
        problems["note"] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
    if state != ItemState.OPEN and at is not None and at > now + FUTURE_TOLERANCE:
        problems["at"] = "The time is in the future: record it when it has happened."
    elif at is not None and (problem := year_problem(local_date(at), local_date(now), "The day")):
        problems["at"] = problem
    return problems


def release_moment(release_date: dt.date, release_time: str, zone: dt.tzinfo | None) -> dt.datetime:
    """The instant (aware UTC) of a release on a date at "HH:MM" in ``zone`` (the session
    clock's; None: the laptop's)."""
    return at_local(release_date, _parse_time(release_time) or DEFAULT_RELEASE_TIME, zone)


def is_late_change(
    changed_at: dt.datetime,
    old: tuple[dt.date | None, str],
    new: tuple[dt.date | None, str],
    zone: dt.tzinfo | None,
) -> bool:
    """A release moved within 48 hours of either the old or the new release time: transport,
    appointments and the first night all need checking again."""
    window = dt.timedelta(hours=LATE_CHANGE_HOURS)
    for day, time_text in (old, new):
        if day is not None and changed_at >= release_moment(day, time_text, zone) - window:
            return True
    return False
