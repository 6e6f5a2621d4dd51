"""The central export on a PostgreSQL server (the private test cluster): what the server
itself refuses (row-level security, grants, a removed laptop's role), what a sync does when
the server goes away in the middle (stopped with ``pg_ctl stop -m immediate``, a connection
cut, a statement timed out), and TLS with ``sslmode=verify-full`` over 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.sync import postgres
from restart_desktop.sync.postgres import PostgresTarget
from restart_desktop.sync.postgres_login import device_role
from tests.support.pg_cluster import SUPERUSER, Cluster, make_authority
from tests.support.team import Team, assert_same_changes, make_team

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(tmp_path: Path, pg_cluster: Cluster) -> Team:
    """A supervisor and two workers on a fresh database, everyone synced once."""
    made = make_team(
        tmp_path / "team", workers=2, server=pg_cluster.conninfo(pg_cluster.new_database())
    )
    for laptop in made.laptops * 2:
        session = laptop.open()
        try:
            SyncService(session).sync_now()
        finally:
            session.close()
    return made


def _as(team: Team, device_id: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection as a laptop's own role (over the socket: the role is who it says)."""
    assert team.server is not None
    return psycopg.connect(f"{team.server} user={device_role(device_id)}", autocommit=True)


def _bundle(device_id: str, seq: int = 1000) -> tuple[object, ...]:
    return (device_id, seq, seq, 1, b"not really a bundle", b"nor a signature")


_INSERT = (
    "INSERT INTO restart.bundles (device_id, from_seq, to_seq, generation, ciphertext,"
    " signature) VALUES (%s, %s, %s, %s, %s, %s)"
)


