"""The subject access export in words: what the PDF shows, section by section, made from
the export's records (already redacted) and the reference data. Plain data out; the UI layer
draws it (``documents.subject_access``). A table this module has no words for yet is shown as
stored, under its own name, so nothing held is left out of the PDF."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from restart_desktop.app.subject_access import (
    AUDIT,
    BARRIERS,
    CHANGES,
    LAST,
    ORDER,
    PEOPLE,
    WITHHELD_WHY,
    Row,
    SubjectRecords,
)
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import CaseStatus, ConsentMethod, ReferralSource, display_name
from restart_desktop.domain.checklist import FirstNight, ItemState, Section
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.notes import ActionOwner, ActionStatus, ContactType
from restart_desktop.domain.outcomes import BarrierStatus
from restart_desktop.domain.redaction import WITHHELD
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.referrals import HowSent, ReferralStatus, Urgency
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.store.models import SyncedRecord


@dataclass(frozen=True)
class Entry:
    """One record in the PDF: a heading line, its fields, its long text, and the records
    under it (a note's addenda, a plan's checklist items, a referral's history)."""

    heading: str
    fields: tuple[tuple[str, str], ...] = ()
    text: str = ""
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class ReportSection:
    title: str
    intro: str = ""
    entries: tuple[Entry, ...] = ()
    columns: tuple[str, ...] = ()  # a compact table instead of entries (the audit trail)
    rows: tuple[tuple[str, ...], ...] = ()
    widths: tuple[int, ...] = ()  # of the columns, in per cent
    empty: str = "None held."


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        # Earlier values in old changes may carry no zone: shown as they were written.
        return local_text(value) if value.tzinfo else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", value):
        try:
            return _when(
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            return value
    return "" if value is None else str(value)


def _label(kind: type[StrEnum], value: Any) -> str:
    try:
        return str(getattr(kind(value), "label", value))
    except ValueError:
        return "" if value is None else str(value)


def _humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _plain(value: Any) -> str:
    """Any stored value in words (the records of a table this module has no words for)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date | dt.datetime):
        return _when(value)
    if isinstance(value, dict):
        return "; ".join(f"{_humanise(str(k))}: {_plain(v)}" for k, v in value.items() if _plain(v))
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return _when(value) if isinstance(value, str) else ("" if value is None else str(value))


def _by(rows: list[Row], key: str) -> list[Row]:
    """Rows in the order of ``key`` (a date or time), undated ones last; gathered in the order
    they were made, which is not always the order things happened."""
    return sorted(rows, key=lambda r: (r.get(key) is None, str(r.get(key) or "")))


def _fields(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value not in ("", None))


@dataclass
class _Words:
    """Codes and ids in words, for one export."""

    reference: ReferenceData
    workers: Mapping[str, str]
    checklists: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def worker(self, worker_id: Any) -> str:
        if not worker_id:
            return ""
        return self.workers.get(str(worker_id), "a worker no longer listed")

    def need(self, code: str) -> str:
        need = self.reference.need(code)
        return need.label if need else code

    def needs(self, codes: Any) -> str:
        return ", ".join(self.need(str(c)) for c in codes or ())

    def prison(self, code: Any) -> str:
        prison = self.reference.prison(str(code or ""))
        return prison.name if prison else str(code or "")

    def authority(self, code: Any) -> str:
        authority = self.reference.local_authority(str(code or ""))
        return authority.name if authority else str(code or "")

    def sentence(self, code: Any) -> str:
        sentence = self.reference.sentence_type(str(code or ""))
        return sentence.label if sentence else str(code or "")

    def barrier_category(self, code: Any) -> str:
        category = self.reference.barrier_category(str(code or ""))
        return category.label if category else str(code or "")

    def item_label(self, plan: Row | None, item: Row) -> str:
        if item.get("label"):
            return str(item["label"])
        content = self.checklists.get(str(plan["snapshot_id"])) if plan else None
        for template_item in (content or {}).get("items", ()):
            if template_item.get("code") == item.get("item_code"):
                return str(template_item.get("label", item.get("item_code")))
        return str(item.get("item_code", ""))


def _yes_no(value: Any) -> str:
    return "" if value is None else ("Yes" if value else "No")


_PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "nomis_number",
    "crn",
    "prison_code",
    "release_date",
    "release_time",
    "sentence_type",
    "iom",
    "mappa",
    "referral_source",
    "referral_date",
    "allocated_worker_id",
    "has_settled_address",
    "housing_authority",
    "consent_given",
    "consent_date",
    "consent_method",
    "consent_scope",
    "consent_categories",
    "needs",
    "status",
    "status_reason",
)


def _case_details(person: Row, words: _Words) -> ReportSection:
    p = person
    pairs = [
        ("Given name", p["given_name"]),
        ("Family name", p["family_name"]),
        ("Preferred name", p["preferred_name"]),
        ("Date of birth", _when(p["date_of_birth"])),
        ("Prison number", p["nomis_number"]),
        ("Probation case reference (CRN)", p["crn"]),
        ("Prison", words.prison(p["prison_code"])),
        ("Expected release", f"{_when(p['release_date'])} {p['release_time']}".strip()),
        ("Sentence", words.sentence(p["sentence_type"])),
        ("Managed under IOM", _yes_no(p["iom"])),
        ("Managed under MAPPA", _yes_no(p["mappa"])),
        (
            "Recommended by",
            _label(ReferralSource, p["referral_source"]) if p["referral_source"] else "",
        ),
        ("Date recommended", _when(p["referral_date"])),
        ("Allocated to", words.worker(p["allocated_worker_id"])),
        ("Has a settled address for release", _yes_no(p["has_settled_address"])),
        ("Housing authority chosen", words.authority(p["housing_authority"])),
        ("Consent to share given", _yes_no(p["consent_given"])),
        ("Consent given on", _when(p["consent_date"])),
        (
            "How consent was given",
            _label(ConsentMethod, p["consent_method"]) if p["consent_method"] else "",
        ),
        ("What the consent covers", p["consent_scope"]),
        ("Kinds of service the consent covers", words.needs(p["consent_categories"])),
        ("Needs", words.needs(p["needs"])),
        ("Status", _label(CaseStatus, p["status"])),
        ("Reason for the status", p["status_reason"]),
    ]
    # Columns added since (a legal hold...) are shown as stored.
    extra = [
        (_humanise(k), _plain(v))
        for k, v in p.items()
        if k not in _PERSON_FIELDS and k not in SyncedRecord.BOOKKEEPING
    ]
    made = [
        ("Case file made", f"{_when(p['created_at'])} by {words.worker(p['created_by'])}"),
        ("Last changed", f"{_when(p['updated_at'])} by {words.worker(p['updated_by'])}"),
    ]
    return ReportSection(
        "Case details", entries=(Entry("The case file", _fields([*pairs, *extra, *made])),)
    )


def _notes(tables: Mapping[str, list[Row]], words: _Words) -> ReportSection:
    addenda: dict[str, list[Row]] = {}
    for addendum in tables.get("addenda", ()):
        addenda.setdefault(str(addendum["note_id"]), []).append(addendum)
    entries = []
    for note in _by(tables.get("contact_notes", []), "contact_at"):
        children = tuple(
            Entry(
                f"Addendum of {_when(a['created_at'])} by {words.worker(a['created_by'])}",
                text=str(a["text"]),
            )
            for a in addenda.pop(str(note["id"]), ())
        )
        entries.append(
            Entry(
                f"{_when(note['contact_at'])} · {_label(ContactType, note['contact_type'])} · "
                f"{words.worker(note['worker_id'])}",
                _fields(
                    [
                        ("Where", note["location"]),
                        (
                            "Minutes",
                            ""
                            if note["duration_minutes"] is None
                            else str(note["duration_minutes"]),
                        ),
                        ("Why not seen", note["not_seen_reason"]),
                        ("Needs discussed", words.needs(note["needs"])),
                    ]
                ),
                str(note["text"]),
                children,
            )
        )
    for rows in addenda.values():  # an addendum whose note is not held (should not happen)
        entries += [
            Entry(f"Addendum of {_when(a['created_at'])}", text=str(a["text"])) for a in rows
        ]
    return ReportSection(
        "Contact notes and addenda",
        "Each note as finalised, with the corrections and late information added under it.",
        tuple(entries),
    )


def _actions(rows: list[Row], words: _Words) -> ReportSection:
    entries = tuple(
        Entry(
            str(a["description"]),
            _fields(
                [
                    (
                        "Whose",
                        " – ".join(
                            filter(None, (_label(ActionOwner, a["owner"]), a["owner_detail"]))
                        ),
                    ),
                    ("Due", _when(a["due_date"])),
                    ("State", _label(ActionStatus, a["status"])),
                    ("How it turned out", a["outcome"]),
                    ("Closed", _when(a["closed_at"])),
                    ("Agreed", f"{_when(a['created_at'])} by {words.worker(a['created_by'])}"),
                ]
            ),
        )
        for a in rows
    )
    return ReportSection("Follow-up actions", entries=entries)


def _plans(tables: Mapping[str, list[Row]], words: _Words) -> ReportSection:
    items: dict[str, list[Row]] = {}
    for item in tables.get("release_plan_items", ()):
        items.setdefault(str(item["plan_id"]), []).append(item)
    entries = []
    for plan in tables.get("release_plans", ()):
        children = tuple(
            Entry(
                words.item_label(plan, item),
                _fields(
                    [
                        ("Section", _label(Section, item["section"]) if item["section"] else ""),
                        ("State", _label(ItemState, item["state"])),
                        ("When", _when(item["state_at"])),
                        ("By", words.worker(item["state_by"])),
                        ("Appointment", _when(item["appointment_at"])),
                        ("Place", item["place"]),
                        ("Who to ask for", item["contact"]),
                    ]
                ),
                str(item["note"] or ""),
            )
            for item in items.pop(str(plan["id"]), ())
        )
        moved = ""
        if plan["previous_release_date"]:
            moved = (
                f"{_when(plan['previous_release_date'])} {plan['previous_release_time']}"
                f" (moved on {_when(plan['release_changed_at'])})"
            )
        entries.append(
            Entry(
                f"Release {plan['number']}: {_when(plan['release_date'])} {plan['release_time']}",
                _fields(
                    [
                        ("Earlier release date", moved),
                        (
                            "First night",
                            _label(FirstNight, plan["first_night"]) if plan["first_night"] else "",
                        ),
                        ("First night: detail", plan["first_night_detail"]),
                        ("Met at the gate", _yes_no(plan["met_at_gate"])),
                        ("Met at", _when(plan["met_at_gate_at"])),
                        ("Outcome recorded", _when(plan["outcome_recorded_at"])),
                    ]
                ),
                str(plan["outcome_note"] or ""),
                children,
            )
        )
    for rows in items.values():
        entries += [
            Entry(
                words.item_label(None, i),
                _fields([("State", str(i["state"]))]),
                str(i["note"] or ""),
            )
            for i in rows
        ]
    return ReportSection(
        "Release plans and checklists",
        "Each release with the checklist items worked on (items never touched are not records).",
        tuple(entries),
    )


def _referrals(tables: Mapping[str, list[Row]], words: _Words) -> ReportSection:
    events: dict[str, list[Row]] = {}
    for event in tables.get("referral_events", ()):
        events.setdefault(str(event["referral_id"]), []).append(event)
    entries = []
    for r in tables.get("referrals", ()):
        service = r["service"] or {}
        name = (
            ": ".join(
                filter(
                    None, (str(service.get("organisation", "")), str(service.get("service", "")))
                )
            )
            or r["service_code"]
        )
        children = tuple(
            Entry(
                f"{_when(e['at'])} · "
                + (
                    "Chased"
                    if e["kind"] == "chase"
                    else " → ".join(
                        _label(ReferralStatus, status)
                        for status in (e["from_status"], e["to_status"])
                        if status
                    )
                )
                + f" · {words.worker(e['created_by'])}",
                text=str(e["note"] or ""),
            )
            for e in _by(events.pop(str(r["id"]), []), "at")
        )
        entries.append(
            Entry(
                f"{name} · {_label(ReferralStatus, r['status'])}",
                _fields(
                    [
                        ("Kind of service", words.need(str(r["category"]))),
                        ("Needs", words.needs(r["needs"])),
                        ("Urgency", _label(Urgency, r["urgency"])),
                        ("Made on", _when(r["made_on"])),
                        ("How sent", _label(HowSent, r["how_sent"]) if r["how_sent"] else ""),
                        ("Sent on", _when(r["sent_on"])),
                        ("Last chased", _when(r["last_chased_on"])),
                        ("Sent without the consent covering it, because", r["consent_override"]),
                        ("Appointment", _when(r["appointment_at"])),
                        ("Appointment place", r["appointment_place"]),
                        ("Outcome", r["outcome"]),
                        ("Why declined", r["declined_reason"]),
                        ("Why withdrawn", r["withdrawn_reason"]),
                        ("Made by", words.worker(r["created_by"])),
                    ]
                ),
                str(r["reason"] or ""),
                children,
            )
        )
    return ReportSection("Referrals to services", "Each referral with its history.", tuple(entries))


def _assessments(rows: list[Row], words: _Words) -> ReportSection:
    entries = []
    for a in _by(rows, "assessed_on"):
        scores = []
        for score in a["scores"] or ():
            parts = [
                f"worker {score['worker']}" if score.get("worker") is not None else "",
                f"own score {score['person']}" if score.get("person") is not None else "",
                f"left out: {score['skipped']}" if score.get("skipped") else "",
                str(score.get("note") or ""),
            ]
            scores.append(
                (str(score.get("label") or score.get("code")), "; ".join(p for p in parts if p))
            )
        entries.append(
            Entry(
                f"Assessment of {_when(a['assessed_on'])}"
                + ("" if a["finalised_at"] else " (draft)"),
                _fields(
                    [
                        ("Who took part", a["present"]),
                        ("Scores agreed", _yes_no(a["agreed"])),
                        ("Where the scores differ", a["disagreement"]),
                        *scores,
                        ("By", words.worker(a["created_by"])),
                    ]
                ),
            )
        )
    return ReportSection(
        "Outcome assessments", "Scores from 1 to 10 for each area of life.", tuple(entries)
    )


def _barriers(rows: list[Row], words: _Words) -> ReportSection:
    entries = tuple(
        Entry(
            str(b["title"]),
            _fields(
                [
                    ("Kind", words.barrier_category(b["category"])),
                    ("Raised on", _when(b["raised_on"])),
                    ("State", _label(BarrierStatus, b["status"])),
                    ("Resolution", b["resolution"]),
                    ("Resolved on", _when(b["resolved_on"])),
                ]
            ),
            str(b["description"] or ""),
        )
        for b in rows
    )
    return ReportSection(
        "Barriers raised about the case",
        "Problems met in getting support, raised with the programme's board.",
        entries,
    )


def _handovers(rows: list[Row], words: _Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"{_when(h['at'])} · {_label(HandoverKind, h['kind'])}",
            _fields(
                [
                    ("From", words.worker(h["from_worker_id"])),
                    ("To", words.worker(h["to_worker_id"])),
                    ("By", words.worker(h["created_by"])),
                ]
            ),
            str(h["note"] or ""),
        )
        for h in _by(rows, "at")
    )
    return ReportSection("Allocation and handovers", entries=entries)


def _reviews(tables: Mapping[str, list[Row]], words: _Words) -> ReportSection:
    records = _record_names(tables, words)
    rows = tuple(
        (
            _when(r["at"]),
            words.worker(r["created_by"]),
            _label(ReviewAction, r["action"]),
            records.get(str(r["item_id"]), _label(ReviewItemKind, r["item_kind"])),
            str(r["comment"] or ""),
        )
        for r in _by(tables.get("reviews", []), "at")
    )
    return ReportSection(
        "Supervisors' reviews",
        "Sign-offs, comments and corrections asked for on the records above.",
        columns=("When", "By", "Action", "On", "Comment"),
        rows=rows,
        widths=(16, 18, 16, 22, 28),
    )


def _field_changes(rows: list[Row], words: _Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"{_when(c.get('at'))} · {_humanise(str(c.get('field', '')))}",
            _fields(
                [
                    ("From", _plain(c.get("old_value"))),
                    ("To", _plain(c.get("new_value"))),
                    ("By", words.worker(c.get("created_by"))),
                ]
            ),
            str(c.get("reason") or ""),
        )
        for c in rows
    )
    return ReportSection(
        "Changes that needed a reason",
        "Changes of status, allocation, release date, consent and flags, with the reason given.",
        entries,
    )


def _drafts(rows: list[Row], words: _Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"Draft started {_when(d['started_at'])} · {words.worker(d['worker_id'])}",
            _fields([("Contact on", _when(d["contact_at"])), ("Last saved", _when(d["saved_at"]))]),
            str(d["text"] or ""),
        )
        for d in rows
    )
    return ReportSection("Notes being written (not finalised)", entries=entries)


def _generic(name: str, rows: list[Row], words: _Words) -> ReportSection:
    entries = []
    for row in rows:
        pairs = [
            (_humanise(k), words.worker(v) if k.endswith("worker_id") else _plain(v))
            for k, v in row.items()
            if k not in SyncedRecord.BOOKKEEPING and k != "person_id"
        ]
        made = row.get("created_at")
        heading = f"Made {_when(made)}" if made else "Record"
        entries.append(Entry(heading, _fields(pairs)))
    return ReportSection(_humanise(name), entries=tuple(entries))


_RECORD_KINDS = {
    "people": "Case file",
    "contact_notes": "Contact note",
    "follow_up_actions": "Follow-up action",
    "release_plans": "Release plan",
    "release_plan_items": "Checklist item",
    "referrals": "Referral",
    "assessments": "Assessment",
    "barriers": "Barrier",
}
_CODED: dict[tuple[str, str], type[StrEnum]] = {
    ("people", "status"): CaseStatus,
    ("people", "referral_source"): ReferralSource,
    ("people", "consent_method"): ConsentMethod,
    ("referrals", "status"): ReferralStatus,
    ("referrals", "urgency"): Urgency,
    ("referrals", "how_sent"): HowSent,
    ("follow_up_actions", "status"): ActionStatus,
    ("follow_up_actions", "owner"): ActionOwner,
    ("release_plan_items", "state"): ItemState,
    ("release_plans", "first_night"): FirstNight,
    ("barriers", "status"): BarrierStatus,
}


def _record_names(tables: Mapping[str, list[Row]], words: _Words) -> dict[str, str]:
    """Which record a change was to, in words ("Referral: Oxford City Council: Housing")."""
    names = {str(p["id"]): "Case file" for p in tables.get(PEOPLE, ())}
    for note in tables.get("contact_notes", ()):
        names[str(note["id"])] = f"Contact note of {_when(note['contact_at'])}"
    plans = {str(p["id"]): p for p in tables.get("release_plans", ())}
    for plan in plans.values():
        names[str(plan["id"])] = f"Release plan {plan['number']}"
    for item in tables.get("release_plan_items", ()):
        label = words.item_label(plans.get(str(item["plan_id"])), item)
        names[str(item["id"])] = f"Checklist: {label}"
    for referral in tables.get("referrals", ()):
        service = referral["service"] or {}
        names[str(referral["id"])] = "Referral: " + (
            str(service.get("organisation") or "") or str(referral["service_code"])
        )
    for action in tables.get("follow_up_actions", ()):
        names[str(action["id"])] = f"Action: {action['description']}"
    for assessment in tables.get("assessments", ()):
        names[str(assessment["id"])] = f"Assessment of {_when(assessment['assessed_on'])}"
    for barrier in tables.get(BARRIERS, ()):
        names[str(barrier["id"])] = f"Barrier: {barrier['title']}"
    return names


def _value(entity: str, key: str, value: Any, words: _Words) -> str:
    """A value of the change log in words."""
    if value in (None, "", []):
        return "–"
    coded = _CODED.get((entity, key))
    if coded is not None:
        return _label(coded, value)
    if key.endswith("worker_id") or key == "state_by":
        return words.worker(value)
    if key in ("needs", "consent_categories", "category"):
        return words.needs(value) if isinstance(value, list) else words.need(str(value))
    if key == "prison_code":
        return words.prison(value)
    if key == "housing_authority":
        return words.authority(value)
    if key == "sentence_type":
        return words.sentence(value)
    return _plain(value) or "–"


def _history(tables: Mapping[str, list[Row]], words: _Words) -> ReportSection:
    """Each edit of a record after it was made, with the value before and after: the
    earlier values the log still holds."""
    records = _record_names(tables, words)
    current: dict[str, dict[str, Any]] = {}
    rows = []
    for change in tables.get(CHANGES, ()):
        entity = str(change["entity"])
        if entity == AUDIT:
            continue
        fields = change["fields"] or {}
        before = current.setdefault(str(change["record_id"]), {})
        if before:
            what = records.get(
                str(change["record_id"]), _RECORD_KINDS.get(entity, _humanise(entity))
            )
            for key, value in fields.items():
                if key in SyncedRecord.BOOKKEEPING:
                    continue
                rows.append(
                    (
                        _when(change["recorded_at"]),
                        words.worker(change["author_id"]),
                        what,
                        _humanise(key),
                        _value(entity, key, before.get(key), words),
                        _value(entity, key, value, words),
                    )
                )
        before.update(fields)
    return ReportSection(
        "Earlier values: every edit",
        "Each change made to a record after it was first "
        "written, from the log the laptops share. The JSON file holds the whole log.",
        columns=("When", "Who", "Record", "Field", "Before", "After"),
        rows=tuple(rows),
        widths=(15, 14, 21, 14, 18, 18),
        empty="No record was edited after it was made.",
    )


def _audit(rows: list[Row], words: _Words) -> ReportSection:
    return ReportSection(
        "Audit trail: who opened, read, changed or exported this record",
        "The trail says what was done, never what a note says.",
        columns=("When", "Who", "What", "Detail"),
        widths=(16, 20, 20, 44),
        rows=tuple(
            (
                _when(e["at"]),
                words.worker(e["worker_id"]),
                _label(AuditAction, e["action"]),
                str(e["detail"] or ""),
            )
            for e in rows
        ),
    )


def readable_sections(records: SubjectRecords, reference: ReferenceData) -> list[ReportSection]:
    """What the PDF shows, in words: every table of the export, in sections (a table this
    module has no words for yet is shown as stored, under its own name). Times are the
    laptop's local time; the JSON file keeps them as UTC with their offset."""
    words = _Words(reference, records.workers, records.checklists)
    tables = records.tables

    def rows(name: str) -> list[Row]:
        return tables.get(name, [])

    sections = [
        _case_details(records.person, words),
        _notes(tables, words),
        _actions(rows("follow_up_actions"), words),
        _plans(tables, words),
        _referrals(tables, words),
        _assessments(rows("assessments"), words),
        _barriers(rows(BARRIERS), words),
        _handovers(rows("handovers"), words),
        _reviews(tables, words),
    ]
    if "field_changes" in tables:
        sections.append(_field_changes(rows("field_changes"), words))
    if rows("note_drafts"):
        sections.append(_drafts(rows("note_drafts"), words))
    shown = {*ORDER, *LAST}
    sections += [_generic(name, r, words) for name, r in tables.items() if name not in shown]
    sections.append(_history(tables, words))
    sections.append(_audit(rows(AUDIT), words))
    return sections


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def about_lines(records: SubjectRecords) -> list[tuple[str, str]]:
    """The export's own details, at the top of the PDF."""
    person = records.person
    name = display_name(
        str(person["given_name"]), str(person["family_name"]), str(person["preferred_name"])
    )
    withheld = (
        f"{_plural(records.names_withheld, 'name')} of other people, in "
        f"{_plural(records.places_withheld, 'place')}, replaced by {WITHHELD}. "
        f"{WITHHELD_WHY}"
        if records.names_withheld
        else "Nothing was withheld."
    )
    return [
        ("For", name),
        ("Case id", records.person_id),
        ("Produced", f"{local_text(records.produced_at)} by {records.produced_by}"),
        ("By", f"RESTART Desktop {records.app_version}"),
        ("Withheld", withheld),
        (
            "Records",
            ", ".join(f"{_humanise(t).lower()} {len(r)}" for t, r in records.tables.items()),
        ),
    ]
