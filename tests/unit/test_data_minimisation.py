"""Data minimisation (issue 9): the scanner that fails a test run whose logs name a fixture
person does find one (and a run that logs one does fail); database errors quote no values;
crash output keeps the frames and leaves the messages out."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from restart_desktop import crash
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.store.models import Person
from tests.support.cli import REPO_ROOT
from tests.support.constants import WORKER_NAME
from tests.support.privacy import (
    NAMES,
    Captured,
    Leak,
    PrivacyPlugin,
    RecordingHandler,
    find_leaks,
    searchable,
)

# Made up here, for these tests only.
GIVEN, FAMILY = "Quillon", "Vexmoor"


def _record(
    handler: RecordingHandler, message: str, *args: object, error: BaseException | None = None
) -> None:
    logger = logging.getLogger("restart_desktop.fake")
    record = logger.makeRecord(
        logger.name,
        logging.DEBUG,
        __file__,
        1,
        message,
        args,
        (type(error), error, error.__traceback__) if error else None,
    )
    handler.handle(record)


def test_the_scanner_finds_a_name_in_a_message_or_an_exception_and_says_where() -> None:
    handler = RecordingHandler()
    _record(handler, "locked")
    _record(handler, "opened the case of %s", GIVEN)
    _record(handler, "sorted by %s", FAMILY.upper())  # as lists write family names
    try:
        raise ValueError(f"bad date for {FAMILY}")
    except ValueError as error:
        _record(handler, "background task failed", error=error)
    _record(handler, "Samuel is not Sam")  # whole words only: "Sam" is a demo name
    leaks = find_leaks(handler.captured, {GIVEN, FAMILY})
    assert [leak.name for leak in leaks] == [GIVEN, FAMILY.upper(), FAMILY]
    assert all(leak.source.startswith("restart_desktop.fake DEBUG (") for leak in leaks)
    assert find_leaks([Captured("x", "Samuel")], {"Sam"}) == []
    assert find_leaks([Captured("x", "opened Sam's file")], {"Sam"})[0].name == "Sam"
    assert find_leaks([Captured("x", f"by {WORKER_NAME} at 10:00")], {WORKER_NAME})


def test_text_that_does_not_look_like_a_name_is_not_searched_for() -> None:
    # hypothesis' random names, blanks and short words would match anything
    assert searchable(
        {"", "a", "x y", "0", "lower", "Ab", "Quillon", "Z1111AA", "Test Worker (fictional)"}
    ) == {"Quillon", "Z1111AA", "Test Worker (fictional)"}


def test_a_name_that_is_also_a_word_the_app_writes_is_not_searched_for() -> None:
    # A test's person called "Three"; the app's passphrase advice says "Three or four words".
    NAMES.add("Three", GIVEN)
    plugin = PrivacyPlugin()
    plugin.outputs += [
        Captured("restart-desktop init", "Three or four unrelated words"),
        Captured("a log", f"opened {GIVEN}"),
    ]
    assert plugin.check() == [Leak("a log", GIVEN)]


def test_every_name_written_to_a_database_in_the_run_is_searched_for(
    enrolled: AppSession,
) -> None:
    CaseService(enrolled).create_case(
        CaseFields(given_name=GIVEN, family_name=FAMILY, nomis_number="Z9876QV")
    )
    assert {GIVEN, FAMILY, "Z9876QV", WORKER_NAME} <= NAMES.snapshot()


INNER_TEST = """
import logging

from tests.support.constants import WORKER_NAME


def test_logs() -> None:
    logging.getLogger("restart_desktop.fake").debug("opened the file of %s", {who})
"""


def _inner_run(tmp_path: Path, who: str, *options: str) -> subprocess.CompletedProcess[str]:
    """A separate pytest run with only the privacy plugin, of one test that logs ``who``."""
    folder = tmp_path / (who.strip("'\"").replace(" ", "_") + "".join(options).replace("-", "_"))
    folder.mkdir()
    (folder / "test_inner.py").write_text(INNER_TEST.replace("{who}", who))
    (folder / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.support.privacy",
            "-p",
            "no:cacheprovider",
            *options,
            "-q",
            "-c",
            str(folder / "pytest.ini"),
            str(folder / "test_inner.py"),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "options", [(), ("-p", "xdist", "-n", "1")], ids=["one process", "xdist worker"]
)
def test_a_run_whose_logs_name_a_fixture_person_fails(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    """Also when the test runs in a pytest-xdist worker (make test), whose own exit status
    the controller does not look at."""
    leaked = _inner_run(tmp_path, "WORKER_NAME", *options)
    assert leaked.returncode == pytest.ExitCode.TESTS_FAILED, leaked.stdout + leaked.stderr
    assert "1 passed" in leaked.stdout
    assert "personal data in logs" in leaked.stdout
    assert f"restart_desktop.fake DEBUG (test_inner.py:8): names '{WORKER_NAME}'" in (leaked.stdout)
    assert "opened the file of" not in leaked.stdout  # the record itself is not repeated
    clean = _inner_run(tmp_path, "'case 0193'", *options)
    assert clean.returncode == pytest.ExitCode.OK, clean.stdout + clean.stderr
    assert "personal data" not in clean.stdout


def test_a_database_error_quotes_no_values(enrolled: AppSession) -> None:
    with pytest.raises(IntegrityError) as caught, enrolled.db.write() as s:
        s.add(
            Person(
                given_name=GIVEN,
                family_name=FAMILY,
                nomis_number="Z9876QV",
                allocated_worker_id="no such worker",
            )
        )  # a foreign key that fails
    message = str(caught.value)
    assert "FOREIGN KEY" in message  # what failed is still said
    for value in (GIVEN, FAMILY, "Z9876QV", "no such worker"):
        assert value not in message
    assert "parameters hidden" in message
    report = crash.crash_report(caught.value)
    assert "IntegrityError" in report
    assert GIVEN not in report
    assert FAMILY not in report


def _fail_deep_inside(who: str) -> None:
    raise ValueError("could not read the file of " + who)


def test_crash_output_has_the_frames_and_types_but_no_message() -> None:
    try:
        try:
            _fail_deep_inside(FAMILY)
        except ValueError as error:
            raise RuntimeError(str(error)) from error
    except RuntimeError as error:
        report = crash.crash_report(error)
    assert FAMILY not in report
    assert f"the file of {FAMILY}" not in report
    assert report.startswith("RuntimeError (message left out")
    assert "caused by (while handling) ValueError" in report
    assert "_fail_deep_inside" in report  # which code failed is kept


def test_the_hooks_log_the_report_and_tell_the_person(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    told: list[bool] = []
    crash.install(lambda: told.append(True))
    try:
        _fail_deep_inside(GIVEN)
    except ValueError as error:
        sys.excepthook(ValueError, error, error.__traceback__)
    thread = threading.Thread(target=_fail_deep_inside, args=(FAMILY,), name="restart-test")
    thread.start()
    thread.join()
    logged = [r for r in caplog.records if r.name == "restart_desktop.crash"]
    assert [r.levelno for r in logged] == [logging.CRITICAL, logging.CRITICAL]
    text = caplog.text
    assert GIVEN not in text
    assert FAMILY not in text
    assert "unhandled error in restart-test: ValueError" in text
    assert told == [True]


def test_a_crashing_program_prints_no_message() -> None:
    script = (
        f"from restart_desktop import crash\ncrash.install()\nraise KeyError('{GIVEN} {FAMILY}')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    ran = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1
    assert "KeyError (message left out" in ran.stderr
    assert GIVEN not in ran.stderr
    assert FAMILY not in ran.stderr
