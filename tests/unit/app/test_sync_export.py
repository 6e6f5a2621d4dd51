"""Publishing this device's changes to a real folder: encrypted, signed, incremental, never
twice after an interruption, and readable with the standard age tool."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text

from restart_desktop.app import sync, sync_publish
from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.merge import bases_of
from restart_desktop.store.models import Change
from restart_desktop.sync.bundle import decode_bundle
from restart_desktop.sync.envelope import DeviceKeys, open_sealed, verify
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.roster import Roster, sign_roster


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


def test_changes_are_published_once_encrypted_and_signed(
    enrolled: AppSession, target: FolderTarget
) -> None:
    supervisor = DeviceKeys.generate()
    keys = sync.device_keys(enrolled)
    assert sync.device_keys(enrolled) == keys  # made once, kept in the encrypted database
    cases = CaseService(enrolled)
    cases.create_case(CaseFields(given_name="Testy", family_name="Syncson"))

    (first,) = sync.export_changes(enrolled, target, [supervisor.age_recipient])
    assert sync.export_changes(enrolled, target, [supervisor.age_recipient]) == []
    cases.create_case(CaseFields(given_name="Testy", family_name="Laterson"))
    (second,) = sync.export_changes(enrolled, target, [supervisor.age_recipient])

    assert first.from_seq == 1 and second.from_seq == first.to_seq + 1
    folder = target.root / "devices" / enrolled.device_id
    assert sorted(p.name for p in folder.iterdir()) == [
        first.name, first.name.replace(".age", ".sig"),
        second.name, second.name.replace(".age", ".sig"),
    ]  # fmt: skip
    ciphertext, signature = target.read(second)
    assert b"Laterson" not in ciphertext
    verify(ciphertext, signature, keys.verify_key, enrolled.device_id, second.name)
    bundle = decode_bundle(open_sealed(ciphertext, supervisor))
    assert any(c["fields"].get("family_name") == "Laterson" for c in bundle.changes)


def test_an_interrupted_export_neither_duplicates_nor_skips(
    enrolled: AppSession, target: FolderTarget
) -> None:
    supervisor = DeviceKeys.generate()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Crashson"))
    (published,) = sync.export_changes(enrolled, target, [supervisor.age_recipient])
    # A sync killed while writing leaves only a temporary file: readers never see it.
    folder = target.root / "devices" / enrolled.device_id
    (folder / f".{published.name}.tmp").write_bytes(b"half a bundle")
    assert [p.name for p in target.published(enrolled.device_id)] == [published.name]
    assert sync.export_changes(enrolled, target, [supervisor.age_recipient]) == []
    # The bundle file lost (say, a cloud folder rolled back): the next export repeats it.
    (folder / published.name).unlink()
    (again,) = sync.export_changes(enrolled, target, [supervisor.age_recipient])
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
    (published,) = sync.export_changes(enrolled, target, [administrator.age_recipient])
    keyfile = tmp_path / "admin.key"
    keyfile.write_text(administrator.age_identity + "\n")
    keyfile.chmod(0o600)
    bundle_path = target.root / "devices" / enrolled.device_id / published.name
    result = subprocess.run(["age", "-d", "-i", str(keyfile), str(bundle_path)],
                            capture_output=True, check=True)  # fmt: skip
    assert decode_bundle(result.stdout).to_seq == published.to_seq


def test_a_change_published_is_the_change_held(enrolled: AppSession) -> None:
    """SQLite writes each published line (issue 24): it must say what the change held says,
    key for key, with keys sorted, the time as ISO UTC (no fraction when it is 0), ``bases``
    as a list, and a time stored some other way still published right."""
    cases = CaseService(enrolled)
    case = cases.create_case(CaseFields(given_name="Testy", family_name="Lineson")).case_id
    cases.update_case(case, CaseFields(given_name="Testy", family_name="Lineson-Ünïcode \"q\"\t"))
    with enrolled.db.write() as s:  # the first change at a whole second, stored otherwise
        first = s.scalars(select(Change).order_by(Change.seq).limit(1)).one()
        s.execute(text("UPDATE changes SET recorded_at = '2026-06-10T13:05:00' WHERE "
                       "change_id = :id"), {"id": first.change_id})  # fmt: skip
    with enrolled.db.read() as s:
        held = list(s.scalars(select(Change).where(Change.device_id == enrolled.device_id)
                              .order_by(Change.seq)))  # fmt: skip
        lines = sync_publish.lines_in(s, enrolled.device_id, 1, held[-1].seq)
    assert [line.seq for line in lines] == [change.seq for change in held]
    for change, line in zip(held, lines, strict=True):
        published = orjson.loads(line.text)
        assert list(published) == sorted(published)
        assert published == {
            "change_id": change.change_id, "device_id": change.device_id, "seq": change.seq,
            "entity": change.entity, "record_id": change.record_id, "case_id": change.case_id,
            "base_change_id": change.base_change_id,
            "bases": list(bases_of(change.bases, change.base_change_id)), "hlc": change.hlc,
            "author_id": change.author_id, "fields": change.fields,
            "recorded_at": change.recorded_at.isoformat(),
        }  # fmt: skip
        assert line.case_id == change.case_id
    assert orjson.loads(lines[0].text)["recorded_at"] == "2026-06-10T13:05:00+00:00"
