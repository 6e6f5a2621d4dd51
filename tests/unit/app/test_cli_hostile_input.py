"""The command line given what an adversary, a failing disk or a mistake leaves: a data folder
whose database is damaged or is a folder, output folders that cannot be made, CSV files that
are not what they claim. Each is a sentence and a non-zero exit, never a traceback, and
nothing half-written is left. In-process ``restart-desktop`` on real data folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from restart_desktop import cli
from restart_desktop.app.session import AppSession
from restart_desktop.paths import DataPaths
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor

PAGE = 4096  # SQLCipher's page size


@pytest.fixture
def folder(enrolled: AppSession, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    enrolled.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    return enrolled.paths


@pytest.fixture
def supervisor(enrolled: AppSession, monkeypatch: pytest.MonkeyPatch, qapp: object) -> DataPaths:
    """A supervisor's folder (the suite's QApplication first: the board pack draws a PDF)."""
    as_supervisor(enrolled)
    enrolled.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    return enrolled.paths


def _run(paths: DataPaths, *args: str) -> int | str | None:
    """The exit status, as the shell sees it (some refusals exit at once: SystemExit)."""
    try:
        return cli.main(["--data-dir", str(paths.root), *args])
    except SystemExit as exit_:
        return exit_.code


def test_doctor_names_a_damaged_page_instead_of_crashing(
    folder: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A page anywhere in the file damaged (a failing disk, a bad copy): the command meant
    to find damage says so, whichever page it is, and exits non-zero."""
    pristine = tmp_path / "pristine.db"
    shutil.copyfile(folder.database, pristine)
    pages = pristine.stat().st_size // PAGE
    for page in sorted({pages * eighth // 8 for eighth in range(1, 8)}):
        shutil.copyfile(pristine, folder.database)
        with folder.database.open("r+b") as file:
            file.seek(page * PAGE)
            file.write(bytes(b ^ 0xFF for b in file.read(PAGE)))
        capsys.readouterr()
        assert _run(folder, "doctor") == 1, f"page {page}"
        out = capsys.readouterr().out
        assert "PROBLEM" in out, f"page {page}"


def test_a_folder_in_place_of_the_database_is_said_in_words(
    folder: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """A restore or a sync client that left a folder named restart.db: SQLite cannot open it;
    that is said (and the folder left alone), never the driver's OperationalError."""
    folder.database.unlink()
    folder.database.mkdir()
    assert _run(folder, "retention") == 1
    assert "could not be read" in capsys.readouterr().err
    assert folder.database.is_dir()
    assert not any(folder.database.iterdir())


PERIOD = ("--from", "2026-01-01", "--to", "2026-03-31")


@pytest.mark.parametrize("command", ["report", "evaluation-extract"])
def test_an_output_folder_that_cannot_be_made_is_said_in_words(
    supervisor: DataPaths, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out under a file (a mistyped path, a drive letter that is a file): nothing is
    written and the folder is named, never mkdir's FileExistsError or NotADirectoryError."""
    a_file = tmp_path / "minutes.txt"
    a_file.write_text("kept")
    assert _run(supervisor, command, *PERIOD, "--out", str(a_file / "pack")) == 1
    err = capsys.readouterr().err
    assert str(a_file / "pack") in err or str(a_file) in err
    assert "written" in err
    assert a_file.read_text() == "kept"


def test_a_board_pack_that_fails_part_way_leaves_none_of_its_files(
    supervisor: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The PDF, written last, cannot be written (a folder holds its name): the CSV files
    written before it go too, so no half pack is taken to the board."""
    out = tmp_path / "pack"
    out.mkdir()
    (out / "board-pack-2026-01-01-to-2026-03-31.pdf").mkdir()
    assert _run(supervisor, "report", *PERIOD, "--out", str(out)) == 1
    assert "could not be written" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["board-pack-2026-01-01-to-2026-03-31.pdf"]


@pytest.mark.parametrize("command", [["demo", "--cases", "1"], ["init", "--name", "Testy"]])
def test_a_data_folder_that_is_a_file_is_said_in_words(
    tmp_path: Path,
    organisation_code: str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    a_file = tmp_path / "data"
    a_file.write_text("kept")
    if command[0] == "init":
        command = [*command, "--organisation", organisation_code]
    assert cli.main(["--data-dir", str(a_file / "inner"), *command]) == 1
    assert "cannot be made" in capsys.readouterr().err
    assert a_file.read_text() == "kept"


def test_a_sync_with_no_team_exits_non_zero(
    folder: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing was exchanged and the worker has something to do first: a script (a scheduled
    sync) must not read it as synced."""
    empty = tmp_path / "export"
    empty.mkdir()
    assert _run(folder, "sync", "--target", str(empty)) == 1
    assert "Join or create the team first" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["report", "evaluation-extract"])
@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "2026-03-31"), ("2026-01-01", "9999-12-31")]
)
def test_a_period_beyond_any_record_is_refused_in_words(
    supervisor: DataPaths,
    tmp_path: Path,
    command: str,
    start: str,
    end: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Year 1 or 9999 (a typo, a spreadsheet's empty date): said, never an OverflowError
    from turning the period into times."""
    out = tmp_path / "out"
    assert _run(supervisor, command, "--from", start, "--to", end, "--out", str(out)) == 2
    assert "between" in capsys.readouterr().err
    assert not out.exists()


def test_an_empty_database_file_is_never_made_a_new_database(
    folder: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """restart.db cut to nothing (a copy that failed, a full disk, a cloud placeholder):
    said, and left as it is for whoever recovers the folder, never silently made a new, empty
    database whose only advice ("set it up again") the set-up then refuses."""
    folder.database.write_bytes(b"")
    assert _run(folder, "retention") == 1
    assert "is empty" in capsys.readouterr().err
    assert _run(folder, "doctor") == 1
    assert "is empty" in capsys.readouterr().out
    assert folder.database.stat().st_size == 0


@pytest.mark.parametrize("missing", ["key.json", "restart.db"])
def test_a_half_present_data_folder_is_never_set_up_over(
    folder: DataPaths,
    tmp_path: Path,
    organisation_code: str,
    missing: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The key file or the database gone missing (a sync client, a copy of one file, a
    restore half done): the unlock says which, and a set-up refuses, so that it neither
    replaces the key the database (and its backups) need nor deletes the database when the
    new key does not open it."""
    (folder.root / missing).rename(tmp_path / missing)
    kept = next(p for p in (folder.keyfile, folder.database) if p.exists())
    before = kept.read_bytes()
    assert _run(folder, "retention") == 1
    assert "but not its" in capsys.readouterr().err
    assert _run(folder, "init", "--name", "Testy", "--organisation", organisation_code) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert "Traceback" not in err
    assert kept.read_bytes() == before
    assert not (folder.root / missing).exists()


def test_a_damaged_database_is_said_without_sqlciphers_log(
    folder: DataPaths, capfd: pytest.CaptureFixture[str]
) -> None:
    """SQLCipher's own log ("ERROR CORE sqlcipher_page_cipher: hmac check failed for pgno=9")
    is not for the person at the keyboard: only doctor's lines reach the terminal."""
    page = folder.database.stat().st_size // PAGE // 2
    with folder.database.open("r+b") as file:
        file.seek(page * PAGE)
        file.write(bytes(b ^ 0xFF for b in file.read(PAGE)))
    assert _run(folder, "doctor") == 1
    captured = capfd.readouterr()
    assert "damaged page" in captured.out
    assert "ERROR CORE" not in captured.err
