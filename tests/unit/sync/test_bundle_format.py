"""Bundle format 2 (zstd inside age) with the standard tools, format 1 bundles written by the
earlier version still read, and a format document that lists every kind of record."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.sync import SyncService, laptop_of
from restart_desktop.store.erasure import ERASED_ENTITY
from restart_desktop.store.models import Person
from restart_desktop.sync import bundle as bundle_module
from restart_desktop.sync.apply import MODELS
from restart_desktop.sync.bundle import FORMAT, FORMAT_1, decode_bundle
from restart_desktop.sync.envelope import DeviceKeys, seal
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import FolderTarget, bundle_name
from restart_desktop.sync.parts import FORMAT_3, PART_FORMAT
from restart_desktop.sync.roster import Member, Roster
from tests.support.team import make_team

FORMAT_1_FILES = Path(__file__).resolve().parents[2] / "support" / "format1"
FORMAT_DOCUMENT = Path(bundle_module.__file__).with_name("BUNDLE_FORMAT.md")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"the {name} command is missing: .ci/run installs it (Debian {name})")
        pytest.skip(f"the {name} command is not installed here")
    return found


def test_a_format_1_bundle_of_the_earlier_version_is_still_imported(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=0)
    device = json.loads((FORMAT_1_FILES / "format1-device.json").read_text())
    keys = DeviceKeys(device["age_identity"], base64.b64decode(device["signing_key"]))
    plaintext = (FORMAT_1_FILES / "format1-bundle.jsonl").read_bytes()
    old = decode_bundle(plaintext)
    assert plaintext.startswith(b'{"count":')
    assert FORMAT_1.encode() in plaintext.split(b"\n")[0]
    request = Member(
        device["device_id"],
        device["worker_id"],
        "Worker Formatone (fictional)",
        "worker",
        keys.age_recipient,
        keys.verify_key,
    )
    (team.export / "requests").mkdir(exist_ok=True)
    (team.export / "requests" / f"{request.device_id}.json").write_text(json.dumps(vars(request)))
    supervisor = team.laptops[0].open()
    try:
        roster = SyncService(supervisor).approve(request.device_id)
        name = bundle_name(old.from_seq, old.to_seq)
        ciphertext, signature = seal(plaintext, roster.recipients, keys, request.device_id, name)
        FolderTarget(team.export).publish(
            request.device_id, old.from_seq, old.to_seq, ciphertext, signature
        )
        result = SyncService(supervisor).sync_now()
        assert result.report.problems == {}
        assert result.report.bundles == 1
        with supervisor.db.read() as s:
            assert s.scalars(select(Person.family_name)).all() == ["Formatone"]
    finally:
        supervisor.close()


def test_age_and_zstd_on_the_command_line_read_a_bundle(tmp_path: Path) -> None:
    """With the recovery identity, `age` and `zstd` read a format 3 bundle's manifest, and
    every part it lists, as the format document shows."""
    age, zstd = _tool("age"), _tool("zstd")
    team = make_team(tmp_path / "team", workers=0)
    administrator = DeviceKeys.generate()
    keyfile = tmp_path / "administrator.key"
    keyfile.write_text(administrator.age_identity + "\n")
    keyfile.chmod(0o600)
    target = FolderTarget(team.export)
    roster = replace(
        Roster.from_json((target.read_roster() or (b"", b""))[0]),
        recovery_recipient=administrator.age_recipient,
    )
    session = team.laptops[0].open()
    try:
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Toolson"))
        (published,) = export_changes(laptop_of(session), target, roster)
    finally:
        session.close()

    def read(path: Path) -> tuple[bytes, str]:
        decrypted = subprocess.run(
            [age, "-d", "-i", str(keyfile), str(path)], capture_output=True, check=True
        ).stdout
        return decrypted, subprocess.run(
            [zstd, "-d", "-c"], input=decrypted, capture_output=True, check=True
        ).stdout.decode()

    folder = team.export / "devices" / published.device_id
    _, manifest_text = read(folder / published.name)
    manifest = json.loads(manifest_text)
    assert manifest["format"] == FORMAT_3 == "restart-desktop-bundle/3"
    changes: list[str] = []
    for part in manifest["parts"]:
        decrypted, lines = read(folder / "parts" / part["name"])
        header, *rows = lines.rstrip("\n").split("\n")
        assert json.loads(header)["format"] == PART_FORMAT
        assert len(rows) == part["count"]
        assert len(decrypted) < len(lines.encode())
        changes += rows
    assert len(changes) == manifest["count"] == published.to_seq
    assert any(json.loads(c)["fields"].get("family_name") == "Toolson" for c in changes)
    assert FORMAT == "restart-desktop-bundle/2"  # format 2 bundles are read still


def test_the_format_document_lists_every_kind_of_record() -> None:
    text = FORMAT_DOCUMENT.read_text()
    for entity in (*MODELS, ERASED_ENTITY):
        assert f"`{entity}`" in text, entity
    assert "age -d -i recovery.key" in text
    assert "| zstd -d" in text
