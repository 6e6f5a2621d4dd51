"""The subject access export in words: what the PDF shows, section by section, made from
the export's records (already redacted) and the reference data. Plain data out; the UI layer
draws it (``documents.subject_access``). A table this module has no words for yet is shown as
stored, under its own name, so nothing held is left out of the PDF."""

from __future__ import annotations

from collections.abc import Mapping

from restart_desktop.app.subject_access import (
    AUDIT,
    BARRIERS,
    LAST,
    ORDER,
    WITHHELD_WHY,
    Row,
    SubjectRecords,
)
from restart_desktop.app.subject_history import audit_section, history_section, record_names
from restart_desktop.app.subject_words import (
    Entry,
    ReportSection,
    Words,
    by_time,
    fields_of,
    humanise,
    label_of,
    yes_no,
)
from restart_desktop.domain.allocation import HandoverKind
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


def _case_details(person: Row, words: Words) -> ReportSection:
    p = person
    pairs = [
        ("Given name", p["given_name"]),
        ("Family name", p["family_name"]),
        ("Preferred name", p["preferred_name"]),
        ("Date of birth", words.when(p["date_of_birth"])),
        ("Prison number", p["nomis_number"]),
        ("Probation case reference (CRN)", p["crn"]),
        ("Prison", words.prison(p["prison_code"])),
        ("Expected release", f"{words.when(p['release_date'])} {p['release_time']}".strip()),
        ("Sentence", words.sentence(p["sentence_type"])),
        ("Managed under IOM", yes_no(p["iom"])),
        ("Managed under MAPPA", yes_no(p["mappa"])),
        (
            "Recommended by",
            label_of(ReferralSource, p["referral_source"]) if p["referral_source"] else "",
        ),
        ("Date recommended", words.when(p["referral_date"])),
        ("Allocated to", words.worker(p["allocated_worker_id"])),
        ("Has a settled address for release", yes_no(p["has_settled_address"])),
        ("Housing authority chosen", words.authority(p["housing_authority"])),
        ("Consent to share given", yes_no(p["consent_given"])),
        ("Consent given on", words.when(p["consent_date"])),
        (
            "How consent was given",
            label_of(ConsentMethod, p["consent_method"]) if p["consent_method"] else "",
        ),
        ("What the consent covers", p["consent_scope"]),
        ("Kinds of service the consent covers", words.needs(p["consent_categories"])),
        ("Needs", words.needs(p["needs"])),
        ("Status", label_of(CaseStatus, p["status"])),
        ("Reason for the status", p["status_reason"]),
    ]
    # Columns added since (a legal hold...) are shown as stored.
    extra = [
        (humanise(k), words.plain(v))
        for k, v in p.items()
        if k not in _PERSON_FIELDS and k not in SyncedRecord.BOOKKEEPING
    ]
    made = [
        ("Case file made", f"{words.when(p['created_at'])} by {words.worker(p['created_by'])}"),
        ("Last changed", f"{words.when(p['updated_at'])} by {words.worker(p['updated_by'])}"),
    ]
    return ReportSection(
        "Case details", entries=(Entry("The case file", fields_of([*pairs, *extra, *made])),)
    )


