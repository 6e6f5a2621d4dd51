"""Publishing this device's changes to a real folder: encrypted, signed, incremental, never
twice after an interruption, and readable with the standard age tool."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import laptop_of
from restart_desktop.domain.merge import bases_of
from restart_desktop.store.erasure import ERASED_ENTITY
from restart_desktop.store.models import Change, SyncErasedSeq
from restart_desktop.sync import publish
from restart_desktop.sync.envelope import DeviceKeys, verify
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.parts import decode_part, manifest_of
from restart_desktop.sync.publish import line_runs, lines_in
from restart_desktop.sync.receive import Cancelled
from restart_desktop.sync.roster import Roster, sign_roster
from tests.support.bundles import age_opens, keyfile_of, manifest, readable_changes


@pytest.fixture
def target(tmp_path: Path) -> FolderTarget:
    """A team's central export: a folder with its roster (nothing is written anywhere else)."""
    folder = tmp_path / "central-export"
    folder.mkdir()
    supervisor = DeviceKeys.generate()
    roster = Roster("team-test", 1, supervisor.verify_key, supervisor.age_recipient)
    export = FolderTarget(folder)
    export.publish_roster(roster.to_json(), sign_roster(roster, supervisor))
    return export


def _team(recovery: DeviceKeys) -> Roster:
    """A team whose only reader is the recovery identity ``recovery``."""
    return Roster("team-test", 1, recovery.verify_key, recovery.age_recipient)


def test_changes_are_published_once_encrypted_and_signed(
    enrolled: AppSession, target: FolderTarget
) -> None:
    supervisor = DeviceKeys.generate()
    keys = device_keys(enrolled.db)
    assert device_keys(enrolled.db) == keys  # made once, kept in the encrypted database
    cases = CaseService(enrolled)
    cases.create_case(CaseFields(given_name="Testy", family_name="Syncson"))

    (first,) = export_changes(laptop_of(enrolled), target, _team(supervisor))
    assert export_changes(laptop_of(enrolled), target, _team(supervisor)) == []
    cases.create_case(CaseFields(given_name="Testy", family_name="Laterson"))
    (second,) = export_changes(laptop_of(enrolled), target, _team(supervisor))

    assert first.from_seq == 1
    assert second.from_seq == first.to_seq + 1
    folder = target.root / "devices" / enrolled.device_id
    assert sorted(p.name for p in folder.iterdir()) == [
        first.name,
        first.name.replace(".age", ".sig"),
        second.name,
        second.name.replace(".age", ".sig"),
        "parts",
    ]
    ciphertext, signature = target.read(second)
    assert b"Laterson" not in ciphertext
    verify(ciphertext, signature, keys.verify_key, enrolled.device_id, second.name)
    found = manifest(folder / second.name, supervisor)
    for part in found.parts:  # each part signed, listed with its readers
        data, part_signature = target.read_part(enrolled.device_id, part.name)
        assert b"Laterson" not in data
        assert part.recipients == ()
        verify(data, part_signature, keys.verify_key, enrolled.device_id, part.name)
    changes = readable_changes(folder / second.name, supervisor)
    assert any(c["fields"].get("family_name") == "Laterson" for c in changes)


def test_an_interrupted_export_neither_duplicates_nor_skips(
    enrolled: AppSession, target: FolderTarget
) -> None:
    supervisor = DeviceKeys.generate()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Crashson"))
    (published,) = export_changes(laptop_of(enrolled), target, _team(supervisor))
    # A sync killed while writing leaves only a temporary file: readers never see it.
    folder = target.root / "devices" / enrolled.device_id
    (folder / f".{published.name}.tmp").write_bytes(b"half a bundle")
    assert [p.name for p in target.published(enrolled.device_id)] == [published.name]
    assert export_changes(laptop_of(enrolled), target, _team(supervisor)) == []
    # The bundle file lost (say, a cloud folder rolled back): the next export repeats it.
    (folder / published.name).unlink()
    (again,) = export_changes(laptop_of(enrolled), target, _team(supervisor))
    assert (again.from_seq, again.to_seq) == (published.from_seq, published.to_seq)


def _as_compared(text: bytes) -> dict[str, object]:
    change: dict[str, object] = orjson.loads(text)
    if change["entity"] == ERASED_ENTITY:
        del change["recorded_at"]  # a stub's time is when it is published
    return change


