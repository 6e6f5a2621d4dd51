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
from restart_desktop.store.models import Change
from restart_desktop.sync.envelope import DeviceKeys, verify
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.parts import decode_part, manifest_of
from restart_desktop.sync.publish import lines_in
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
