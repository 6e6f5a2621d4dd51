"""Changes written before the one-clock rule (a laptop not yet updated, or this laptop's own
older change log) carry times without a zone; they are read by one rule on import and on a
rebuild: a column that was written in local time is the author's wall clock, any other UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.clock import local_text
from restart_desktop.store.models import ContactNote
from restart_desktop.sync.apply import apply_changes, rebuild

OLD_LAPTOP = "0190aaaa-0000-7000-8000-00000000feed"


def _old_laptops_note(case_id: str, author: str) -> dict[str, Any]:
    """A note as a laptop of the previous version published it: naive local contact time
    (14:05 on a summer afternoon) and a naive UTC ``recorded_at``."""
    return {
        "change_id": f"{OLD_LAPTOP}:1",
        "device_id": OLD_LAPTOP,
        "seq": 1,
        "entity": "contact_notes",
        "record_id": "0190aaaa-0000-7000-8000-0000000000a1",
        "base_change_id": None,
        "bases": None,
        "hlc": "001781100000000-000000",
        "author_id": author,
        "case_id": case_id,
        "recorded_at": "2026-06-10T13:06:00",
        "fields": {
            "person_id": case_id,
            "worker_id": author,
            "contact_at": "2026-06-10T14:05:00",
            "contact_type": "phone",
            "not_seen_reason": "",
            "location": "",
            "duration_minutes": None,
            "text": "Fictional call from an older laptop.",
            "needs": [],
        },
    }


def test_naive_times_from_an_older_laptop_are_read_by_the_rule_on_import_and_rebuild(
    enrolled: AppSession, london: None
) -> None:
    case = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Testy", family_name="Oldclock"))
        .case_id
    )
    with enrolled.db.write() as s:
        apply_changes(s, [_old_laptops_note(case, enrolled.worker.id)])
    for step in ("imported", "rebuilt"):
        with enrolled.db.read() as s:
            [note] = s.query(ContactNote).all()
            assert note.contact_at == dt.datetime(2026, 6, 10, 13, 5, tzinfo=dt.UTC), step
            assert local_text(note.contact_at, "%H:%M") == "14:05", step
            assert note.created_at == dt.datetime(2026, 6, 10, 13, 6, tzinfo=dt.UTC), step
        with enrolled.db.write() as s:
            rebuild(s)
