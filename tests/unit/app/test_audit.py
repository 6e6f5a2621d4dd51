"""The audit trail: reads and writes are recorded without content, the chain verifies on a
real log, and an entry altered or removed in the database breaks it exactly there."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from restart_desktop import cli
from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import AuditAction
from restart_desktop.store.models import AuditEntry
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor

SECRET = "Fictional secret about the hostel"


def _make_history(session: AppSession) -> str:
    cases = CaseService(session)
    case = cases.create_case(CaseFields(given_name="Testy", family_name="Audited")).case_id
    cases.get_case(case)

    note = DraftFields(person_id=case, contact_at=local(2026, 11, 20, 10), text=SECRET)
    NoteService(session).finalise(note, confirmed=True)
    NoteService(session).timeline(case)
    NoteService(session).search("hostel")
    return case


def test_reads_and_writes_are_recorded_without_their_content(enrolled: AppSession) -> None:
    case = _make_history(enrolled)
    trail = AuditService(enrolled).entries(AuditFilter(person_id=case))
    actions = [e.action for e in reversed(trail)]
    assert actions == [
        AuditAction.CREATED,
        AuditAction.VIEWED_CASE,
        AuditAction.FINALISED,
        AuditAction.VIEWED_NOTES,
    ]
    lead = AuditService(as_supervisor(enrolled))
    searched = lead.entries(AuditFilter(action=AuditAction.SEARCHED_NOTES))
    assert [e.detail for e in searched] == ["1 found"]  # never the words searched for
    with enrolled.db.read() as s:
        details = " ".join(s.scalars(select(AuditEntry.detail)))
    assert SECRET not in details
    assert "hostel" not in details
    assert "Audited" not in details


def test_the_chain_verifies_and_breaks_exactly_at_an_altered_entry(
    enrolled: AppSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _make_history(enrolled)
    service = AuditService(enrolled)
    assert service.verify() == []
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    assert cli.main(["--data-dir", str(enrolled.paths.root), "audit", "verify"]) == 0
    assert "The audit trail is intact" in capsys.readouterr().out
    with enrolled.db.read() as s:
        third = s.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
    with enrolled.db.write() as s:  # someone with the key edits the file behind the app's back
        s.execute(text("DROP TRIGGER audit_entries_immutable"))
        s.execute(
            text("UPDATE audit_entries SET detail = 'nothing to see' WHERE id = :id"),
            {"id": third.id},
        )
    (broken,) = service.verify()
    assert (broken.device_id, broken.seq) == (enrolled.device_id, 3)
    assert "altered" in broken.why
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    folder = ["--data-dir", str(enrolled.paths.root), "audit", "verify"]
    assert cli.main(folder) == 1  # restart-desktop audit verify names it too
    assert f"BROKEN device {enrolled.device_id}, entry 3: its content was altered" in (
        capsys.readouterr().err
    )
    with enrolled.db.write() as s:  # and removing one breaks the chain where it was
        s.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    (broken,) = service.verify()
    assert broken.seq == 3
    assert "missing" in broken.why


def test_the_whole_log_is_for_supervisors(enrolled: AppSession) -> None:
    from restart_desktop.app.errors import UserError

    with pytest.raises(UserError, match="supervisors"):
        AuditService(enrolled).entries(AuditFilter())


def test_an_action_of_a_newer_version_is_listed_in_words(enrolled: AppSession) -> None:
    """A laptop of the team on a newer version records an action this one does not know
    (it came here with its audit trail): the supervisor's trail still lists every entry,
    that one in words, rather than failing to show any."""
    _make_history(enrolled)
    with enrolled.db.write() as s:  # as the sync import writes another laptop's entries
        columns = [str(row[1]) for row in s.execute(text("PRAGMA table_info(audit_entries)"))]
        chosen = {
            "id": "'newer-version-entry'",
            "device_id": "'another-laptop'",
            "seq": "1",
            "action": "'approved_laptop_sideways'",
        }
        picked = ", ".join(chosen.get(c, c) for c in columns)
        s.execute(
            text(
                f"INSERT INTO audit_entries ({', '.join(columns)}) "
                f"SELECT {picked} FROM audit_entries ORDER BY seq LIMIT 1"
            )
        )
    trail = AuditService(as_supervisor(enrolled)).entries(AuditFilter())
    newer = [e for e in trail if e.device_id == "another-laptop"]
    assert [(e.action, e.label) for e in newer] == [
        (None, "Approved laptop sideways (recorded by a newer version)")
    ]
    assert {e.label for e in trail} >= {"Created", "Searched notes"}
