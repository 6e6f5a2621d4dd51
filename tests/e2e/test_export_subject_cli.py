"""``restart-desktop export-subject`` in subprocesses, as an administrator answers a subject
access request: found by prison number, both files written into the folder named, names of
other people withheld, and a clear refusal (non-zero) for someone not held."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import unlock
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import DataPaths
from tests.support.cli import cli_env, run_cli
from tests.support.constants import PASSPHRASE
from tests.support.memory_keyring import KEYRING_FILE_ENV, MemoryKeyring

pytestmark = pytest.mark.e2e

NOTE = "Fixture visit on the wing. His cousin Orla Brackenfeld will meet him at the gate."


@pytest.fixture
def env(tmp_path: Path, memory_keyring: MemoryKeyring) -> dict[str, str]:
    """A folder set up with ``init``, holding one fictional person with a note."""
    env = {**cli_env(tmp_path), "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE}
    organisation = load_reference_data().organisations[0].code
    init = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", organisation], env, cwd=tmp_path
    )
    assert init.returncode == 0, init.stderr
    # The commands' keyring secret, for this process to open the folder too.
    shared = json.loads(Path(env[KEYRING_FILE_ENV]).read_text("utf-8"))
    for key, secret in shared.items():
        service, _, user = key.partition("\x1f")
        memory_keyring.set_password(service, user, secret)
    session = unlock(DataPaths(Path(env["RESTART_DESKTOP_DATA_DIR"])), PASSPHRASE)
    try:
        person = (
            CaseService(session)
            .create_case(
                CaseFields(given_name="Perpetua", family_name="Exportley", nomis_number="Z4321QR")
            )
            .case_id
        )
        yesterday = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)
        NoteService(session).finalise(DraftFields(person, yesterday, text=NOTE), confirmed=True)
    finally:
        session.close()
    return env


def test_export_subject_by_prison_number_writes_both_files(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "request"
    out.mkdir()
    listed = run_cli(["export-subject", "z4321 qr", "--out", str(out), "--list-names"], env)
    assert listed.returncode == 0, listed.stderr
    assert "Orla Brackenfeld" in listed.stdout
    assert list(out.iterdir()) == []

    result = run_cli(["export-subject", "Z4321QR", "--out", str(out)], env)

    assert result.returncode == 0, result.stderr
    assert "written to" in result.stdout
    assert "1 name of other people withheld" in result.stdout
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".json", ".pdf"]
    assert all("Exportley" not in f.name and "Z4321QR" not in f.name for f in files)
    document = json.loads(files[0].read_text("utf-8"))
    (note,) = document["records"]["contact_notes"]
    assert note["text"] == NOTE.replace("Orla Brackenfeld", "[name withheld]")
    assert document["records"]["people"][0]["nomis_number"] == "Z4321QR"
    assert files[1].read_bytes().startswith(b"%PDF")

    again = run_cli(["export-subject", "Z4321QR", "--out", str(out)], env)
    assert again.returncode == 1
    assert "already in" in again.stderr
    assert "Traceback" not in again.stderr


def test_export_subject_refuses_someone_not_held_and_a_missing_folder(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "request"
    out.mkdir()
    unknown = run_cli(["export-subject", "Z9999ZZ", "--out", str(out)], env)
    assert unknown.returncode == 1
    assert "No one with the case id or prison number 'Z9999ZZ'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    missing = run_cli(["export-subject", "Z4321QR", "--out", str(tmp_path / "nowhere")], env)
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert list(out.iterdir()) == []
