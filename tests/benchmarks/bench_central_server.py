"""Central server benchmark (issue 25): twenty laptops (processes) syncing at the same moment
through one local PostgreSQL server (the tests' private cluster) with a demo team of 10,000
cases (about 100,000 notes): the time for each to receive one new note (median and max)
against one laptop alone, the server's CPU time and database size; and the first full sync of
a new supervisor laptop through the server against the same through a folder (the export
moved there verbatim with ``team move``).

Run with ``python tests/benchmarks/bench_central_server.py [--cases N | --data-dir DEMO]``.
Needs PostgreSQL's initdb and pg_ctl (tests/support/pg_cluster.py). Prints figures and
asserts nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import run

LAPTOPS = int(os.environ.get("RESTART_BENCH_LAPTOPS", "20"))
ROUNDS = 3


def _server_cpu(data: Path) -> float:
    """CPU seconds of the postmaster and its finished children (backends that have exited)."""
    pid = int((data / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(data_dir: Path) -> None:
    import datetime as dt

    import keyring
    import psycopg
    from sqlalchemy import func, select

    from restart_desktop.app.cases import CaseService
    from restart_desktop.app.notes import DraftFields, NoteService
    from restart_desktop.app.session import AppSession, enrol, open_key, open_session, unlock
    from restart_desktop.app.sync import SyncService
    from restart_desktop.app.team_move import move_team
    from restart_desktop.domain.case import Role
    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.domain.reference import load_reference_data
    from restart_desktop.paths import DataPaths
    from restart_desktop.store.models import ContactNote, Person
    from restart_desktop.sync.envelope import DeviceKeys
    from tests.support.constants import PASSPHRASE
    from tests.support.memory_keyring import MemoryKeyring
    from tests.support.pg_cluster import SUPERUSER, remove_cluster, start_cluster
    from tests.support.sync_child import timed_sync
    from tests.support.team import FAST_KDF

    keyring.set_keyring(MemoryKeyring())
    tmp = Path(tempfile.mkdtemp(prefix="restart-bench-server-"))
    cluster = start_cluster()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["restart_desktop.app.sync", "tests.support.sync_child"])
    print(f"Load before: {os.getloadavg()[0]:.1f} (2 cores shared)", flush=True)
    try:
        dbname = cluster.new_database()
        server = cluster.conninfo(dbname)
        code = load_reference_data().organisations[0].code

        def new_laptop(name: str, role: Role) -> tuple[AppSession, bytes]:
            paths = DataPaths(tmp / name)
            session = enrol(
                paths,
                name=f"{name} (fictional)",
                organisation_code=code,
                role=role,
                passphrase=PASSPHRASE,
                kdf=FAST_KDF,
            )
            return session, open_key(paths, PASSPHRASE)

        def timed(action: object) -> float:
            started = time.perf_counter()
            action()  # type: ignore[operator]
            return time.perf_counter() - started

        supervisor, supervisor_key = new_laptop("supervisor", Role.SUPERVISOR)
        SyncService(supervisor).create_team(
            f"{server} user={SUPERUSER}", DeviceKeys.generate().age_recipient
        )
        demo = unlock(DataPaths(data_dir), DEMO_PASSPHRASE)
        SyncService(demo).request_to_join(server)
        laptops = []
        for n in range(LAPTOPS):
            session, key = new_laptop(f"laptop{n:02d}", Role.WORKER)
            SyncService(session).request_to_join(server)
            laptops.append((str(session.paths.root), key, session.worker.id))
            session.close()
        service = SyncService(supervisor)
        for request in service.requests():
            service.approve(request.device_id)

        with demo.db.read() as s:
            notes = s.execute(select(func.count()).select_from(ContactNote)).scalar_one()
            people = s.execute(select(func.count()).select_from(Person)).scalar_one()
        print(f"Team: {people:,} people, {notes:,} notes; {LAPTOPS} worker laptops", flush=True)
        export_s = timed(lambda: SyncService(demo).sync_now())
        with psycopg.connect(cluster.conninfo(dbname, SUPERUSER)) as conn:
            row = conn.execute(
                "SELECT count(*), sum(octet_length(ciphertext)) FROM restart.bundles"
            ).fetchone()
            assert row is not None
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        print(
            f"Demo laptop's first full export to the server: {export_s:.1f} s, "
            f"{row[0]} bundles, {int(row[1]) / 1e6:.1f} MB",
            flush=True,
        )
        # A new supervisor laptop's first full sync: through a folder holding the same
        # export (moved there verbatim), then through the server.
        supervisor.close()
        folder = tmp / "folder-export"
        move_team(cluster.conninfo(dbname, SUPERUSER), str(folder))
        shutil.copytree(tmp / "supervisor", tmp / "supervisor-folder")
        copy = open_session(DataPaths(tmp / "supervisor-folder"), supervisor_key)
        SyncService(copy).set_target(folder)
        first_folder_s = timed(lambda: SyncService(copy).sync_now())
        copy.close()
        supervisor = open_session(DataPaths(tmp / "supervisor"), supervisor_key)
        first_server_s = timed(lambda: SyncService(supervisor).sync_now())
        print(
            f"First full sync of a new supervisor laptop: through the server "
            f"{first_server_s:.1f} s, through a folder {first_folder_s:.1f} s "
            f"({first_server_s / first_folder_s:.2f}x)",
            flush=True,
        )

        # Every laptop's first sync (20 at once), then one case shared with all of them.
        go, results = context.Event(), context.Queue()

        def at_once(which: list[tuple[str, bytes, str]]) -> tuple[list[float], float]:
            go.clear()
            children = [
                context.Process(target=timed_sync, args=(root, key, go, results))
                for root, key, _worker in which
            ]
            for child in children:
                child.start()
            time.sleep(1.0 + 0.1 * len(children))  # every laptop open and waiting
            cpu = _server_cpu(cluster.data)
            go.set()
            times = []
            for _ in children:
                root, seconds, error = results.get(timeout=1800)
                if error:
                    print(f"  {Path(root).name}: {error}")
                times.append(seconds)
            for child in children:
                child.join()
            return times, _server_cpu(cluster.data) - cpu

        first, first_cpu = at_once(laptops)
        print(
            f"{LAPTOPS} new worker laptops' first syncs at once: median "
            f"{statistics.median(first):.1f} s, max {max(first):.1f} s; server CPU "
            f"{first_cpu:.1f} s",
            flush=True,
        )
        with demo.db.read() as s:
            case = str(
                s.execute(
                    select(Person.id).where(Person.allocated_worker_id.is_not(None)).limit(1)
                ).scalar_one()
            )
        SyncService(demo).sync_now()
        SyncService(supervisor).sync_now()
        for _root, _key, worker in laptops:
            CaseService(supervisor).allocate(case, worker, "Fictional share", share=True)
        SyncService(supervisor).sync_now()
        at_once(laptops)  # the case and its history arrive

        def one_note() -> int:
            NoteService(demo).finalise(
                DraftFields(
                    person_id=case,
                    contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
                    text="Fictional benchmark contact",
                ),
                confirmed=True,
            )
            return SyncService(demo).sync_now().published

        alone, together, cpus = [], [], []
        for _round in range(ROUNDS):
            one_note()
            alone += at_once(laptops[:1])[0]
            for other in laptops[1:]:  # the others take it in too, unmeasured
                at_once([other])
            one_note()
            times, cpu = at_once(laptops)
            together += times
            cpus.append(cpu)
        with psycopg.connect(cluster.conninfo(dbname, SUPERUSER)) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            assert size is not None
        with demo.db.read() as s:
            sent = s.execute(
                select(func.count()).select_from(ContactNote).where(ContactNote.person_id == case)
            ).scalar_one()
        held = []
        for root, key, _worker in laptops:
            laptop = open_session(DataPaths(Path(root)), key)
            with laptop.db.read() as s:
                held.append(
                    s.execute(
                        select(func.count())
                        .select_from(ContactNote)
                        .where(ContactNote.person_id == case)
                    ).scalar_one()
                )
            laptop.close()
        print(
            f"The shared case's notes: {sent} on the demo laptop; on the {LAPTOPS} laptops "
            f"{min(held)} to {max(held)}"
        )
        print(
            f"One new note received, one laptop alone: median "
            f"{statistics.median(alone) * 1000:.0f} ms (of {len(alone)})"
        )
        print(
            f"One new note received by {LAPTOPS} laptops syncing at once: median "
            f"{statistics.median(together) * 1000:.0f} ms, max {max(together) * 1000:.0f} ms "
            f"(of {len(together)}); server CPU per round {statistics.median(cpus):.2f} s; "
            f"database {int(size[0]) / 1e6:.0f} MB"
        )

        supervisor.close()
        demo.close()
    finally:
        remove_cluster(cluster)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    raise SystemExit(run(__file__, "Central server benchmark", measure))