def _lines_one_range_at_a_time(
    session: AppSession, first: int, size: int
) -> list[list[dict[str, object]]]:
    runs = []
    with session.db.read() as s:
        while lines := lines_in(s, session.device_id, first, first + size - 1):
            runs.append([_as_compared(line.text) for line in lines])
            first = lines[-1].seq + 1
    return runs


@pytest.mark.parametrize("read_range", [3, 5, 500])
def test_the_export_reads_the_lines_each_bundles_range_holds(
    enrolled: AppSession, monkeypatch: pytest.MonkeyPatch, read_range: int
) -> None:
    """A large export reads its changes a range of sequences a statement, each range's lines
    joined by SQLite (issue 24): the same lines, in the same bundles, as reading each
    bundle's range in turn: a stub for each change erased since it was published (at a
    range's end or across a whole range too), and nothing from the first change not held on."""
    monkeypatch.setattr(publish, "_READ_RANGE", read_range)
    cases = CaseService(enrolled)
    for number in range(12):
        cases.create_case(CaseFields(given_name="Testy", family_name=f"Case{number}"))
    with enrolled.db.write() as s:
        seqs = sorted(s.scalars(select(Change.seq)))
        assert len(seqs) > 20
        erased, lost = seqs[5:8] + seqs[-2:], seqs[14]
        for seq in [*erased, lost]:
            s.execute(text("DELETE FROM changes WHERE seq = :seq"), {"seq": seq})
        for seq in erased:
            s.add(SyncErasedSeq(seq=seq, hlc=f"{seq:015d}-000000"))

    def runs_from(first: int, size: int) -> list[list[dict[str, object]]]:
        with enrolled.db.read() as s:
            return [
                [_as_compared(line.text) for line in run]
                for run in line_runs(s, enrolled.device_id, first, size)
            ]

    for first, size in ((1, 4), (1, 500), (3, 2), (16, 3), (seqs[-3], 4)):
        runs = runs_from(first, size)
        assert runs == _lines_one_range_at_a_time(enrolled, first, size), (first, size)
    assert sum(map(len, runs_from(1, 4))) == 14  # up to the change lost, stubs included
    assert [change["seq"] for change in runs_from(seqs[-3], 4)[0]] == seqs[-3:]
    assert [change["entity"] for change in runs_from(seqs[-3], 4)[0]][1:] == [ERASED_ENTITY] * 2
    _assert_each_line_is_its_stored_change(enrolled)


def _assert_each_line_is_its_stored_change(session: AppSession) -> None:
    """Each line read a range at a time says what its stored change says, read here a row
    at a time in plain SQL: the lines of a range are not shifted against their sequences,
    cases or kinds (the comparison above reads both ways through the same ranges)."""
    query = text(
        "SELECT seq, entity, case_id, record_id, hlc, fields FROM changes WHERE device_id = :d"
    )
    with session.db.read() as s:
        stored = {row[0]: row for row in s.execute(query, {"d": session.device_id})}
        lines = [line for run in line_runs(s, session.device_id, 1, 500) for line in run]
    held = [line for line in lines if line.entity != ERASED_ENTITY]
    assert len(held) >= 5
    for line in held:
        change = orjson.loads(line.text)
        seq, entity, case_id, record_id, hlc, fields = stored[line.seq]
        assert (line.seq, line.entity, line.case_id) == (seq, entity, case_id)
        assert (change["seq"], change["entity"], change["case_id"]) == (seq, entity, case_id)
        assert (change["record_id"], change["hlc"]) == (record_id, hlc)
        assert change["fields"] == orjson.loads(fields)


