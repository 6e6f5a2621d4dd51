"""A device far behind has several bundles applied in one transaction (issue 24): fewer
commits than bundles, progress still bundle by bundle; a bundle refused on reading, or one
holding records of a kind this version does not know, leaves the bundles before it applied
and the device's position after the last of them, never beyond."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import laptop_of
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import Person, SyncPeer
from restart_desktop.sync import publish, receive
from restart_desktop.sync.bundle import encode_bundle
from restart_desktop.sync.envelope import seal
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import Published, bundle_name
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.receive import import_changes
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target
from tests.support.export_surgery import put


def _three_bundles(enrolled: AppSession, target: Target, roster: Roster) -> list[Published]:
    published = []
    for name in ("First", "Second", "Third"):
        CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name=name))
        published += export_changes(laptop_of(enrolled), target, roster)
    assert len(published) == 3
    return published


def _state(supervisor: AppSession, device_id: str) -> tuple[list[str], int]:
    with supervisor.db.read() as s:
        names = sorted(s.scalars(select(Person.family_name)))
        peer = s.get(SyncPeer, device_id)
        return names, peer.high_water if peer else 0


def _commits(session: AppSession) -> list[int]:
    counted = [0]
    event.listen(session.db.engine, "commit", lambda _conn: counted.__setitem__(0, counted[0] + 1))
    return counted


def test_bundles_far_behind_share_a_transaction_and_report_progress_one_by_one(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    bundles = _three_bundles(enrolled, target, roster)
    steps: list[tuple[int, int]] = []
    commits = _commits(supervisor)

    report = import_changes(laptop_of(supervisor), target, roster, lambda *s: steps.append(s))

    assert report.bundles == 3
    assert report.problems == {}
    assert _state(supervisor, enrolled.device_id) == (
        ["First", "Second", "Third"],
        bundles[-1].to_seq,
    )
    assert steps[:4] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert commits[0] < 3  # the three bundles in one import transaction (and a read of peers)


def test_a_small_batch_gives_each_bundle_its_own_transaction(
    enrolled: AppSession,
    supervisor: AppSession,
    target: Target,
    roster: Roster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundles = _three_bundles(enrolled, target, roster)
    monkeypatch.setattr(receive, "BATCH_CHANGES", 1)
    commits = _commits(supervisor)

    assert import_changes(laptop_of(supervisor), target, roster).bundles == 3

    assert _state(supervisor, enrolled.device_id)[1] == bundles[-1].to_seq
    assert commits[0] >= 3


def test_a_damaged_bundle_in_a_batch_leaves_those_before_it_applied(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    first, second, third = _three_bundles(enrolled, target, roster)
    original, signature = target.read(third)
    put(target, third, original[:-1] + bytes([original[-1] ^ 1]), signature)

    report = import_changes(laptop_of(supervisor), target, roster)

    assert report.bundles == 2
    assert "was refused" in report.problems[enrolled.device_id]
    assert _state(supervisor, enrolled.device_id) == (["First", "Second"], second.to_seq)


def _unknown_kind_bundle(enrolled: AppSession, target: Target, roster: Roster, seq: int) -> None:
    """A bundle (after ``seq``) holding a record of a kind no version of ours knows."""
    change: dict[str, Any] = {
        "change_id": f"{enrolled.device_id}:{seq}",
        "device_id": enrolled.device_id,
        "seq": seq,
        "entity": "starships",
        "record_id": "x",
        "case_id": None,
        "base_change_id": None,
        "bases": [],
        "hlc": "001796478656538-000000",
        "author_id": "w",
        "fields": {"name": "Testy"},
        "recorded_at": "2026-11-23T10:00:00.000000+00:00",
    }
    plaintext = encode_bundle(enrolled.device_id, HEAD_REVISION, [change])
    ciphertext, signature = seal(
        plaintext,
        roster.recipients,
        device_keys(enrolled.db),
        enrolled.device_id,
        bundle_name(seq, seq),
    )
    target.publish(enrolled.device_id, seq, seq, ciphertext, signature)


def test_a_bundle_of_an_unknown_kind_in_a_batch_leaves_those_before_it_applied(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    *_, third = _three_bundles(enrolled, target, roster)
    _unknown_kind_bundle(enrolled, target, roster, third.to_seq + 1)

    report = import_changes(laptop_of(supervisor), target, roster)

    assert report.bundles == 3
    assert "a kind this version does not know (starships)" in (report.problems[enrolled.device_id])
    assert report.quarantined == 1
    assert _state(supervisor, enrolled.device_id) == (
        ["First", "Second", "Third"],
        third.to_seq,
    )


def test_a_new_devices_first_bundles_share_a_transaction(
    enrolled: AppSession,
    supervisor: AppSession,
    target: Target,
    roster: Roster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its position is made by the first bundle and moved by the next ones in the same
    transaction (bundles of one change each: its own records before any case)."""
    monkeypatch.setattr(publish, "MAX_CHANGES_PER_BUNDLE", 1)
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Single"))
    published = export_changes(laptop_of(enrolled), target, roster)
    assert len(published) > 2

    report = import_changes(laptop_of(supervisor), target, roster)

    assert report.problems == {}
    assert report.bundles == len(published)
    assert _state(supervisor, enrolled.device_id) == (["Single"], published[-1].to_seq)
