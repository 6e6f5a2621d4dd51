"""An audit entry's detail in words: the store's record and field names never reach a reader."""

from __future__ import annotations

import pytest

from restart_desktop.domain.audit import detail_in_words
from restart_desktop.domain.case import CASE_FIELD_LABELS


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            "referral_events: created; referrals: last_chased_on",
            "Referral step: created; Referral: last chased on",
        ),
        (
            "people: preferred_name, iom, allocated_worker_id",
            "Case file: preferred name, IOM, allocated worker",
        ),
        ("contact_notes: created (finalised_at)", "Contact note: created (finalised at)"),
        ("assessments: created", "Outcome assessment: created"),
        ("barriers: created_at", "Barrier: created at"),
        ("3 found", "3 found"),
        ("case file", "case file"),
        ("Contact note", "Contact note"),
        ("", ""),
    ],
)
def test_a_detail_reads_as_words(stored: str, shown: str) -> None:
    assert detail_in_words(stored, CASE_FIELD_LABELS) == shown
