"""The subject access report's last two sections: the history of every change to the
person's records, in words, and the audit trail of who looked at them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from restart_desktop.app.subject_access import AUDIT, BARRIERS, CHANGES, PEOPLE, Row
from restart_desktop.app.subject_words import (
    ReportSection,
    Words,
    humanise,
    label_of,
)
from restart_desktop.domain.audit import RECORD_KINDS, AuditAction, detail_in_words
from restart_desktop.domain.case import (
    CASE_FIELD_LABELS,
    CaseStatus,
    ConsentMethod,
    ReferralSource,
)
from restart_desktop.domain.checklist import FirstNight, ItemState
from restart_desktop.domain.notes import ActionOwner, ActionStatus
from restart_desktop.domain.outcomes import BarrierStatus
from restart_desktop.domain.referrals import HowSent, ReferralStatus, Urgency
from restart_desktop.store.models import SyncedRecord

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


def record_names(tables: Mapping[str, list[Row]], words: Words) -> dict[str, str]:
    """Which record a change was to, in words ("Referral: Oxford City Council: Housing")."""
    names = {str(p["id"]): "Case file" for p in tables.get(PEOPLE, ())}
    for note in tables.get("contact_notes", ()):
        names[str(note["id"])] = f"Contact note of {words.when(note['contact_at'])}"
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
        names[str(assessment["id"])] = f"Assessment of {words.when(assessment['assessed_on'])}"
    for barrier in tables.get(BARRIERS, ()):
        names[str(barrier["id"])] = f"Barrier: {barrier['title']}"
    return names


def value_in_words(entity: str, key: str, value: Any, words: Words) -> str:
    """A value of the change log in words."""
    if value in (None, "", []):
        return "–"
    coded = _CODED.get((entity, key))
    if coded is not None:
        return label_of(coded, value)
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
    return words.plain(value) or "–"


def history_section(tables: Mapping[str, list[Row]], words: Words) -> ReportSection:
    """Each edit of a record after it was made, with the value before and after: the
    earlier values the log still holds."""
    records = record_names(tables, words)
    current: dict[str, dict[str, Any]] = {}
    rows = []
    for change in tables.get(CHANGES, ()):
        entity = str(change["entity"])
        if entity == AUDIT:
            continue
        fields = change["fields"] or {}
        before = current.setdefault(str(change["record_id"]), {})
        if before:
            what = records.get(str(change["record_id"]), RECORD_KINDS.get(entity, humanise(entity)))
            for key, value in fields.items():
                if key in SyncedRecord.BOOKKEEPING:
                    continue
                rows.append(
                    (
                        words.when(change["recorded_at"]),
                        words.worker(change["author_id"]),
                        what,
                        humanise(key),
                        value_in_words(entity, key, before.get(key), words),
                        value_in_words(entity, key, value, words),
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


def audit_section(rows: list[Row], words: Words) -> ReportSection:
    return ReportSection(
        "Audit trail: who opened, read, changed or exported this record",
        "The trail says what was done, never what a note says.",
        columns=("When", "Who", "What", "Detail"),
        widths=(16, 20, 20, 44),
        rows=tuple(
            (
                words.when(e["at"]),
                words.worker(e["worker_id"]),
                label_of(AuditAction, e["action"]),
                detail_in_words(str(e["detail"] or ""), CASE_FIELD_LABELS),
            )
            for e in rows
        ),
    )