def test_a_laptops_role_writes_only_its_own_rows_and_never_rewrites_any(team: Team) -> None:
    _supervisor, one, other = team.laptops
    with _as(team, one.device_id) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(_INSERT, _bundle(other.device_id))
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE restart.bundles SET ciphertext = 'x'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO restart.roster (data, signature) VALUES ('x', 'y')")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM restart.requests")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE restart.files SET data = 'x'")
        # A delete of a bundle that no newer generation supersedes, its own or another's,
        # reaches no row: row-level security hides it from the DELETE.
        count = "SELECT count(*) FROM restart.bundles"
        before = conn.execute(count).fetchone()
        assert conn.execute("DELETE FROM restart.bundles").rowcount == 0
        assert conn.execute("DELETE FROM restart.files").rowcount == 0
        assert conn.execute(count).fetchone() == before
        # Its own superseded generation it may delete (erasure reaches the server).
        conn.execute(_INSERT, _bundle(one.device_id))
        conn.execute(_INSERT, (*_bundle(one.device_id)[:3], 2, b"again", b"signed"))
        assert (
            conn.execute(
                "DELETE FROM restart.bundles WHERE device_id = %s AND from_seq = 1000",
                (one.device_id,),
            ).rowcount
            == 1
        )
    with (
        psycopg.connect(f"{team.server} user={postgres.JOINING_ROLE}") as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT * FROM restart.bundles")


def test_a_removed_laptops_role_is_disabled_and_reads_nothing_more(team: Team) -> None:
    supervisor, _one, removed = team.laptops
    still_open = _as(team, removed.device_id)  # connected before the supervisor removes it
    try:
        assert still_open.execute("SELECT count(*) FROM restart.bundles").fetchone() != (0,)
        session = supervisor.open()
        try:
            SyncService(session).remove(removed.device_id)
            CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Later"))
            SyncService(session).sync_now()
        finally:
            session.close()
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            _as(team, removed.device_id)
        # Its open connection sees nothing and can write nothing.
        assert still_open.execute("SELECT count(*) FROM restart.bundles").fetchone() == (0,)
        with pytest.raises(errors.InsufficientPrivilege):
            still_open.execute(_INSERT, _bundle(removed.device_id))
    finally:
        still_open.close()
    session = removed.open()
    try:
        result = SyncService(session).sync_now()  # through the joining role: the roster only
        assert result.state == "not in the team"
    finally:
        session.close()


def test_a_laptop_not_yet_approved_is_told_it_waits(team: Team, enrolled: AppSession) -> None:
    assert team.server is not None
    service = SyncService(enrolled)
    service.request_to_join(team.server)
    assert service.sync_now().state == "waiting for approval"
    with psycopg.connect(f"{team.server} user={SUPERUSER}") as conn:
        verifier = conn.execute("SELECT verifier FROM restart.requests").fetchone()
    assert verifier is not None
    assert str(verifier[0]).startswith("SCRAM-SHA-256$4096:")


def _make_cases(session: AppSession, count: int) -> None:
    cases = CaseService(session)
    for n in range(count):
        cases.create_case(CaseFields(given_name="Testy", family_name=f"Faultson{n}"))


@pytest.fixture
def restarted(pg_cluster: Cluster) -> Iterator[Cluster]:
    """The cluster, started again after the test whatever happened."""
    yield pg_cluster
    if not pg_cluster.running():
        pg_cluster.start()


def test_a_server_stopped_mid_sync_loses_and_repeats_nothing(
    team: Team, restarted: Cluster
) -> None:
    supervisor, worker = team.laptops[0], team.laptops[1]
    session = worker.open()
    try:
        _make_cases(session, 200)  # several bundles
        service = SyncService(session)
        stopped: list[bool] = []

        def progress(done: int, total: int) -> None:
            if done and not stopped:  # after the first bundle
                restarted.stop("immediate")
                stopped.append(True)

        with pytest.raises(
            UserError,
            match=r"^Central server not reachable, \d+ changes "
            r"waiting",
        ):
            service.sync_now(progress)
        waiting = service.waiting_changes()
        assert waiting > 0
        with pytest.raises(UserError, match=f"^Central server not reachable, {waiting} changes"):
            service.sync_now()  # still down: said the same way, with the count
        restarted.start()
        assert service.sync_now().state == "synced"
    finally:
        session.close()
    _both_hold_everything_once(supervisor.open(), worker.open())


def test_a_connection_cut_or_timed_out_mid_sync_loses_and_repeats_nothing(
    team: Team, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor, worker = team.laptops[0], team.laptops[1]
    role = device_role(worker.device_id)
    session = worker.open()
    try:
        _make_cases(session, 200)
        service = SyncService(session)
        cut: list[bool] = []

        def progress(done: int, total: int) -> None:
            if done and not cut:
                pg_cluster.execute(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE usename = '{role}'"
                )
                cut.append(True)

        with pytest.raises(UserError, match="^Central server not reachable"):
            service.sync_now(progress)
        # A statement held up past the timeout (a table locked by an administrator's job).
        monkeypatch.setattr(postgres, "STATEMENT_TIMEOUT", "300ms")
        _make_cases(session, 1)
        with psycopg.connect(f"{team.server} user={SUPERUSER}") as locker:
            locker.execute("LOCK TABLE restart.bundles IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(UserError, match="^Central server not reachable"):
                service.sync_now()
        assert service.sync_now().state == "synced"
    finally:
        session.close()
    _both_hold_everything_once(supervisor.open(), worker.open())


def _both_hold_everything_once(supervisor: AppSession, worker: AppSession) -> None:
    try:
        for session in (supervisor, worker, supervisor):
            assert SyncService(session).sync_now().report.problems == {}
        assert_same_changes(supervisor, worker)
    finally:
        supervisor.close()
        worker.close()


def test_tls_verify_full_works_and_refuses_a_wrong_certificate_or_name(
    team: Team, pg_cluster: Cluster, tmp_path: Path
) -> None:
    """Over 127.0.0.1 (libpq ignores sslmode on a Unix socket), with the laptop's own role
    and its password from the keyring (SCRAM; the server only ever saw its verifier)."""
    assert team.server is not None
    dbname = team.server.split("dbname=")[1].split()[0]
    worker = team.laptops[1]
    session = worker.open()
    try:
        service = SyncService(session)
        service.set_target(pg_cluster.tcp_conninfo(dbname))
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Tls"))
        assert service.sync_now().state == "synced"
        held = PostgresTarget(pg_cluster.tcp_conninfo(dbname), worker.device_id)
        try:
            held.check()
            with psycopg.connect(f"{team.server} user={SUPERUSER}") as conn:
                rows = conn.execute(
                    "SELECT ssl, host(client_addr) FROM pg_stat_ssl JOIN pg_stat_activity"
                    " USING (pid) WHERE usename = %s",
                    (device_role(worker.device_id),),
                ).fetchall()
            assert rows == [(True, "127.0.0.1")]
        finally:
            held.close()
        other_ca = tmp_path / "other-ca.pem"
        other_ca.write_bytes(make_authority().ca_pem)
        wrong = [
            pg_cluster.tcp_conninfo(dbname).replace(str(pg_cluster.ca_file), str(other_ca)),
            pg_cluster.tcp_conninfo(dbname, host="wrong.example") + " hostaddr=127.0.0.1",
        ]
        for conninfo in wrong:
            with pytest.raises(UserError, match="identity could not be checked"):
                service.set_target(conninfo)
            target = PostgresTarget(conninfo, worker.device_id)
            assert not target.reachable()
            target.close()
    finally:
        session.close()
