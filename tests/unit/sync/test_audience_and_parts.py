"""Who a change is encrypted to (workers, supervisors, the allocator for the intake only,
everyone for team records), routes that carry ids only, and format 3 manifests and parts
refused when they do not hold their range exactly once or are not what the manifest says."""

from __future__ import annotations

from typing import Any

import pytest

from restart_desktop.domain.allocation import CaseAudience
from restart_desktop.sync.audience import TeamAudiences, group, route_as_change, route_of
from restart_desktop.sync.bundle import BundleError
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.parts import (
    PartEntry,
    decode_manifest,
    decode_part,
    encode_manifest,
    encode_part,
    manifest_of,
    runs_of,
)
from restart_desktop.sync.roster import Member, Roster

RECOVERY = DeviceKeys.generate()


def _member(device: str, worker: str, role: str) -> Member:
    keys = DeviceKeys.generate()
    return Member(
        device, worker, f"{worker} (fictional)", role, keys.age_recipient, keys.verify_key
    )


TEAM = TeamAudiences.of(
    Roster(
        "team",
        1,
        "key",
        RECOVERY.age_recipient,
        (
            _member("d-lead", "w-lead", "supervisor"),
            _member("d-one", "w-one", "worker"),
            _member("d-one-new", "w-one", "worker"),
            _member("d-two", "w-two", "worker"),
            _member("d-opcc", "w-opcc", "allocator"),
        ),
    )
)


def test_a_case_goes_to_its_workers_devices_the_supervisors_and_the_allocator_for_intake() -> None:
    allocated = CaseAudience("w-lead", "w-one", ("w-two",))
    assert TEAM.of_change("c", "contact_notes", allocated) == {
        "d-lead",
        "d-one",
        "d-one-new",
        "d-two",
    }
    assert TEAM.of_change("c", "people", allocated) == {
        "d-lead",
        "d-one",
        "d-one-new",
        "d-two",
        "d-opcc",
    }
    recorded = CaseAudience("w-two", None, ())  # allocated to nobody: who recorded it
    assert TEAM.of_change("c", "referrals", recorded) == {"d-lead", "d-two"}
    assert TEAM.of_change("c", "referrals", None) == {"d-lead"}  # unknown: supervisors only
    assert TEAM.of_change(None, "workers", None) == TEAM.everyone
    assert RECOVERY.age_recipient in TEAM.age_recipients({"d-two"})
    assert len(TEAM.age_recipients({"d-two", "d-lead"})) == 3


def test_changes_group_by_audience_in_sequence_order() -> None:
    changes = [{"change_id": f"d:{n}", "seq": n} for n in range(1, 6)]
    audience = {
        "d:1": frozenset({"a"}),
        "d:2": frozenset({"a", "b"}),
        "d:3": frozenset({"a"}),
        "d:4": frozenset({"a", "b"}),
        "d:5": frozenset({"a"}),
    }
    groups = group(changes, audience)
    assert [([c["seq"] for c in members]) for _, members in groups] == [[1, 3, 5], [2, 4]]
    assert runs_of([1, 2, 3, 7, 9, 10]) == ((1, 3), (7, 7), (9, 10))


def test_routes_carry_ids_never_names_or_content() -> None:
    created: dict[str, Any] = {
        "entity": "people",
        "record_id": "c",
        "case_id": "c",
        "hlc": "h1",
        "author_id": "w-one",
        "fields": {
            "given_name": "Testy",
            "family_name": "Secret",
            "allocated_worker_id": "w-two",
            "status": "closed",
        },
    }
    route = route_of(created)
    assert route is not None
    assert "Secret" not in str(route)
    assert "Testy" not in str(route)
    assert route_as_change(route)["fields"] == {
        "given_name": "",
        "allocated_worker_id": "w-two",
        "status": "closed",
    }
    shared: dict[str, Any] = {
        "entity": "handovers",
        "record_id": "h",
        "case_id": "c",
        "hlc": "h2",
        "author_id": "w-lead",
        "fields": {
            "kind": "share",
            "to_worker_id": "w-one",
            "person_id": "c",
            "note": "Secret note",
        },
    }
    share_route = route_of(shared)
    assert share_route is not None
    assert "Secret" not in str(share_route)
    assert route_of({**shared, "fields": {**shared["fields"], "kind": "handover"}}) is None
    assert route_of({**created, "entity": "contact_notes"}) is None


def _change(seq: int) -> dict[str, Any]:
    return {
        "change_id": f"dev:{seq}",
        "device_id": "dev",
        "seq": seq,
        "entity": "workers",
        "record_id": "r",
        "case_id": None,
        "base_change_id": None,
        "bases": [],
        "hlc": "000000000000001-000000",
        "author_id": "w",
        "fields": {},
        "recorded_at": "2026-11-20T10:00:00+00:00",
    }


def test_a_manifest_must_cover_its_range_and_a_part_must_be_what_it_lists() -> None:
    part = encode_part("dev", "0021", 1, 3, [_change(1), _change(3)])
    entry = PartEntry("p1", ("d-one",), ((1, 1), (3, 3)), 2, "00")
    assert [c["seq"] for c in decode_part(part, "dev", entry, 1, 3)] == [1, 3]
    with pytest.raises(BundleError, match="does not hold the changes"):
        decode_part(part, "dev", PartEntry("p1", (), ((1, 2),), 2, "00"), 1, 3)
    with pytest.raises(BundleError, match="another bundle"):
        decode_part(part, "dev", entry, 1, 4)
    missing = encode_manifest("dev", "0021", 1, 3, [entry], [])
    with pytest.raises(BundleError, match="exactly once"):
        manifest_of(missing)
    whole = encode_manifest(
        "dev", "0021", 1, 3, [entry, PartEntry("p2", (), ((2, 2),), 1, "00")], []
    )
    found = manifest_of(whole)
    assert found is not None
    assert [p.name for p in found.parts] == ["p1", "p2"]
    twice = encode_manifest(
        "dev", "0021", 1, 3, [entry, PartEntry("p2", (), ((1, 2),), 2, "00")], []
    )
    with pytest.raises(BundleError, match="exactly once"):
        manifest_of(twice)
    with pytest.raises(BundleError, match="cannot be read"):
        decode_manifest(b'{"format":"restart-desktop-bundle/3"}')
