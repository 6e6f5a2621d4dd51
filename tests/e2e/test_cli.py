"""The real command line in subprocesses: demo, init, doctor and --version."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest

from restart_desktop import __version__
from restart_desktop.domain.reference import load_reference_data
from tests.support.cli import REPO_ROOT, cli_env, doctor_lines, run_cli
from tests.support.constants import PASSPHRASE, WRONG_PASSPHRASE

pytestmark = pytest.mark.e2e

EXPECTED_CHECKS = {
    "version",
    "data folder",
    "reference data",
    "keyring",
    "schema",
    "encryption",
    "SQLCipher integrity",
    "SQLite integrity",
    "example contacts",
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def organisation() -> str:
    return load_reference_data().organisations[0].code


def _init(env: dict[str, str], tmp_path: Path, organisation: str) -> None:
    result = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", organisation],
        {**env, "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Set up" in result.stdout


def test_version(env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(["--version"], env, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"restart-desktop {__version__}"


def test_demo_then_doctor(env: dict[str, str], tmp_path: Path) -> None:
    demo = run_cli(["demo", "--cases", "30", "--seed", "3"], env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Demo data folder ready" in demo.stdout
    assert demo.stderr == ""  # progress is shown only in a terminal; scripts get the result
    assert not Path(env["RESTART_TEST_KEYRING_FILE"]).exists()  # demo never uses the keyring

    doctor = run_cli(["doctor"], env, cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    checks = doctor_lines(doctor.stdout)
    assert set(checks) == EXPECTED_CHECKS
    assert all(ok for ok, _ in checks.values()), doctor.stdout
    assert "demo file" in checks["keyring"][1]
    assert Path(checks["data folder"][1]) == Path(env["RESTART_DESKTOP_DATA_DIR"]).resolve()


def test_demo_refuses_a_folder_already_set_up(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    _init(env, tmp_path, organisation)
    result = run_cli(["demo", "--cases", "3"], env, cwd=tmp_path)
    assert result.returncode == 1
    assert "already set up" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_then_doctor(env: dict[str, str], tmp_path: Path, organisation: str) -> None:
    _init(env, tmp_path, organisation)
    secrets = json.loads(Path(env["RESTART_TEST_KEYRING_FILE"]).read_text("utf-8"))
    assert len(secrets) == 1

    doctor = run_cli(["doctor"], {**env, "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE}, cwd=tmp_path)

    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    checks = doctor_lines(doctor.stdout)
    assert set(checks) == EXPECTED_CHECKS
    # A real folder still on the shipped example contacts is told so, as a warning.
    examples = checks.pop("example contacts")
    assert not examples[0]
    assert "warning example contacts" in " ".join(doctor.stdout.split())
    assert "the release-day sheet's number for RESTART team" in examples[1]
    assert "Settings > Team details" in examples[1]
    assert all(ok for ok, _ in checks.values()), doctor.stdout
    assert "tests.support.memory_keyring.FileKeyring" in checks["keyring"][1]
    assert doctor.stderr == ""


def test_doctor_with_a_wrong_passphrase_fails(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    _init(env, tmp_path, organisation)
    doctor = run_cli(
        ["doctor"], {**env, "RESTART_DESKTOP_PASSPHRASE": WRONG_PASSPHRASE}, cwd=tmp_path
    )
    assert doctor.returncode == 1
    ok, detail = doctor_lines(doctor.stdout)["database"]
    assert not ok
    assert "passphrase is not right" in detail
    assert "Traceback" not in doctor.stderr


def test_doctor_without_the_keyring_secret_fails(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    _init(env, tmp_path, organisation)
    Path(env["RESTART_TEST_KEYRING_FILE"]).write_text("{}", "utf-8")

    doctor = run_cli(["doctor"], {**env, "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE}, cwd=tmp_path)

    assert doctor.returncode == 1
    ok, detail = doctor_lines(doctor.stdout)["database"]
    assert not ok
    assert "keyring no longer holds" in detail


def test_doctor_on_a_folder_never_set_up(env: dict[str, str], tmp_path: Path) -> None:
    doctor = run_cli(["doctor"], env, cwd=tmp_path)
    assert doctor.returncode == 1
    assert doctor_lines(doctor.stdout)["database"] == (
        False,
        "this data folder has not been set up yet",
    )


def test_init_with_a_short_passphrase_fails_clearly(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    result = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", organisation],
        {**env, "RESTART_DESKTOP_PASSPHRASE": "short"},
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "Nothing was saved" in result.stderr
    assert "at least 12 characters" in result.stderr
    assert "Traceback" not in result.stderr
    data = Path(env["RESTART_DESKTOP_DATA_DIR"])
    assert not (data / "key.json").exists()
    assert not (data / "restart.db").exists()


def test_init_with_an_unknown_organisation_lists_the_known_ones(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    result = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", "ministry_of_fiction"],
        {**env, "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Unknown organisation" in result.stderr
    assert organisation in result.stderr
    assert "Traceback" not in result.stderr


def test_init_without_a_passphrase_or_terminal_says_how(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    result = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", organisation], env, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "RESTART_DESKTOP_PASSPHRASE" in result.stderr
    assert not Path(env["RESTART_DESKTOP_DATA_DIR"]).exists()


def test_init_without_any_keyring_explains_the_fix(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    result = run_cli(
        ["init", "--name", "Testy McExample", "--organisation", organisation],
        {
            **env,
            "RESTART_DESKTOP_PASSPHRASE": PASSPHRASE,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "PYTHON_KEYRING_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (Path(env["RESTART_DESKTOP_DATA_DIR"]) / "key.json").exists()


def _gui_errors(stderr: str) -> list[str]:
    # The offscreen platform cannot resize native windows and says so; nothing else may appear.
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and "does not support propagateSizeHints" not in line
    ]


def test_the_window_starts_and_quits_cleanly_on_a_new_and_a_set_up_folder(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    first_run = run_cli(["--quit-after-shown"], env, cwd=tmp_path)
    assert first_run.returncode == 0, first_run.stderr
    assert _gui_errors(first_run.stderr) == []
    assert not (Path(env["RESTART_DESKTOP_DATA_DIR"]) / "restart.db").exists()

    _init(env, tmp_path, organisation)
    unlock_screen = run_cli(["--quit-after-shown"], env, cwd=tmp_path)
    assert unlock_screen.returncode == 0, unlock_screen.stderr
    assert _gui_errors(unlock_screen.stderr) == []


def test_data_dir_option_wins_over_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    demo = run_cli(["--data-dir", str(chosen), "demo", "--cases", "2"], env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert (chosen / "restart.db").exists()
    assert not Path(env["RESTART_DESKTOP_DATA_DIR"]).exists()


def test_help_lists_every_command_even_beside_the_windows_own_options(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The window starts without building the commands' parsers; asking for help, or naming
    a command, still gets all of them."""
    shown = run_cli(["--demo", "--data-dir", str(tmp_path / "x"), "--help"], env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for command in ("demo", "init", "doctor", "sync", "team", "intake", "report", "audit"):
        assert f"\n    {command}" in shown.stdout
    unknown = run_cli(["--demo", "nonsense"], env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert "invalid choice: 'nonsense'" in unknown.stderr


def test_two_set_ups_at_once_leave_one_whole_folder(env: dict[str, str], tmp_path: Path) -> None:
    """Two `demo` runs started together on one new folder (a script run twice, two
    terminals): one sets it up, the other says so; never a folder whose key belongs to
    one and database to the other, or one reported ready whose files the other deleted."""
    for attempt in range(3):
        data = tmp_path / f"data-{attempt}"
        command = [sys.executable, "-m", "restart_desktop", "--data-dir", str(data)]
        runs = [
            subprocess.Popen(
                [*command, "demo", "--cases", "2"],
                env=env,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
        ready = [out for code, out, _err in results if code == 0]
        assert len(ready) == 1, results
        refused = next(err for code, _out, err in results if code != 0)
        assert "Traceback" not in refused
        assert "already set up" in refused or "being set up" in refused, refused
        doctor = run_cli(["--data-dir", str(data), "doctor"], env, cwd=tmp_path)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_two_passphrase_changes_at_once_never_both_say_changed(
    env: dict[str, str], tmp_path: Path, organisation: str
) -> None:
    """The window's Settings > Change passphrase and the command at the same moment: one
    changes it, the other is refused. Never two "changed" of which one passphrase does not
    open the data (the worker who typed it would be locked out)."""
    _init(env, tmp_path, organisation)
    news = ("lantern walrus cobalt pickle", "saffron glacier tuba meadow")
    changed = PASSPHRASE
    for attempt in range(3):
        current = changed
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "restart_desktop", "passphrase", "change"],
                env={
                    **env,
                    "RESTART_DESKTOP_PASSPHRASE": current,
                    "RESTART_DESKTOP_NEW_PASSPHRASE": new + f" {attempt}",
                },
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for new in news
        ]
        results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
        said_changed = [news[i] + f" {attempt}" for i, r in enumerate(results) if r[0] == 0]
        assert len(said_changed) == 1, results
        changed = said_changed[0]
        opened = run_cli(["retention"], {**env, "RESTART_DESKTOP_PASSPHRASE": changed})
        assert opened.returncode == 0, opened.stderr


def test_ctrl_c_is_a_sentence_and_a_non_zero_exit(env: dict[str, str], tmp_path: Path) -> None:
    """Ctrl+C while a command works: said in a line, never silence (or a traceback), and the
    exit status says it did not finish."""
    import signal
    import time

    run = subprocess.Popen(
        [sys.executable, "-m", "restart_desktop", "demo", "--cases", "2000"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # the interpreter started and the demo under way
    # A Ctrl+C that lands while the SQLCipher driver looks up how to adapt a parameter is
    # cleared by the driver and lost (a known gap, in the note): pressed again, as a person
    # would, until the command stops. Pressed in bursts, as people do: a press during the
    # first one's clean-up must not cut it short (it printed SQLAlchemy's traceback).
    for _press in range(20):
        for _burst in range(4):
            run.send_signal(signal.SIGINT)
            time.sleep(0.02)
        try:
            _out, err = run.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            continue
    else:
        _out, err = run.communicate(timeout=60)
    assert run.returncode == 1
    assert "Stopped" in err
    assert "Traceback" not in err


def test_ctrl_c_stops_a_long_sync_between_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One Ctrl+C during a supervisor's import of hundreds of a worker's cases stops the
    sync with the words of any stop and exit 1, well before its end; what was applied stays,
    and the next sync brings the rest."""
    import signal
    import time

    import keyring

    from restart_desktop.app.demo import fill_demo_data
    from restart_desktop.app.sync import SyncService
    from tests.support.memory_keyring import FileKeyring
    from tests.support.team import make_team

    env = cli_env(tmp_path, RESTART_DESKTOP_PASSPHRASE=PASSPHRASE)
    monkeypatch.setenv("RESTART_TEST_KEYRING_FILE", env["RESTART_TEST_KEYRING_FILE"])
    keyring.set_keyring(FileKeyring())  # type: ignore[no-untyped-call]  # read by the subprocesses
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = team.laptops
    session = worker.open()
    try:
        fill_demo_data(session, cases=600, seed=5)
        SyncService(session).sync_now()
    finally:
        session.close()
    command = [sys.executable, "-m", "restart_desktop", "--data-dir", str(supervisor.paths.root)]

    started = time.monotonic()
    run = subprocess.Popen(
        [*command, "sync"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.5)  # started, unlocked, importing
    run.send_signal(signal.SIGINT)  # once
    pressed = time.monotonic()
    _out, err = run.communicate(timeout=120)
    assert run.returncode == 1, err
    assert "Stopped (Ctrl+C) before the end" in err
    assert "Traceback" not in err
    assert time.monotonic() - pressed < 3, time.monotonic() - started  # not run to its end

    finished = run_cli(["--data-dir", str(supervisor.paths.root), "sync"], env)
    assert finished.returncode == 0, finished.stderr
    first, second = supervisor.open(), worker.open()
    try:
        from sqlalchemy import func, select

        from restart_desktop.store.models import Change

        own = select(func.count()).select_from(Change).where(Change.device_id == worker.device_id)
        with first.db.read() as s, second.db.read() as t:
            assert s.execute(own).scalar_one() == t.execute(own).scalar_one()
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    "command",
    [["sync"], ["team", "list"], ["retention"], ["passphrase", "change"], ["audit", "verify"]],
)
def test_a_folder_never_set_up_is_said_before_a_passphrase_is_asked_for(
    env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    """In a terminal: the first line is that the folder is not set up, and no prompt."""
    import os
    import pty

    primary, secondary = pty.openpty()
    run = subprocess.Popen(
        [sys.executable, "-m", "restart_desktop", *command],
        env=env,
        cwd=REPO_ROOT,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        start_new_session=True,
    )
    os.close(secondary)
    said = b""
    with suppress(OSError):  # the terminal closes with the process
        while chunk := os.read(primary, 4096):
            said += chunk
            if b"assphrase:" in said:  # asked: answer nothing, so that it ends
                os.write(primary, b"\n")
    os.close(primary)
    assert run.wait(timeout=60) == 1
    text = " ".join(said.decode().split())
    assert "has not been set up yet" in text, text
    assert "assphrase" not in text, text
