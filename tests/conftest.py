"""Shared fixtures. Every test runs in its own data folder with its own in-memory keyring."""

from __future__ import annotations

import gc
import os
from collections.abc import Generator, Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest

from restart_desktop.app.session import AppSession, enrol
from restart_desktop.domain.case import Role
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import DATA_DIR_ENV, DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store import migrate
from tests.support.clock import use_zone
from tests.support.constants import PASSPHRASE, WORKER_NAME
from tests.support.memory_keyring import MemoryKeyring
from tests.support.pg_cluster import Cluster, remove_cluster, start_cluster, why_not_available
from tests.support.template_db import build_template

# The whole run's logs are searched for the fictional names it made up (issue 9: data
# minimisation); a name found fails the run.
pytest_plugins = ("tests.support.privacy",)


#: Per-test limits (seconds) above pyproject's default ``timeout`` for the tests marked so.
TIMEOUTS = {"e2e": 1200, "long": 1200, "slow": 7200}
#: Tests of several seconds each (seeding demo data, paging through thousands of people, long
#: syncs), marked ``long`` here in one place so that `make test-fast` leaves them out; `make
#: test` runs them. Seconds as measured on a loaded 2-core machine (load about 9).
LONG = {
    "tests/unit/app/test_demo.py::test_demo_intake_has_a_queue_decisions_and_an_allocator": 27,
    "tests/unit/app/test_demo.py::test_demo_people_have_notes_actions_and_searchable_places": 21,
    "tests/unit/app/test_demo.py::test_demo_people_are_plainly_fictional_and_valid": 7,
    "tests/unit/app/test_demo.py::test_same_seed_and_day_give_the_same_people": 5,
    "tests/unit/app/test_demo.py::"
    "test_every_recent_month_of_the_demo_has_acceptances_and_weekday_releases": 10,
    "tests/ui/test_caseload.py::test_caseload_pages_through_many_people": 25,
    "tests/ui/test_sync_ui.py::"
    "test_a_long_sync_shows_progress_keeps_the_window_responsive_and_can_be_stopped": 16,
    "tests/unit/app/test_sync_team.py::test_create_join_approve_sync_and_remove": 13,
    "tests/ui/test_main_window.py::test_demo_folder_says_demo_data_everywhere": 8,
    "tests/unit/test_data_minimisation.py::test_a_run_whose_logs_name_a_fixture_person_fails": 7,
    "tests/unit/app/test_cases.py::test_caseload_pages": 6,
}
#: Whole modules marked ``long`` (their fixture seeds a demo caseload first).
LONG_MODULES = ("tests/unit/app/test_budgets.py",)
E2E = "tests/e2e/"

