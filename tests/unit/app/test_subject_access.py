"""The subject access export of a fixture person holds every record of that person and nothing
of another; the names the worker chose are withheld in both files; the export is in the audit
trail; and the files go only into the folder chosen, under names that hold no name."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import NotFound, UserError
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.outcomes import AssessmentFields, BarrierFields, OutcomeService
from restart_desktop.app.referral_views import ReferralDraft
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate
from restart_desktop.app.session import AppSession
from restart_desktop.app.subject_access import (
    AUDIT_DETAIL,
    LOCAL_TABLES,
    SubjectAccessService,
    SubjectRecords,
    export_paths,
    withhold,
)
from restart_desktop.documents.subject_access import draw_pdf, export_subject
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.redaction import WITHHELD
from restart_desktop.store.models import Base, Handover, Review
from tests.support.clock import local


@dataclass(frozen=True)
class Fixture:
    id: str
    given: str
    family: str
    nomis: str
    secrets: tuple[str, ...]  # texts only this person's records hold


def _person(session: AppSession, given: str, family: str, nomis: str, words: str) -> Fixture:
    """One person with a record of every kind, made through the services as a worker would."""
    cases, notes = CaseService(session), NoteService(session)
    person = cases.create_case(
        CaseFields(
            given_name=given,
            family_name=family,
            nomis_number=nomis,
            prison_code="bullingdon",
            release_date=dt.date.today() + dt.timedelta(days=20),
        ),
        "Fixture recommendation",
    ).case_id
    yesterday = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)
    note_text = f"Fixture visit about the {words} hostel. His sister Marnie Fablewick visits."
    note = notes.finalise(
        DraftFields(person, yesterday, text=note_text, location="C wing"), confirmed=True
    )
    addendum = f"Fixture addendum: the {words} hostel has a bed."
    notes.add_addendum(note, addendum)
    action = f"Fixture action: phone the {words} hostel"
    notes.add_action(person, action, note_id=note)
    draft = f"Fixture draft about the {words} allotment"
    notes.save_draft(DraftFields(person, yesterday, text=draft))
    release = ReleaseService(session)
    plan = release.start_plan(person)
    code = session.reference.default_checklist.items[0].code
    place = f"Fixture {words} office, 1 Example Street"
    release.update_item(
        plan,
        code,
        ItemUpdate(ItemState.DONE, note="Fixture tick", place=place, contact="Ask for Dot Quillby"),
    )
    service = session.reference.services[0]
    reason = f"Fixture referral for the {words} course"
    ReferralService(session).create(ReferralDraft(person, service.code, reason=reason))
    outcomes = OutcomeService(session)
    scores = tuple(
        replace(area, worker=5, note=f"Fixture {words} score") for area in outcomes.blank_scores()
    )
    outcomes.finalise(
        outcomes.save_draft(
            AssessmentFields(person, dt.date.today(), f"Person and worker ({words})", scores)
        )
    )
    cases.change_status(person, CaseStatus.ACCEPTED, f"Fixture panel said yes ({words})")
    with session.db.write() as s:  # a supervisor's review and a handover, as sync brings them
        s.add(
            Review(
                item_kind="note",
                item_id=note,
                person_id=person,
                worker_id=session.worker.id,
                action="commented",
                comment=f"Fixture comment on the {words} note",
                at=yesterday,
            )
        )
        s.add(
            Handover(
                person_id=person,
                kind="share",
                to_worker_id=session.worker.id,
                note=f"Fixture share for the {words} gate",
                at=yesterday,
            )
        )
    cases.get_case(person)  # opening the case file is in its audit trail
    return Fixture(
        person,
        given,
        family,
        nomis,
        (note_text.split(".")[0], addendum, action, draft, place, reason),
    )


@pytest.fixture
def two(enrolled: AppSession) -> tuple[Fixture, Fixture]:
    first = _person(enrolled, "Tobias", "Fictionson", "Z7711AB", "lavender")
    second = _person(enrolled, "Quorwen", "Blandisham", "Z8822CD", "marigold")
    OutcomeService(enrolled).create_barrier(
        BarrierFields(
            "Fixture barrier: no beds on Fridays",
            "accommodation",
            "Fixture barrier detail",
            (first.id, second.id),
            dt.date.today(),
        )
    )
    with enrolled.db.write() as s:  # and the first person's note names the second
        s.add(
            Review(
                item_kind="note",
                item_id=first.id,
                person_id=first.id,
                worker_id=enrolled.worker.id,
                action="commented",
                comment="Fixture: he shares a cell with Blandisham now",
                at=local(2026, 1, 5, 10),
            )
        )
    return first, second


def _held(session: AppSession, person_id: str) -> set[tuple[str, str]]:
    """Every (table, id) held about the person, found without the export's own code: each
    table with a person_id column, the person's row, the changes of their records, the
    barriers naming their case."""
    keys = {("people", person_id)}
    with session.db.read() as s:
        for table in Base.metadata.sorted_tables:
            if "person_id" in table.c and table.name not in LOCAL_TABLES:
                ids = s.execute(select(table.c.id).where(table.c.person_id == person_id))
                keys |= {(table.name, str(i)) for (i,) in ids}
        changes = Base.metadata.tables["changes"]
        keys |= {
            ("changes", str(c))
            for (c,) in s.execute(select(changes.c.change_id).where(changes.c.case_id == person_id))
        }
        barriers = Base.metadata.tables["barriers"]
        keys |= {
            ("barriers", str(row.id))
            for row in s.execute(select(barriers))
            if person_id in row.case_ids
        }
    return keys


def _pdf_text(path: Path) -> str:
    pages = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    # Words come out separated by tabs and line breaks, "fi" and "ffi" as ligatures.
    return " ".join(unicodedata.normalize("NFKC", pages).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _export(
    session: AppSession, person: str, folder: Path, keep: tuple[str, ...] = ()
) -> tuple[SubjectRecords, dict[str, Any], str, str]:
    service = SubjectAccessService(session)
    records = service.gather(person)
    chosen = [c.name for c in records.candidates if c.name not in keep]
    result = export_subject(service, records, folder, chosen)
    raw = result.json.read_text("utf-8")
    return records, json.loads(raw), raw, _pdf_text(result.pdf)


def test_the_export_holds_every_record_of_the_person_and_nothing_of_another(
    enrolled: AppSession, two: tuple[Fixture, Fixture], tmp_path: Path, qtbot: QtBot
) -> None:
    first, second = two
    expected = _held(enrolled, first.id)
    kinds = {table for table, _ in expected}
    assert {
        "people",
        "contact_notes",
        "addenda",
        "follow_up_actions",
        "note_drafts",
        "release_plans",
        "release_plan_items",
        "referrals",
        "referral_events",
        "assessments",
        "barriers",
        "handovers",
        "reviews",
        "changes",
        "audit_entries",
    } <= kinds  # fmt: skip  (a record of every kind to look for)

    records, document, raw, pdf = _export(enrolled, first.id, tmp_path)

    exported = {
        (table, str(row.get("id", row.get("change_id"))))
        for table, rows in document["records"].items()
        for row in rows
    }
    assert exported == expected
    assert records.record_keys() == expected
    assert document["export"]["person_id"] == first.id
    assert document["export"]["produced_by"] == enrolled.worker.name
    assert document["records"]["people"][0]["nomis_number"] == first.nomis
    assert document["records"]["barriers"][0]["case_ids"] == [first.id]
    # Nothing of the other person: their id, names, prison number and texts.
    for secret in (second.id, second.given, second.family, second.nomis, *second.secrets):
        assert secret not in raw, secret
        assert _flat(secret) not in pdf, secret
    # ... while the PDF shows this person's records, in words.
    for shown in (
        first.given,
        first.family,
        first.nomis,
        *first.secrets,
        "HMP Bullingdon",
        "Contact notes and addenda",
        "Audit trail",
        "Fixture panel said yes",
    ):
        assert _flat(shown) in pdf, shown
    assert "he shares a cell with [name withheld] now" in pdf


def test_the_names_chosen_are_withheld_in_both_files_and_the_rest_kept(
    enrolled: AppSession, two: tuple[Fixture, Fixture], tmp_path: Path, qtbot: QtBot
) -> None:
    first, _second = two
    candidates = {
        c.name: c.count for c in SubjectAccessService(enrolled).gather(first.id).candidates
    }
    assert candidates == {"Marnie Fablewick": 2, "Dot Quillby": 2, "Blandisham": 2}
    # (twice each: in the record and in the log of its changes)

    _records, document, raw, pdf = _export(enrolled, first.id, tmp_path, keep=("Dot Quillby",))

    assert "Marnie Fablewick" not in raw
    assert "Marnie Fablewick" not in pdf
    assert "His sister [name withheld] visits" in raw
    assert "His sister [name withheld] visits" in pdf
    assert "Ask for Dot Quillby" in raw
    assert "Ask for Dot Quillby" in pdf
    (redaction,) = document["export"]["redactions"]
    assert redaction["replaced_with"] == WITHHELD
    assert (redaction["names_withheld"], redaction["places_withheld"]) == (2, 4)
    assert "Marnie" not in json.dumps(document["export"])  # the header lists no name


def test_the_export_is_audited_and_written_only_where_chosen_under_no_name(
    enrolled: AppSession, two: tuple[Fixture, Fixture], tmp_path: Path, qtbot: QtBot
) -> None:
    first, _second = two
    service = SubjectAccessService(enrolled)
    records = service.gather(first.id)
    folder = tmp_path / "chosen"
    folder.mkdir()
    result = export_subject(service, records, folder, ())

    assert sorted(p.name for p in folder.iterdir()) == sorted([result.pdf.name, result.json.name])
    for name in (result.pdf.name, result.json.name):
        assert name.startswith("subject-access-")
        assert first.id.replace("-", "")[-8:] in name
        for secret in (first.given, first.family, first.nomis):
            assert secret.lower() not in name.lower()
    trail = AuditService(enrolled).entries(AuditFilter(person_id=first.id))
    assert trail[0].action == AuditAction.EXPORTED
    assert trail[0].detail == AUDIT_DETAIL
    assert AuditService(enrolled).verify() == []

    with pytest.raises(UserError, match="already in"):  # never overwritten
        export_subject(service, records, folder, ())
    with pytest.raises(UserError, match="does not exist"):
        export_subject(service, records, tmp_path / "missing", ())
    exported = [
        e
        for e in AuditService(enrolled).entries(AuditFilter(person_id=first.id))
        if e.action == AuditAction.EXPORTED
    ]
    assert len(exported) == 1  # refusals write nothing and record nothing


def test_a_failed_write_leaves_nothing_behind(
    enrolled: AppSession,
    two: tuple[Fixture, Fixture],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    first, _second = two
    service = SubjectAccessService(enrolled)
    records = withhold(service.gather(first.id), ())
    pdf = draw_pdf(records, enrolled.reference)
    assert pdf.startswith(b"%PDF")
    real_replace = __import__("os").replace
    calls = []

    def failing_replace(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the second file: the disk is full
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr("restart_desktop.app.subject_access.os.replace", failing_replace)
    folder = tmp_path / "chosen"
    folder.mkdir()
    with pytest.raises(UserError, match="No space left on device"):
        service.write(records, folder, pdf)
    assert list(folder.iterdir()) == []  # neither file, nor a temporary one
    assert not [
        e
        for e in AuditService(enrolled).entries(AuditFilter(person_id=first.id))
        if e.action == AuditAction.EXPORTED
    ]
    assert export_paths(records, folder)[0].suffix == ".pdf"


def test_a_person_is_found_by_case_id_or_prison_number(
    enrolled: AppSession, two: tuple[Fixture, Fixture]
) -> None:
    first, second = two
    service = SubjectAccessService(enrolled)
    assert service.find(first.id) == first.id
    assert service.find(" z8822 cd ") == second.id  # as typed from a letter
    with pytest.raises(NotFound, match="No one with the case id or prison number 'Z9999ZZ'"):
        service.find("Z9999ZZ")


@pytest.mark.usefixtures("london")
def test_the_export_is_dated_as_the_laptop_shows_and_its_time_parses(
    enrolled: AppSession, two: tuple[Fixture, Fixture]
) -> None:
    """Made at 00:30 on 1 April in summer time: the file says 1 April (not UTC's 31
    March), and the JSON's produced_at is one valid ISO 8601 time, not '...+00:00Z'."""
    from restart_desktop.app.subject_access import export_json
    from tests.support.clock import set_clock

    first, _second = two
    set_clock(enrolled, dt.datetime(2026, 4, 1, 0, 30))
    records = SubjectAccessService(enrolled).gather(first.id)
    assert records.file_stem.endswith("-2026-04-01")
    produced = json.loads(export_json(records))["export"]["produced_at"]
    assert dt.datetime.fromisoformat(produced) == dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert produced.endswith("Z")
    assert "+00:00" not in produced
