"""`restart-desktop intake import` reads a partner's spreadsheet as they write it: the prison
and the kind of recommender by their names ("HMP Bullingdon", "Probation") as well as their
codes, and what it cannot read is said in the file's terms (the column and the value), not
in the window's ("Choose the prison from the list.")."""

from __future__ import annotations

from pathlib import Path

import pytest

from restart_desktop import cli
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.session import AppSession, unlock
from restart_desktop.paths import DataPaths
from tests.support.constants import PASSPHRASE

HEADER = (
    "given_name,family_name,date_of_birth,nomis_number,prison,release_date,recommended_on,source"
)


def _import(
    data_paths: DataPaths, path: Path, rows: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + rows).encode())  # as a spreadsheet saves it
    code = cli.main(["--data-dir", str(data_paths.root), "intake", "import", str(path)])
    return code, capsys.readouterr().err


def test_names_as_partners_write_them_are_read_and_mistakes_said_in_the_files_terms(
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrolled.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "batch.csv"
    code, said = _import(
        data_paths,
        path,
        "Albert,Fictionson,02/03/1990,Z8181AB,HMP Bullingdon,15/01/2027,01/11/2026,Probation\r\n"
        "Beryl,Fictionson,,,hmp  bullingdon,,02/11/2026,Self-recommendation\r\n",
        capsys,
    )
    assert code == 1
    assert "Choose" not in said  # the window's words
    assert "line 3: source: 'Self-recommendation' is not a kind of recommender" in said
    assert "self_recommendation" in said
    assert "line 2" not in said

    code, said = _import(
        data_paths,
        path,
        "Albert,Fictionson,02/03/1990,Z8181AB,HMP Bullingdon,15/01/2027,01/11/2026,Probation\r\n"
        "Beryl,Fictionson,,,Bulingdon,,02/11/2026,self_recommendation\r\n"
        "Cyril,Fictionson,,,,,02/11/2026,\r\n",
        capsys,
    )
    assert code == 1
    assert "line 3: prison: 'Bulingdon' is not a prison on the list" in said
    assert "line 4: source: empty: write one of" in said

    code, said = _import(
        data_paths,
        path,
        "Albert,Fictionson,02/03/1990,Z8181AB,HMP Bullingdon,15/01/2027,01/11/2026,Probation\r\n"
        "Beryl,Fictionson,,,hmp  bullingdon,,02/11/2026,self_recommendation\r\n",
        capsys,
    )
    assert code == 0, said
    session = unlock(data_paths, PASSPHRASE)
    try:
        queue = IntakeService(session).queue()
        assert [(r.name, r.prison, r.source) for r in queue] == [
            ("FICTIONSON, Albert", "HMP Bullingdon", "Probation"),
            ("FICTIONSON, Beryl", "HMP Bullingdon", queue[1].source),
        ]
        assert queue[1].is_self
    finally:
        session.close()