#: Fixtures that make Qt objects (pytest-qt's and ours in tests/ui/conftest.py).
QT_FIXTURES = frozenset({"qtbot", "qapp", "make_window"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what is slow (everything in tests/e2e/ is e2e; ``LONG`` and ``LONG_MODULES`` are
    long), then give e2e, long and slow tests their longer limit unless they name their own.
    In a pytest-xdist worker, the files holding long tests go first, then the e2e ones."""
    for item in items:
        where = item.nodeid.split("[", 1)[0]
        if where.startswith(E2E):
            item.add_marker(pytest.mark.e2e)
        if where in LONG or where.split("::", 1)[0] in LONG_MODULES:
            item.add_marker(pytest.mark.long)
    for item in items:
        if item.get_closest_marker("timeout"):
            continue
        limits = [limit for marker, limit in TIMEOUTS.items() if item.get_closest_marker(marker)]
        if limits:
            item.add_marker(pytest.mark.timeout(max(limits)))
    if hasattr(config, "workerinput"):
        longest_files_first(items)


def longest_files_first(items: list[pytest.Item]) -> None:
    """Files with a long test first, then those with an e2e test, each kept in its order: with
    ``--dist loadfile`` the workers take files in this order, so the longest runs start at
    once rather than leaving one worker busy alone at the end."""
    rank: dict[str, int] = {}
    for item in items:
        where = item.nodeid.split("::", 1)[0]
        weight = (
            0 if item.get_closest_marker("long") else 1 if item.get_closest_marker("e2e") else 2
        )
        rank[where] = min(rank.get(where, 2), weight)
    items.sort(key=lambda item: rank[item.nodeid.split("::", 1)[0]])


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once the tests are collected (modules, items, fixtures) lives to the end
    of the run: frozen out of the cyclic collector's sight, every collection after scans only
    what the tests made. A third of the GUI tests' CPU was spent in collections before."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """A test with Qt objects runs with the cyclic garbage collector off, and its garbage is
    collected afterwards here, on the GUI thread.

    Left on, the collector runs on whichever thread allocates when its count is reached, often
    the app's database thread (ui/tasks.py), and frees the Qt objects in reference cycles
    there: pytest-qt's QEventLoop and QTimer of every wait, and the windows and dialogs of
    earlier tests (a gc.callbacks probe counted 56 in three GUI files). A Qt object deleted off
    its thread corrupts Qt's state; runs died of segmentation faults at random places. Plain
    reference counting still frees everything else as the test goes.
    """
    if not QT_FIXTURES & set(getattr(item, "fixturenames", ())):
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture(autouse=True, scope="session")
def session_keyring() -> MemoryKeyring:
    """An in-memory keyring for fixtures wider than one test (a module's team of laptops):
    without it, keyring's detection would choose among every backend class a test module
    defines, the deliberately unsafe ones of the keyring tests included."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True, scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes]]:
    """New databases start as a re-keyed copy of one migrated per run (store/migrate.py
    ``TEMPLATE``) rather than running every migration: a tenth of the time per test."""
    template = build_template(tmp_path_factory.mktemp("template"))
    previous, migrate.TEMPLATE = migrate.TEMPLATE, template
    yield template
    migrate.TEMPLATE = previous


@pytest.fixture(autouse=True)
def memory_keyring(
    monkeypatch: pytest.MonkeyPatch, session_keyring: MemoryKeyring
) -> MemoryKeyring:
    """A fresh in-memory keyring; the previous backend is put back after the test.

    The previous backend is saved through monkeypatch rather than ``keyring.get_keyring()``,
    which would run backend detection (D-Bus probes on a desktop) the first time.
    """
    for name in ("PYTHON_KEYRING_BACKEND", "RESTART_DESKTOP_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder the app resolves by default (RESTART_DESKTOP_DATA_DIR) for this test."""
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def fast_kdf() -> KdfParams:
    """Cheap Argon2id parameters (1 MiB: 0.5 ms a derivation where 8 MiB took 5 ms) so that
    tests enrol and unlock in a millisecond; tests/unit/security/test_keys.py checks the
    real defaults."""
    return KdfParams(iterations=1, memory_kib=1024, lanes=1)


@pytest.fixture
def data_paths(data_dir: Path) -> DataPaths:
    return DataPaths(data_dir)


@pytest.fixture
def organisation_code() -> str:
    return load_reference_data().organisations[0].code


@pytest.fixture
def enrolled(
    data_paths: DataPaths, fast_kdf: KdfParams, organisation_code: str
) -> Iterator[AppSession]:
    session = enrol(
        data_paths,
        name=WORKER_NAME,
        organisation_code=organisation_code,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    yield session
    session.close()


#: The zones the time-sensitive tests run in: the users' own (with summer time), a fixed
#: UTC+1 (Etc/GMT-1 means UTC+1 in the tz database's inverted sign), and one far from UTC.
LAPTOP_ZONES = ("Europe/London", "Etc/GMT-1", "America/New_York")


@pytest.fixture
def london() -> Iterator[None]:
    with use_zone("Europe/London"):
        yield


@pytest.fixture(params=LAPTOP_ZONES)
def laptop_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once in each of ``LAPTOP_ZONES``; yields the zone's name."""
    with use_zone(request.param):
        yield request.param


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A private PostgreSQL cluster for the whole run (tests/support/pg_cluster.py): skipped
    with the reason where the server's programs are missing, a failure under CI=true."""
    why = why_not_available()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, yet no PostgreSQL test cluster can be started: {why}")
        pytest.skip(why)
    cluster = start_cluster()
    yield cluster
    remove_cluster(cluster)


#: The central exports the sync tests run against (parametrised): a folder and a server.
EXPORT_KINDS = ("folder", "postgresql")


@pytest.fixture(params=EXPORT_KINDS)
def export_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(export_kind: str, request: pytest.FixtureRequest) -> str | None:
    """A fresh database with the central export's schema (its connection string, no user)
    for the postgresql runs; None for the folder runs (which start no cluster)."""
    if export_kind != "postgresql":
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.conninfo(cluster.new_database())
