"""The safety net: laptops holding the same changes publish digests; one whose records have
drifted (here a row edited behind the app's back) is told so, and a rebuild from the changes
(``restart-desktop sync --rebuild``) puts it right. Refused bundles are kept aside with the
reason, and case status moves the transition table forbids are not applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, text

from restart_desktop import cli
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import CaseStatus
from restart_desktop.store.models import Person
from restart_desktop.sync.bundle import encode_bundle
from restart_desktop.sync.envelope import seal
from restart_desktop.sync.folder import FolderTarget, bundle_name
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.roster import Roster
from tests.support.clock import local, set_clock
from tests.support.constants import PASSPHRASE
from tests.support.team import assert_same_as_supervisor, make_team


def test_a_laptop_whose_records_drifted_is_told_and_a_rebuild_mends_it(
    tmp_path: Path, monkeypatch: object, capsys: object
) -> None:
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        # With a release date: a release plan and its checklist (JSON columns whose key order
        # differs between the laptop that wrote them and one that received them).
        case = (
            CaseService(worker)
            .create_case(
                CaseFields(
                    given_name="Testy",
                    family_name="Drifter",
                    release_date=dt.date(2026, 12, 4),
                )
            )
            .case_id
        )
        for session in (worker, supervisor, worker):
            result = SyncService(session).sync_now(check_digests=True)
        assert result.differs_from == ()  # the same changes, the same records: no alarm
        assert_same_as_supervisor(supervisor, worker)
        with supervisor.db.write() as s:  # a bug, a disk error, a hand edit: not a change
            s.execute(text("UPDATE people SET family_name = 'Wrong' WHERE id = :id"), {"id": case})
        # The digest follows the changes written since the last one; the whole database is
        # read again once a day, which finds an edit made without a change.
        tomorrow = dt.datetime.combine(
            supervisor.clock.today() + dt.timedelta(days=1), dt.time(9, 0)
        )
        set_clock(supervisor, tomorrow, ticking=True)
        result = SyncService(supervisor).sync_now(check_digests=True)
        assert result.differs_from == ("Worker 1 (fictional)",)
    finally:
        supervisor.close()
        worker.close()

    # The supervisor's scheduled sync says so and fails; --rebuild mends it.
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)  # type: ignore[attr-defined]
    folder = str(team.laptops[0].paths.root)
    assert cli.main(["--data-dir", folder, "sync"]) != 0
    assert "differ from Worker 1 (fictional)'s" in capsys.readouterr().err  # type: ignore[attr-defined]
    assert cli.main(["--data-dir", folder, "sync", "--rebuild"]) == 0
    assert "Rebuilt" in capsys.readouterr().out  # type: ignore[attr-defined]
    session = team.laptops[0].open()
    try:
        with session.db.read() as s:
            assert s.get(Person, case).family_name == "Drifter"  # type: ignore[union-attr]
    finally:
        session.close()


def test_a_refused_bundle_is_kept_aside_with_its_reason_and_retried(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        CaseService(worker).create_case(CaseFields(given_name="Testy", family_name="Cutshort"))
        SyncService(worker).sync_now()
        (bundle,) = (team.export / "devices" / worker.device_id).glob("*-*.age")
        whole = bundle.read_bytes()
        bundle.write_bytes(whole[: len(whole) // 2])  # a cloud folder still downloading it

        result = SyncService(supervisor).sync_now()
        assert result.report.quarantined == 1
        problem = result.report.problems[worker.device_id]
        assert problem.startswith(
            f"A bundle from Worker 1 (fictional)'s laptop ({bundle.name}) was refused: "
        )
        kept = supervisor.paths.quarantine / worker.device_id
        assert (kept / bundle.name).read_bytes() == whole[: len(whole) // 2]
        assert (kept / f"{bundle.name}.reason.txt").read_text().strip() == problem
        assert SyncService(supervisor).problems() == [problem]
        with supervisor.db.read() as s:
            assert s.scalars(select(Person.family_name)).all() == []

        bundle.write_bytes(whole)  # the download finished
        result = SyncService(supervisor).sync_now()
        assert result.report.problems == {}
        assert SyncService(supervisor).problems() == []
        with supervisor.db.read() as s:
            assert s.scalars(select(Person.family_name)).all() == ["Cutshort"]
    finally:
        supervisor.close()
        worker.close()


def test_a_status_move_the_table_forbids_is_not_applied_on_arrival(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        case = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Leapfrog"))
            .case_id
        )
        SyncService(worker).sync_now()
        SyncService(supervisor).sync_now()
        # A laptop with a bug (or a forged change) moves Recommended straight to Released.
        target = FolderTarget(team.export)
        last = target.last_published_seq(worker.device_id)
        with worker.db.read() as s:
            base = s.get(Person, case).last_change_id  # type: ignore[union-attr]
        change = {
            "change_id": f"{worker.device_id}:{last + 1}",
            "device_id": worker.device_id,
            "seq": last + 1,
            "entity": "people",
            "record_id": case,
            "base_change_id": base,
            "bases": [base],
            "hlc": "9" * 15 + "-000000",
            "author_id": worker.worker.id,
            "fields": {"status": CaseStatus.RELEASED.value, "status_reason": "forged"},
            "recorded_at": "2026-11-23T10:00:00",
        }
        name = bundle_name(last + 1, last + 1)
        roster = Roster.from_json((team.export / "roster.json").read_bytes())
        ciphertext, signature = seal(
            encode_bundle(worker.device_id, "0007", [change]),
            roster.recipients,
            device_keys(worker.db),
            worker.device_id,
            name,
        )
        target.publish(worker.device_id, last + 1, last + 1, ciphertext, signature)

        result = SyncService(supervisor).sync_now()
        assert result.report.refused_moves == 1
        assert result.report.problems == {}
        case_now = CaseService(supervisor).get_case(case)
        assert case_now.status == CaseStatus.RECOMMENDED.value
        assert case_now.fields.family_name == "Leapfrog"
    finally:
        supervisor.close()
        worker.close()


def test_append_only_records_refuse_content_changes_even_in_raw_sql(tmp_path: Path) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    from restart_desktop.app.notes import DraftFields, NoteService

    team = make_team(tmp_path / "team", workers=1)
    worker = team.laptops[1].open()
    try:
        case = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Inked"))
            .case_id
        )
        note = NoteService(worker).finalise(
            DraftFields(person_id=case, contact_at=local(2026, 11, 20, 9), text="Fictional"),
            confirmed=True,
        )
        with pytest.raises(DBAPIError, match="append-only"), worker.db.write() as s:
            s.execute(
                text("UPDATE contact_notes SET text = 'changed' WHERE id = :id"), {"id": note}
            )
        # Bookkeeping may settle (sync: the first laptop to create a shared snapshot).
        with worker.db.write() as s:
            s.execute(
                text("UPDATE contact_notes SET last_change_id = 'x:1' WHERE id = :id"), {"id": note}
            )
    finally:
        worker.close()


def test_a_laptop_joining_later_reads_the_history_once_the_others_have_synced(
    tmp_path: Path, fast_kdf: object, organisation_code: str
) -> None:
    from restart_desktop.app.session import enrol
    from restart_desktop.domain.case import Role
    from restart_desktop.paths import DataPaths

    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    # A partner team leader joining: a supervisor's laptop receives every case of the team.
    newcomer = enrol(
        DataPaths(tmp_path / "newcomer"),
        name="Team leader (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,  # type: ignore[arg-type]
    )
    try:
        CaseService(worker).create_case(CaseFields(given_name="Testy", family_name="Earlier"))
        for session in (worker, supervisor):
            SyncService(session).sync_now()
        old = sorted(p.name for p in team.export.glob("devices/*/*-*.age"))

        SyncService(newcomer).request_to_join(team.export)
        SyncService(supervisor).approve(newcomer.device_id)
        before = SyncService(newcomer).sync_now()
        assert before.report.quarantined == 2  # encrypted before it joined: not readable yet
        for session in (worker, supervisor):  # their next sync re-encrypts their history
            SyncService(session).sync_now()
        now = sorted(
            p.name
            for p in team.export.glob("devices/*/*-*.age")
            if p.parent.name != newcomer.device_id
        )
        assert now == [name.replace(".age", ".2.age") for name in old]  # the old ones gone

        after = SyncService(newcomer).sync_now()
        assert after.report.problems == {}
        with newcomer.db.read() as s:
            assert s.scalars(select(Person.family_name)).all() == ["Earlier"]
        # Laptops that had read the first generation take nothing twice.
        assert SyncService(supervisor).sync_now().report.applied == 0
        assert_same_as_supervisor(supervisor, newcomer)
    finally:
        for session in (supervisor, worker, newcomer):
            session.close()