def _notes(tables: Mapping[str, list[Row]], words: Words) -> ReportSection:
    addenda: dict[str, list[Row]] = {}
    for addendum in tables.get("addenda", ()):
        addenda.setdefault(str(addendum["note_id"]), []).append(addendum)
    entries = []
    for note in by_time(tables.get("contact_notes", []), "contact_at"):
        children = tuple(
            Entry(
                f"Addendum of {words.when(a['created_at'])} by {words.worker(a['created_by'])}",
                text=str(a["text"]),
            )
            for a in addenda.pop(str(note["id"]), ())
        )
        entries.append(
            Entry(
                f"{words.when(note['contact_at'])} · "
                f"{label_of(ContactType, note['contact_type'])} · "
                f"{words.worker(note['worker_id'])}",
                fields_of(
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
            Entry(f"Addendum of {words.when(a['created_at'])}", text=str(a["text"])) for a in rows
        ]
    return ReportSection(
        "Contact notes and addenda",
        "Each note as finalised, with the corrections and late information added under it.",
        tuple(entries),
    )


def _actions(rows: list[Row], words: Words) -> ReportSection:
    entries = tuple(
        Entry(
            str(a["description"]),
            fields_of(
                [
                    (
                        "Whose",
                        " – ".join(
                            filter(None, (label_of(ActionOwner, a["owner"]), a["owner_detail"]))
                        ),
                    ),
                    ("Due", words.when(a["due_date"])),
                    ("State", label_of(ActionStatus, a["status"])),
                    ("How it turned out", a["outcome"]),
                    ("Closed", words.when(a["closed_at"])),
                    ("Agreed", f"{words.when(a['created_at'])} by {words.worker(a['created_by'])}"),
                ]
            ),
        )
        for a in rows
    )
    return ReportSection("Follow-up actions", entries=entries)


def _plans(tables: Mapping[str, list[Row]], words: Words) -> ReportSection:
    items: dict[str, list[Row]] = {}
    for item in tables.get("release_plan_items", ()):
        items.setdefault(str(item["plan_id"]), []).append(item)
    entries = []
    for plan in tables.get("release_plans", ()):
        children = tuple(
            Entry(
                words.item_label(plan, item),
                fields_of(
                    [
                        ("Section", label_of(Section, item["section"]) if item["section"] else ""),
                        ("State", label_of(ItemState, item["state"])),
                        ("When", words.when(item["state_at"])),
                        ("By", words.worker(item["state_by"])),
                        ("Appointment", words.when(item["appointment_at"])),
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
                f"{words.when(plan['previous_release_date'])} {plan['previous_release_time']}"
                f" (moved on {words.when(plan['release_changed_at'])})"
            )
        entries.append(
            Entry(
                f"Release {plan['number']}: "
                f"{words.when(plan['release_date'])} {plan['release_time']}",
                fields_of(
                    [
                        ("Earlier release date", moved),
                        (
                            "First night",
                            label_of(FirstNight, plan["first_night"])
                            if plan["first_night"]
                            else "",
                        ),
                        ("First night: detail", plan["first_night_detail"]),
                        ("Met at the gate", yes_no(plan["met_at_gate"])),
                        ("Met at", words.when(plan["met_at_gate_at"])),
                        ("Outcome recorded", words.when(plan["outcome_recorded_at"])),
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
                fields_of([("State", str(i["state"]))]),
                str(i["note"] or ""),
            )
            for i in rows
        ]
    return ReportSection(
        "Release plans and checklists",
        "Each release with the checklist items worked on (items never touched are not records).",
        tuple(entries),
    )


def _referrals(tables: Mapping[str, list[Row]], words: Words) -> ReportSection:
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
                f"{words.when(e['at'])} · "
                + (
                    "Chased"
                    if e["kind"] == "chase"
                    else " → ".join(
                        label_of(ReferralStatus, status)
                        for status in (e["from_status"], e["to_status"])
                        if status
                    )
                )
                + f" · {words.worker(e['created_by'])}",
                text=str(e["note"] or ""),
            )
            for e in by_time(events.pop(str(r["id"]), []), "at")
        )
        entries.append(
            Entry(
                f"{name} · {label_of(ReferralStatus, r['status'])}",
                fields_of(
                    [
                        ("Kind of service", words.need(str(r["category"]))),
                        ("Needs", words.needs(r["needs"])),
                        ("Urgency", label_of(Urgency, r["urgency"])),
                        ("Made on", words.when(r["made_on"])),
                        ("How sent", label_of(HowSent, r["how_sent"]) if r["how_sent"] else ""),
                        ("Sent on", words.when(r["sent_on"])),
                        ("Last chased", words.when(r["last_chased_on"])),
                        ("Sent without the consent covering it, because", r["consent_override"]),
                        ("Appointment", words.when(r["appointment_at"])),
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


def _assessments(rows: list[Row], words: Words) -> ReportSection:
    entries = []
    for a in by_time(rows, "assessed_on"):
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
                f"Assessment of {words.when(a['assessed_on'])}"
                + ("" if a["finalised_at"] else " (draft)"),
                fields_of(
                    [
                        ("Who took part", a["present"]),
                        ("Scores agreed", yes_no(a["agreed"])),
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


def _barriers(rows: list[Row], words: Words) -> ReportSection:
    entries = tuple(
        Entry(
            str(b["title"]),
            fields_of(
                [
                    ("Kind", words.barrier_category(b["category"])),
                    ("Raised on", words.when(b["raised_on"])),
                    ("State", label_of(BarrierStatus, b["status"])),
                    ("Resolution", b["resolution"]),
                    ("Resolved on", words.when(b["resolved_on"])),
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


def _handovers(rows: list[Row], words: Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"{words.when(h['at'])} · {label_of(HandoverKind, h['kind'])}",
            fields_of(
                [
                    ("From", words.worker(h["from_worker_id"])),
                    ("To", words.worker(h["to_worker_id"])),
                    ("By", words.worker(h["created_by"])),
                ]
            ),
            str(h["note"] or ""),
        )
        for h in by_time(rows, "at")
    )
    return ReportSection("Allocation and handovers", entries=entries)


def _reviews(tables: Mapping[str, list[Row]], words: Words) -> ReportSection:
    records = record_names(tables, words)
    rows = tuple(
        (
            words.when(r["at"]),
            words.worker(r["created_by"]),
            label_of(ReviewAction, r["action"]),
            records.get(str(r["item_id"]), label_of(ReviewItemKind, r["item_kind"])),
            str(r["comment"] or ""),
        )
        for r in by_time(tables.get("reviews", []), "at")
    )
    return ReportSection(
        "Supervisors' reviews",
        "Sign-offs, comments and corrections asked for on the records above.",
        columns=("When", "By", "Action", "On", "Comment"),
        rows=rows,
        widths=(16, 18, 16, 22, 28),
    )


def _field_changes(rows: list[Row], words: Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"{words.when(c.get('at'))} · {humanise(str(c.get('field', '')))}",
            fields_of(
                [
                    ("From", words.plain(c.get("old_value"))),
                    ("To", words.plain(c.get("new_value"))),
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


def _drafts(rows: list[Row], words: Words) -> ReportSection:
    entries = tuple(
        Entry(
            f"Draft started {words.when(d['started_at'])} · {words.worker(d['worker_id'])}",
            fields_of(
                [
                    ("Contact on", words.when(d["contact_at"])),
                    ("Last saved", words.when(d["saved_at"])),
                ]
            ),
            str(d["text"] or ""),
        )
        for d in rows
    )
    return ReportSection("Notes being written (not finalised)", entries=entries)


def _generic(name: str, rows: list[Row], words: Words) -> ReportSection:
    entries = []
    for row in rows:
        pairs = [
            (humanise(k), words.worker(v) if k.endswith("worker_id") else words.plain(v))
            for k, v in row.items()
            if k not in SyncedRecord.BOOKKEEPING and k != "person_id"
        ]
        made = row.get("created_at")
        heading = f"Made {words.when(made)}" if made else "Record"
        entries.append(Entry(heading, fields_of(pairs)))
    return ReportSection(humanise(name), entries=tuple(entries))


def readable_sections(records: SubjectRecords, reference: ReferenceData) -> list[ReportSection]:
    """What the PDF shows, in words: every table of the export, in sections (a table this
    module has no words for yet is shown as stored, under its own name). Times are on the
    session clock's calendar (the laptop's local time); the JSON file keeps them as UTC with
    their offset."""
    words = Words(reference, records.workers, records.checklists, records.zone)
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
    sections.append(history_section(tables, words))
    sections.append(audit_section(rows(AUDIT), words))
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
        (
            "Produced",
            f"{local_text(records.produced_at, zone=records.zone)} by {records.produced_by}",
        ),
        ("By", f"RESTART Desktop {records.app_version}"),
        ("Withheld", withheld),
        (
            "Records",
            ", ".join(f"{humanise(t).lower()} {len(r)}" for t, r in records.tables.items()),
        ),
    ]
