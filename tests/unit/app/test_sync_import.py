"""Two laptops and a real folder or server (parametrised): a worker's changes reach the
supervisor's laptop through encrypted, signed bundles; again is harmless; a damaged or
missing bundle stops that device and applies nothing of it; a removed device is not imported;
one field changed on both sides is kept as a conflict with both values."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService, laptop_of
from restart_desktop.store.models import Person, SyncConflict
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import Published, bundle_name
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.receive import import_changes
from restart_desktop.sync.roster import Roster, RosterError, verify_roster
from restart_desktop.sync.target import Target
from tests.support.export_surgery import put, take_out


def _people(session: AppSession) -> dict[str, str]:
    with session.db.read() as s:
        return {p.id: p.family_name for p in s.scalars(select(Person))}


def test_a_workers_changes_reach_the_supervisor(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    data, signature = target.read_roster() or (b"", b"")
    assert verify_roster(data, signature, roster.supervisor_key) == roster
    case = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Testy", family_name="Travelson"))
        .case_id
    )
    NoteService(enrolled).finalise(
        DraftFields(
            person_id=case,
            contact_at=dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1),
            text="Met on the wing about the hostel (test)",
        )
    )
    export_changes(laptop_of(enrolled), target, roster)

    report = import_changes(laptop_of(supervisor), target, roster)

    assert report.problems == {}
    assert report.bundles == 1
    assert report.applied >= 3
    assert _people(supervisor)[case] == "Travelson"
    hits = NoteService(supervisor).search("hostel")
    assert [h.person_id for h in hits] == [case]  # the search index follows imports
    again = import_changes(laptop_of(supervisor), target, roster)
    assert (again.bundles, again.applied) == (0, 0)
    # The supervisor's own next change comes after everything it has seen.
    # A case of the supervisor's, allocated to nobody yet, stays off the worker's laptop.
    lead = CaseService(supervisor)
    lead.create_case(CaseFields(given_name="Testy", family_name="Later"))
    shown = lead.get_case(case).fields
    lead.update_case(case, replace(shown, nomis_number="A1234BC"))
    export_changes(laptop_of(supervisor), target, roster)
    back = import_changes(laptop_of(enrolled), target, roster)
    assert back.applied >= 1
    assert list(_people(enrolled).values()) == ["Travelson"]
    assert CaseService(enrolled).get_case(case).fields.nomis_number == "A1234BC"


def test_a_tampered_or_missing_bundle_stops_that_device_and_applies_nothing(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    cases = CaseService(enrolled)
    cases.create_case(CaseFields(given_name="Testy", family_name="First"))
    (first,) = export_changes(laptop_of(enrolled), target, roster)
    cases.create_case(CaseFields(given_name="Testy", family_name="Second"))
    (second,) = export_changes(laptop_of(enrolled), target, roster)
    original, signature = target.read(first)
    put(target, first, original[:-1] + bytes([original[-1] ^ 1]), signature)

    report = import_changes(laptop_of(supervisor), target, roster)
    assert "was refused" in report.problems[enrolled.device_id]
    assert report.applied == 0
    assert _people(supervisor) == {}

    put(target, first, original, signature)
    take_out(target, second)
    cases.create_case(CaseFields(given_name="Testy", family_name="Third"))
    export_changes(laptop_of(enrolled), target, roster)  # republishes 2 with 3: no gap
    report = import_changes(laptop_of(supervisor), target, roster)
    assert report.problems == {}
    assert sorted(_people(supervisor).values()) == ["First", "Second", "Third"]


def test_a_gap_stops_a_device_until_the_missing_bundle_comes(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    cases = CaseService(enrolled)
    published = []
    for name in ("One", "Two", "Three"):
        cases.create_case(CaseFields(given_name="Testy", family_name=name))
        published += export_changes(laptop_of(enrolled), target, roster)
    kept = take_out(target, published[1])
    report = import_changes(laptop_of(supervisor), target, roster)
    assert report.problems[enrolled.device_id].startswith(
        f"Waiting for bundle {published[1].from_seq}-{published[1].to_seq} from "
    )
    assert sorted(_people(supervisor).values()) == ["One"]
    put(target, published[1], *kept)
    assert import_changes(laptop_of(supervisor), target, roster).problems == {}
    assert sorted(_people(supervisor).values()) == ["One", "Three", "Two"]


def test_a_device_removed_from_the_roster_is_not_imported(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Lostlaptop"))
    export_changes(laptop_of(enrolled), target, roster)
    without = Roster(
        roster.team_id,
        2,
        roster.supervisor_key,
        roster.recovery_recipient,
        tuple(m for m in roster.members if m.device_id != enrolled.device_id),
    )
    assert import_changes(laptop_of(supervisor), target, without).bundles == 0
    assert _people(supervisor) == {}
    with pytest.raises(RosterError):
        verify_roster(without.to_json(), b"\\x00" * 64, roster.supervisor_key)


def test_the_same_field_changed_on_both_laptops_is_kept_as_a_conflict(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    worker_cases = CaseService(enrolled)
    case = worker_cases.create_case(CaseFields(given_name="Testy", family_name="Split")).case_id
    export_changes(laptop_of(enrolled), target, roster)
    import_changes(laptop_of(supervisor), target, roster)
    # Both change the prison number without seeing the other's change.
    supervisor_cases = CaseService(supervisor)
    on_supervisor = supervisor_cases.get_case(case).fields
    from dataclasses import replace

    supervisor_cases.update_case(case, replace(on_supervisor, nomis_number="Z1111AA"))
    worker_cases.update_case(
        case, replace(worker_cases.get_case(case).fields, nomis_number="Z2222BB")
    )
    export_changes(laptop_of(enrolled), target, roster)

    report = import_changes(laptop_of(supervisor), target, roster)

    assert report.conflicts == 1
    with supervisor.db.read() as s:
        (conflict,) = s.scalars(select(SyncConflict)).all()
        assert conflict.values == ["Z1111AA", "Z2222BB"]  # in clock order
        assert conflict.winner_change_id == conflict.change_ids[1]  # the worker's, made later
        assert s.get(Person, case).nomis_number == "Z2222BB"  # type: ignore[union-attr]
    # The worker's laptop, once it has the supervisor's change, lists the same conflict.
    export_changes(laptop_of(supervisor), target, roster)
    import_changes(laptop_of(enrolled), target, roster)
    with enrolled.db.read() as s:
        (same,) = s.scalars(select(SyncConflict)).all()
        assert (same.change_ids, same.winner_change_id) == (
            conflict.change_ids,
            conflict.winner_change_id,
        )
        assert s.get(Person, case).nomis_number == "Z2222BB"  # type: ignore[union-attr]


def test_choosing_a_value_ends_the_conflict_on_both_laptops(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    from dataclasses import replace

    worker_cases, supervisor_cases = CaseService(enrolled), CaseService(supervisor)
    case = worker_cases.create_case(CaseFields(given_name="Testy", family_name="Split")).case_id
    export_changes(laptop_of(enrolled), target, roster)
    import_changes(laptop_of(supervisor), target, roster)
    supervisor_cases.update_case(
        case, replace(supervisor_cases.get_case(case).fields, nomis_number="Z1111AA")
    )
    worker_cases.update_case(
        case, replace(worker_cases.get_case(case).fields, nomis_number="Z2222BB")
    )
    export_changes(laptop_of(enrolled), target, roster)
    import_changes(laptop_of(supervisor), target, roster)
    service = SyncService(supervisor)
    (conflict,) = service.conflicts()
    assert conflict.field == "nomis_number"
    assert conflict.what == "Prison number (case, SPLIT, Testy)"
    assert [(o.shown, o.author) for o in conflict.options] == [
        ("Z1111AA", "Supervisor (fictional)"),
        ("Z2222BB", enrolled.worker.name),
    ]
    assert conflict.showing == conflict.options[1].change_id

    # The supervisor's number was the right one.
    service.resolve(conflict.record_id, conflict.field, conflict.options[0].change_id)

    assert service.conflicts() == []
    assert supervisor_cases.get_case(case).fields.nomis_number == "Z1111AA"
    export_changes(laptop_of(supervisor), target, roster)
    import_changes(laptop_of(enrolled), target, roster)
    assert SyncService(enrolled).conflicts() == []  # settled by the choice that came in
    assert worker_cases.get_case(case).fields.nomis_number == "Z1111AA"
    with pytest.raises(Exception, match="already been settled"):
        service.resolve(conflict.record_id, conflict.field, conflict.options[1].change_id)


def test_a_renamed_or_replayed_bundle_is_refused(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    cases = CaseService(enrolled)
    cases.create_case(CaseFields(given_name="Testy", family_name="Original"))
    (first,) = export_changes(laptop_of(enrolled), target, roster)
    assert import_changes(laptop_of(supervisor), target, roster).problems == {}
    # An old bundle replayed under the next name (with its own, now mismatched, signature).
    replay = Published(enrolled.device_id, first.to_seq + 1, first.to_seq * 2)
    put(target, replay, *target.read(first))
    report = import_changes(laptop_of(supervisor), target, roster)
    assert "signature" in report.problems[enrolled.device_id]
    assert report.applied == 0
    assert sorted(_people(supervisor).values()) == ["Original"]


def test_a_bundle_from_a_newer_version_is_refused_with_the_reason(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    from restart_desktop.sync.bundle import encode_bundle
    from restart_desktop.sync.envelope import seal

    change = {
        "change_id": f"{enrolled.device_id}:1",
        "device_id": enrolled.device_id,
        "seq": 1,
        "entity": "people",
        "record_id": "x",
        "base_change_id": None,
        "bases": [],
        "hlc": "0",
        "author_id": "w",
        "fields": {},
        "recorded_at": "2026-11-23T10:00:00",
    }
    plaintext = encode_bundle(enrolled.device_id, "9999", [change])
    name = bundle_name(1, 1)
    ciphertext, signature = seal(
        plaintext, roster.recipients, device_keys(enrolled.db), enrolled.device_id, name
    )
    target.publish(enrolled.device_id, 1, 1, ciphertext, signature)
    report = import_changes(laptop_of(supervisor), target, roster)
    assert "newer RESTART Desktop (schema 9999)" in report.problems[enrolled.device_id]
    assert _people(supervisor) == {}