def test_an_export_of_many_bundles_lands_them_in_order(
    enrolled: AppSession, target: FolderTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many bundles are sealed and written side by side (issue 24): each lands whole and
    after the ones before it; one stopped midway (cancelled) leaves the export without a
    gap, and the next export carries on from there, nothing twice."""
    monkeypatch.setattr(publish, "MAX_CHANGES_PER_BUNDLE", 2)
    cases = CaseService(enrolled)
    for name in ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight"):
        cases.create_case(CaseFields(given_name="Testy", family_name=name))
    with enrolled.db.read() as s:
        last = max(s.scalars(select(Change.seq)))
    supervisor = DeviceKeys.generate()

    def stop_after_three(count: int) -> None:
        if count == 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        export_changes(laptop_of(enrolled), target, _team(supervisor), stop_after_three)
    there = target.published(enrolled.device_id)
    assert len(there) >= 3
    assert [(p.from_seq, p.to_seq) for p in there] == [
        (seq, seq + 1) for seq in range(1, 2 * len(there), 2)
    ]
    rest = export_changes(laptop_of(enrolled), target, _team(supervisor))
    assert [(p.from_seq, p.to_seq) for p in target.published(enrolled.device_id)] == [
        (seq, min(seq + 1, last)) for seq in range(1, last + 1, 2)
    ]
    assert rest[0].from_seq == there[-1].to_seq + 1
    folder = target.root / "devices" / enrolled.device_id
    for item in target.published(enrolled.device_id):  # each whole: manifest and parts
        ciphertext, signature = target.read(item)
        verify(
            ciphertext, signature, device_keys(enrolled.db).verify_key, item.device_id, item.name
        )
        changes = readable_changes(folder / item.name, supervisor)  # the recovery reads all
        assert [c["seq"] for c in changes] == list(range(item.from_seq, item.to_seq + 1))


def test_the_standard_age_tool_decrypts_a_bundle(
    enrolled: AppSession, target: FolderTarget, tmp_path: Path
) -> None:
    if shutil.which("age") is None:
        if os.environ.get("CI"):
            pytest.fail("the age command is missing: .ci/run installs it (Debian package age)")
        pytest.skip("the age command is not installed here")
    administrator = DeviceKeys.generate()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Ageson"))
    (published,) = export_changes(laptop_of(enrolled), target, _team(administrator))
    keyfile = keyfile_of(administrator, tmp_path / "admin.key")
    bundle_path = target.root / "devices" / enrolled.device_id / published.name
    found = manifest_of(age_opens(bundle_path, keyfile) or b"")
    assert found is not None
    assert found.to_seq == published.to_seq
    seqs = []
    for part in found.parts:
        plain = age_opens(bundle_path.parent / "parts" / part.name, keyfile)
        assert plain is not None
        seqs += [
            c["seq"]
            for c in decode_part(plain, enrolled.device_id, part, found.from_seq, found.to_seq)
        ]
    assert sorted(seqs) == list(range(published.from_seq, published.to_seq + 1))


def test_a_change_published_is_the_change_held(enrolled: AppSession) -> None:
    """SQLite writes each published line (issue 24): it must say what the change held says,
    key for key, with keys sorted, the time as ISO UTC (no fraction when it is 0), ``bases``
    as a list, and a time stored some other way still published right."""
    cases = CaseService(enrolled)
    case = cases.create_case(CaseFields(given_name="Testy", family_name="Lineson")).case_id
    cases.update_case(case, CaseFields(given_name="Testy", family_name='Lineson-Ünïcode "q"\t'))
    with enrolled.db.write() as s:  # the first change at a whole second, stored otherwise
        first = s.scalars(select(Change).order_by(Change.seq).limit(1)).one()
        s.execute(
            text("UPDATE changes SET recorded_at = '2026-06-10T13:05:00' WHERE change_id = :id"),
            {"id": first.change_id},
        )
    with enrolled.db.read() as s:
        held = list(
            s.scalars(
                select(Change).where(Change.device_id == enrolled.device_id).order_by(Change.seq)
            )
        )
        lines = lines_in(s, enrolled.device_id, 1, held[-1].seq)
    assert [line.seq for line in lines] == [change.seq for change in held]
    for change, line in zip(held, lines, strict=True):
        published = orjson.loads(line.text)
        assert list(published) == sorted(published)
        assert published == {
            "change_id": change.change_id,
            "device_id": change.device_id,
            "seq": change.seq,
            "entity": change.entity,
            "record_id": change.record_id,
            "case_id": change.case_id,
            "base_change_id": change.base_change_id,
            "bases": list(bases_of(change.bases, change.base_change_id)),
            "hlc": change.hlc,
            "author_id": change.author_id,
            "fields": change.fields,
            "recorded_at": change.recorded_at.isoformat(),
        }
        assert line.case_id == change.case_id
    assert orjson.loads(lines[0].text)["recorded_at"] == "2026-06-10T13:05:00+00:00"
