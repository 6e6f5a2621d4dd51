"""Subject access export: everything held about one person, as a readable PDF and a
machine-readable JSON file, written only into the folder the worker chooses.

Gathering is generic, so a table added later is exported without anyone remembering to: the
person's row, every row of every table with a ``person_id`` column equal to the person's id
(notes, addenda, plans, referrals, assessments, reviews, reasons for changes, drafts, the
audit entries about the record...), the barriers naming the case, and the change log of the
person's records (earlier values are data held too). Local sync bookkeeping (ids only, or
values already in the change log) is left out.

The steps, each plain data in and out so the window can run them off its thread:
``gather`` (reads; lists likely third-party names for review), ``withhold`` (replaces the
names the worker chose), ``subject_report.readable_sections`` (what the PDF shows, in words;
the UI layer draws it), ``write`` (both files into the chosen folder, then the audit entry).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, Text, select, type_coerce

from restart_desktop import __version__
from restart_desktop.app.audit import record
from restart_desktop.app.errors import NotFound, UserError
from restart_desktop.app.permissions import guarded
from restart_desktop.app.session import AppSession
from restart_desktop.atomic import write_atomically
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import is_plain_text
from restart_desktop.domain.clock import local_date
from restart_desktop.domain.identifiers import normalise_nomis
from restart_desktop.domain.redaction import (
    WITHHELD,
    NameCandidate,
    find_third_party_names,
    redact,
    reference_vocabulary,
)
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import Base, ChecklistSnapshot, Person
from restart_desktop.store.queries import worker_names

AUDIT_DETAIL = "subject access export"
FORMAT_VERSION = 1
PEOPLE, CHANGES, BARRIERS, AUDIT = "people", "changes", "barriers", "audit_entries"
#: Local bookkeeping of sync, never exported: ids only, or values the change log holds.
LOCAL_TABLES = frozenset(
    {
        "sync_peers",
        "sync_conflicts",
        "sync_pending",
        "sync_case_index",
        "sync_skipped",
        "sync_erased_seqs",
        "local_settings",
    }
)
#: The order tables appear in, in both files; tables not named here follow, by name.
ORDER = (
    "people",
    "contact_notes",
    "addenda",
    "follow_up_actions",
    "release_plans",
    "release_plan_items",
    "referrals",
    "referral_events",
    "assessments",
    "barriers",
    "handovers",
    "reviews",
    "field_changes",
    "note_drafts",
)
LAST = (CHANGES, AUDIT)
WITHHELD_WHY = (
    "Names of other people were withheld to protect them (Data Protection Act "
    "2018, Schedule 2, Part 3: the rights of others)."
)

Row = dict[str, Any]


@dataclass(frozen=True)
class SubjectRecords:
    """Everything held about one person, as plain values (dates stay dates): ``tables`` maps
    a table name to its rows, each row every column of the table."""

    person_id: str
    produced_at: dt.datetime  # UTC
    produced_by: str  # the worker's name
    tables: dict[str, list[Row]]
    workers: dict[str, str]  # id -> name of every worker the records mention
    checklists: dict[str, dict[str, Any]]  # snapshot id -> the template a plan started from
    candidates: tuple[NameCandidate, ...] = ()  # likely third-party names, for review only
    names_withheld: int = 0
    places_withheld: int = 0
    app_version: str = __version__
    #: The session clock's zone (None: the laptop's): the day and time it was produced.
    zone: dt.tzinfo | None = None

    @property
    def person(self) -> Row:
        return self.tables[PEOPLE][0]

    @property
    def file_stem(self) -> str:
        """No name in a file name: a folder listing must not say whose data it holds. The
        id's last characters (random in a UUIDv7; the first ones are a clock, shared by
        cases made the same minute) and the day."""
        tail = self.person_id.replace("-", "")[-8:]
        return f"subject-access-{tail}-{local_date(self.produced_at, self.zone):%Y-%m-%d}"

    def record_keys(self) -> set[tuple[str, str]]:
        """(table, id) of every record in the export (a change by its change id)."""
        keys = set()
        for table, rows in self.tables.items():
            for row in rows:
                keys.add((table, str(row.get("id", row.get("change_id")))))
        return keys


@dataclass(frozen=True)
class ExportResult:
    pdf: Path
    json: Path
    names_withheld: int
    places_withheld: int


# --- gathering ------------------------------------------------------------------------------
def _person_tables() -> Iterator[Table]:
    for table in Base.metadata.sorted_tables:
        if table.name not in LOCAL_TABLES and "person_id" in table.c:
            yield table


def _table_order(name: str) -> tuple[int, str]:
    if name in ORDER:
        return ORDER.index(name), ""
    if name in LAST:
        return len(ORDER) + 1 + LAST.index(name), ""
    return len(ORDER), name


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _texts(tables: Mapping[str, list[Row]]) -> Iterator[str]:
    for rows in tables.values():
        for row in rows:
            yield from _strings(list(row.values()))


@guarded(Permission.CASE_WORK)
class SubjectAccessService:
    def __init__(self, session: AppSession) -> None:
        self._app = session

    @property
    def reference(self) -> ReferenceData:
        return self._app.reference

    def find(self, identifier: str) -> str:
        """The case id of the person with this case id or prison (NOMIS) number."""
        text = identifier.strip()
        if not is_plain_text(text):
            raise UserError(
                "The case id or prison number holds characters that are not "
                "text (such as bytes in another encoding): type it again. Nothing "
                "was written."
            )
        nomis = normalise_nomis(text)
        with self._app.db.read() as s:
            if text and s.get(Person, text) is not None:
                return text
            found = (
                list(s.scalars(select(Person.id).where(Person.nomis_number == nomis)))
                if nomis
                else []
            )
        if len(found) > 1:
            raise UserError(
                f"{len(found)} case files have the prison number {nomis} "
                f"({', '.join(found)}): export each one by its case id."
            )
        if not found:
            raise NotFound(
                f"No one with the case id or prison number '{text}' is held on this "
                "laptop: nothing was written."
            )
        return found[0]

    def gather(self, person_id: str) -> SubjectRecords:
        """Read everything held about the person, and list the likely third-party names."""
        with self._app.db.read() as s:
            people = Base.metadata.tables[PEOPLE]
            person = s.execute(select(people).where(people.c.id == person_id)).mappings().first()
            if person is None:
                raise NotFound("That case is no longer on this laptop.")
            tables: dict[str, list[Row]] = {PEOPLE: [dict(person)]}
            for table in _person_tables():
                query = select(table).where(table.c.person_id == person_id)
                if "seq" in table.c and "at" in table.c:  # the audit trail, in its order
                    query = query.order_by(table.c.at, table.c.seq)
                else:  # UUIDv7 ids sort by when the record was made
                    query = query.order_by(*table.primary_key.columns)
                tables[table.name] = [dict(r) for r in s.execute(query).mappings()]
            tables[BARRIERS] = self._barriers(s, person_id)
            changes = Base.metadata.tables[CHANGES]
            tables[CHANGES] = [
                dict(r)
                for r in s.execute(
                    select(changes)
                    .where(changes.c.case_id == person_id)
                    .order_by(changes.c.hlc, changes.c.change_id)
                ).mappings()
            ]
            names = worker_names(s)
            plans = {str(r["snapshot_id"]) for r in tables.get("release_plans", ())}
            checklists = {
                c.id: dict(c.content)
                for c in s.scalars(select(ChecklistSnapshot).where(ChecklistSnapshot.id.in_(plans)))
            }
            others = []
            for given, family, preferred in s.execute(
                select(Person.given_name, Person.family_name, Person.preferred_name).where(
                    Person.id != person_id
                )
            ):
                others += [family, f"{given} {family}", f"{preferred} {family}"]
        tables = dict(sorted(tables.items(), key=lambda item: _table_order(item[0])))
        mentioned = set(_strings([list(r.values()) for rows in tables.values() for r in rows]))
        own = (str(person["given_name"]), str(person["family_name"]), str(person["preferred_name"]))
        candidates = find_third_party_names(
            _texts({k: v for k, v in tables.items() if k != AUDIT}),
            own_names=own,
            workers=names.values(),
            vocabulary=reference_vocabulary(self._app.reference),
            others=others,
        )
        count = sum(len(rows) for rows in tables.values())
        record(
            self._app,
            AuditAction.GATHERED,
            person_id,
            f"{count} records gathered for a subject access request",
        )
        return SubjectRecords(
            person_id=person_id,
            produced_at=self._app.clock.now(),
            produced_by=self._app.worker.name,
            tables=tables,
            workers={k: v for k, v in names.items() if k in mentioned},
            checklists=checklists,
            candidates=tuple(candidates),
            zone=self._app.clock.zone,
        )

    @staticmethod
    def _barriers(s: Any, person_id: str) -> list[Row]:
        """The barriers naming this case; the other cases they name are left out."""
        barriers = Base.metadata.tables[BARRIERS]
        stored = type_coerce(barriers.c.case_ids, Text)  # the JSON list as it is stored
        rows = s.execute(
            select(barriers).where(stored.like(f'%"{person_id}"%')).order_by(barriers.c.id)
        ).mappings()
        return [
            {**row, "case_ids": [person_id]} for row in rows if person_id in (row["case_ids"] or [])
        ]

    def names_listed(self, records: SubjectRecords) -> None:
        """The likely names of other people found were shown (``export-subject
        --list-names``): recorded, how many, never the names."""
        record(
            self._app,
            AuditAction.LISTED_NAMES,
            records.person_id,
            f"{len(records.candidates)} possible names of other people listed",
        )

    # --- writing --------------------------------------------------------------------------
    def write(self, records: SubjectRecords, folder: Path, pdf: bytes) -> ExportResult:
        """Write the JSON file and the (already drawn) PDF into ``folder``, each complete
        or not at all, then record the export in the audit trail."""
        pdf_path, json_path = export_paths(records, folder)
        check_folder(folder, (pdf_path, json_path))
        written: list[Path] = []
        try:
            for path, data in ((json_path, export_json(records)), (pdf_path, pdf)):
                write_atomically(path, data)
                written.append(path)
            record(self._app, AuditAction.EXPORTED, records.person_id, AUDIT_DETAIL)
        except BaseException as error:
            for path in written:  # an export not in the trail is not left behind
                path.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise UserError(
                    f"The export could not be written in {folder} "
                    f"({error.strerror or error}): nothing was kept. Check the "
                    "folder and the space left on the disk."
                ) from error
            raise
        return ExportResult(pdf_path, json_path, records.names_withheld, records.places_withheld)


def export_paths(records: SubjectRecords, folder: Path) -> tuple[Path, Path]:
    return folder / f"{records.file_stem}.pdf", folder / f"{records.file_stem}.json"


def check_folder(folder: Path, paths: Iterable[Path] = ()) -> None:
    """Refuse, in words, a folder the export cannot go into; never overwrite a file."""
    if not folder.exists():
        raise UserError(
            f"The folder {folder} does not exist: nothing was written. Choose a folder that exists."
        )
    if not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder: nothing was written.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(
            f"RESTART Desktop may not write in {folder}: nothing was written. "
            "Choose a folder of your own."
        )
    for path in paths:
        if path.exists():
            raise UserError(
                f"{path.name} is already in {folder}: nothing was written, and "
                "the file there was left as it was. Move it away, or choose "
                "another folder."
            )


# --- redaction ------------------------------------------------------------------------------
def _withhold_value(value: Any, names: Collection[str], counter: list[int]) -> Any:
    if isinstance(value, str):
        text, replaced = redact(value, names)
        counter[0] += replaced
        return text
    if isinstance(value, dict):
        return {k: _withhold_value(v, names, counter) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_withhold_value(v, names, counter) for v in value]
    return value


def withhold(records: SubjectRecords, names: Collection[str]) -> SubjectRecords:
    """The records with every occurrence of ``names`` replaced by "[name withheld]", in
    every text of every record (notes, addenda, earlier values in the change log...)."""
    chosen = sorted({n for n in names if n.strip()})
    counter = [0]
    tables = {
        table: [{k: _withhold_value(v, chosen, counter) for k, v in row.items()} for row in rows]
        for table, rows in records.tables.items()
    }
    return replace(
        records,
        tables=tables,
        names_withheld=len(chosen),
        places_withheld=records.places_withheld + counter[0],
    )


# --- the JSON file --------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    raise TypeError(f"not exportable: {type(value).__name__}")


def export_json(records: SubjectRecords) -> bytes:
    header = {
        "kind": "subject access export",
        "format": FORMAT_VERSION,
        "person_id": records.person_id,
        "produced_at": records.produced_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "produced_by": records.produced_by,
        "application": "RESTART Desktop",
        "app_version": records.app_version,
        "redactions": [
            {
                "kind": "third-party names",
                "replaced_with": WITHHELD,
                "names_withheld": records.names_withheld,
                "places_withheld": records.places_withheld,
                "why": WITHHELD_WHY,
            },
        ]
        if records.names_withheld
        else [],
        "tables": {name: len(rows) for name, rows in records.tables.items()},
        "notes": [
            "records: every row held about the person, by table, with every column. "
            "changes: the log of every edit of those records, earlier values included.",
            "Times are as stored: contact times (contact_at, appointments) are local times; "
            "created_at, updated_at, at and recorded_at are UTC.",
            "workers: the names of the staff the records mention by id.",
            "checklist_templates: the release-day checklist each release plan started from.",
        ],
    }
    document = {
        "export": header,
        "records": records.tables,
        "workers": records.workers,
        "checklist_templates": records.checklists,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=_json_default).encode()
