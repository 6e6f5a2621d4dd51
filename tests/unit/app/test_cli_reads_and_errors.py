"""Reads that reach the audit trail (gathering a whole record, listing the names found for a
subject access request) and command-line errors that are sentences with a non-zero exit,
never a traceback; personal files written readable by their owner only, whatever the umask.
In-process ``restart-desktop`` on a real data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from restart_desktop import cli, cli_documents
from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import AppSession, unlock
from restart_desktop.domain.audit import AuditAction
from restart_desktop.paths import DataPaths
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor


@pytest.fixture
def folder(
    enrolled: AppSession, data_paths: DataPaths, monkeypatch: pytest.MonkeyPatch, qapp: object
) -> str:
    """An enrolled supervisor's folder with one fictional person; returns the case id. (The
    suite's QApplication first: the commands drawing PDFs then use it.)"""
    as_supervisor(enrolled)
    case = (
        CaseService(enrolled)
        .create_case(
            CaseFields(given_name="Perpetua", family_name="Exportley", nomis_number="Z4321QR")
        )
        .case_id
    )
    enrolled.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    return case


def _run(paths: DataPaths, *args: str) -> int:
    return cli.main(["--data-dir", str(paths.root), *args])


def _trail(paths: DataPaths, action: AuditAction) -> list[str]:
    session = unlock(paths, PASSPHRASE)
    try:
        return [e.detail for e in AuditService(session).entries(AuditFilter(action=action))]
    finally:
        session.close()


def test_listing_the_names_found_is_audited_without_them(
    folder: str, data_paths: DataPaths, tmp_path: Path
) -> None:
    assert (
        _run(data_paths, "export-subject", "Z4321QR", "--out", str(tmp_path), "--list-names") == 0
    )
    assert _trail(data_paths, AuditAction.LISTED_NAMES) == [
        "0 possible names of other people listed"
    ]
    gathered = _trail(data_paths, AuditAction.GATHERED)
    assert len(gathered) == 1
    assert "records gathered" in gathered[0]


def test_subject_access_files_are_private_whatever_the_umask(
    folder: str, data_paths: DataPaths, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    previous = os.umask(0o022)
    try:
        assert _run(data_paths, "export-subject", "Z4321QR", "--out", str(out)) == 0
    finally:
        os.umask(previous)
    modes = {p.suffix: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == {".pdf": 0o600, ".json": 0o600}


def test_a_prison_number_that_is_not_text_is_refused_in_words(
    folder: str, data_paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = os.fsdecode(b"Z4321\xffQR")
    assert _run(data_paths, "export-subject", bad, "--out", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "not text" in err
    assert "Traceback" not in err


def test_report_out_naming_a_file_is_refused_in_words(
    folder: str, data_paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "figures.pdf"
    existing.write_bytes(b"kept")
    assert (
        _run(
            data_paths,
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--out",
            str(existing),
        )
        == 2
    )
    assert "is a file, not a folder" in capsys.readouterr().err
    assert existing.read_bytes() == b"kept"


def test_names_found_are_never_printed_raw(capsys: pytest.CaptureFixture[str]) -> None:
    printed = cli_documents.printable("Orla \x1b]0;owned\x07Brackenfeld")
    assert printed == "Orla ?]0;owned?Brackenfeld"
