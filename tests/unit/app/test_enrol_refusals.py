"""A real set-up refused in words, leaving nothing behind (no key file, no database, no secret
in the keyring): in a folder marked for demo data, and with a name holding control
characters or bytes that are not text (as the command line passes them)."""

from __future__ import annotations

import os

import pytest

from restart_desktop import cli
from restart_desktop.paths import DataPaths
from tests.support.constants import PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring


def _init(paths: DataPaths, name: str) -> int:
    return cli.main(
        ["--data-dir", str(paths.root), "init", "--name", name, "--organisation", "aspire_oxford"]
    )


@pytest.mark.parametrize("planted", ["DEMO-DATA-ONLY", "demo-keyring-secret"])
def test_a_real_init_in_a_demo_folder_is_refused(
    data_paths: DataPaths,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    planted: str,
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    data_paths.root.mkdir(parents=True)
    (data_paths.root / planted).write_text("")  # even empty
    assert _init(data_paths, "Testy Worker (fictional)") == 1
    err = capsys.readouterr().err
    assert "marked for fictional demo data" in err
    assert "Traceback" not in err
    assert not data_paths.keyfile.exists()
    assert not data_paths.database.exists()
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize(
    "name",
    [
        os.fsdecode(b"Testy \xff\xfe Worker"),  # bytes that are not UTF-8, as argv carries them
        "Testy \x1b]0;owned\x07Worker",
        "Testy\x1b[2J Worker",
    ],
)
def test_a_name_that_is_not_plain_text_is_refused_and_leaves_nothing(
    data_paths: DataPaths,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    assert _init(data_paths, name) == 1
    err = capsys.readouterr().err
    assert "not letters" in err
    assert "\x1b" not in err
    assert "Traceback" not in err
    assert not data_paths.keyfile.exists()
    assert memory_keyring.secrets == {}
