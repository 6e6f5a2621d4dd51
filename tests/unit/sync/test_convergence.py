"""Three laptops, one central export folder, random work on each and syncs in random orders,
with bundles delivered late (hidden during a sync, then back) and delivered twice (a laptop
forgets how far it had read), and the supervisor allocating, handing over and sharing cases:
once everyone has synced, each worker's laptop holds exactly the supervisor's records of the
worker's cases (column for column, with the same conflicts and the same value shown) and
every team record.

Through a folder and through a PostgreSQL server (the private test cluster): 200 and 25
examples in the suite (a server's run copies a database per example); ``pytest -m slow`` runs
1,000 and 250.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import ALLOWED_TRANSITIONS, CaseStatus
from restart_desktop.store.models import Person, SyncPeer, SyncPending
from tests.support.clock import local
from tests.support.pg_cluster import Cluster
from tests.support.team import Team, assert_same_as_supervisor, bundle_late, make_team

EXAMPLES = int(os.environ.get("RESTART_CONVERGENCE_EXAMPLES", "200"))
SERVER_EXAMPLES = int(os.environ.get("RESTART_CONVERGENCE_SERVER_EXAMPLES", "25"))

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "new_case",
                "edit",
                "edit",
                "status",
                "note",
                "sync",
                "sync",
                "sync_late",
                "forget",
                "resolve",
                "allocate",
                "share",
            ]
        ),
        st.integers(0, 2),  # laptop
        st.integers(0, 50),  # which case / which other laptop / which conflict
        st.integers(0, 50),  # which field / value / option
    ),
    min_size=1,
    max_size=10,
)

NUMBERS = ["A1111AA", "B2222BB", "C3333CC"]
PRISONS = ["", "BNI", "HMP"]


@pytest.fixture
def team(tmp_path: Path) -> Team:
    """The three laptops and a folder, having synced once (they know each other's worker
    records)."""
    return _synced_team(make_team(tmp_path / "template"))


@pytest.fixture
def server_team(tmp_path: Path, pg_cluster: Cluster) -> Team:
    """The same with a central server (a database of the private test cluster)."""
    server = pg_cluster.conninfo(pg_cluster.new_database())
    return _synced_team(make_team(tmp_path / "template", server=server))


def _synced_team(template: Team) -> Team:
    sessions = [laptop.open() for laptop in template.laptops]
    try:
        for session in sessions * 2:
            SyncService(session).sync_now()
    finally:
        for session in sessions:
            session.close()
    return template


def _cases(session: AppSession) -> list[str]:
    with session.db.read() as s:
        return list(s.scalars(select(Person.id).order_by(Person.id)))


def _act(team: Team, sessions: list[AppSession], op: tuple[str, int, int, int]) -> None:
    kind, which, pick, value = op
    session = sessions[which]
    cases, sync = CaseService(session), SyncService(session)
    ids = _cases(session)
    case = ids[pick % len(ids)] if ids else None
    try:
        if kind == "new_case" or (case is None and kind in ("edit", "status", "note")):
            cases.create_case(CaseFields(given_name="Testy", family_name=f"Conv{pick}"))
        elif kind == "edit" and case is not None:
            fields = cases.get_case(case).fields
            changed = [
                replace(fields, nomis_number=NUMBERS[value % 3]),
                replace(fields, iom=not fields.iom),
                replace(fields, crn=f"X{value:06d}"),
                replace(fields, release_date=dt.date(2026, 12, 1 + value % 20)),
            ][pick % 4]
            cases.update_case(case, changed, "Fictional reason")
        elif kind == "status" and case is not None:
            now = CaseStatus(cases.get_case(case).status)
            options = sorted(ALLOWED_TRANSITIONS[now])
            cases.change_status(
                case, options[value % len(options)], "Test move", "support_completed"
            )  # the closure reason, when closing
        elif kind == "note" and case is not None:
            NoteService(session).finalise(
                DraftFields(
                    person_id=case,
                    contact_at=local(2026, 11, 20, 10, value % 60),
                    text=f"Fictional contact {value}",
                ),
                confirmed=True,
            )
        elif kind in ("allocate", "share"):  # the supervisor's decisions
            lead = sessions[0]
            own = _cases(lead)
            if own:
                worker = sessions[1 + value % 2].worker.id
                CaseService(lead).allocate(
                    own[pick % len(own)], worker, "Fictional handover note", share=kind == "share"
                )
        elif kind == "sync":
            sync.sync_now()
        elif kind == "sync_late":
            _sync_with_a_bundle_late(team, sync, team.laptops[pick % 3].device_id)
        elif kind == "forget":
            with session.db.write() as s:
                s.execute(update(SyncPeer).values(high_water=0))
            sync.sync_now()
        elif kind == "resolve":
            conflicts = sync.conflicts()
            if conflicts:
                conflict = conflicts[pick % len(conflicts)]
                option = conflict.options[value % len(conflict.options)]
                sync.resolve(conflict.record_id, conflict.field, option.change_id)
    except UserError:
        pass  # refused with a message, as a worker would see it: nothing written


def _sync_with_a_bundle_late(team: Team, sync: SyncService, device_id: str) -> None:
    """Sync while a laptop's newest bundle has not reached this copy of the export yet (a
    cloud folder still downloading). When it is the syncing laptop's own, it publishes its
    changes again from there: a bundle overlapping one already out."""
    if team.server:
        with bundle_late(team, device_id):
            sync.sync_now()
        return
    bundles = sorted((team.export / "devices" / device_id).glob("*-*.age"))
    if not bundles:
        sync.sync_now()
        return
    newest = bundles[-1]
    aside = team.root / f"late-{newest.name}"
    shutil.move(str(newest), str(aside))
    try:
        sync.sync_now()
    finally:
        if newest.exists():  # published again under the very same name: the same changes
            aside.unlink()
        else:
            shutil.move(str(aside), str(newest))


def _settle_everyone(sessions: list[AppSession]) -> None:
    """Everyone syncs twice; then each worker's laptop holds exactly the supervisor's records
    of the worker's cases (and all team records), with the same conflicts."""
    for _round in range(2):  # (digests are compared in test_safety_net)
        for session in sessions:
            result = SyncService(session).sync_now()
            assert result.report.problems == {}
    for session in sessions:
        with session.db.read() as s:
            assert s.scalars(select(SyncPending)).all() == []
    for other in sessions[1:]:
        assert_same_as_supervisor(sessions[0], other)


def _check(template: Team, root: Path, ops: list[tuple[str, int, int, int]]) -> None:
    team = template.copy_to(root)
    # One session per laptop for the whole example (as the app keeps one while unlocked).
    sessions = [laptop.open() for laptop in team.laptops]
    try:
        for op in ops:
            _act(team, sessions, op)
        _settle_everyone(sessions)
    finally:
        for session in sessions:
            session.close()
        team.discard()


_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@pytest.mark.long
@settings(max_examples=EXAMPLES, **_SETTINGS)  # type: ignore[arg-type]
@given(ops=OPS)
def test_every_laptop_ends_with_the_same_records_and_conflicts(
    team: Team, tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    _check(team, tmp_path / "run", ops)


@pytest.mark.long
@settings(max_examples=SERVER_EXAMPLES, **_SETTINGS)  # type: ignore[arg-type]
@given(ops=OPS)
def test_every_laptop_ends_with_the_same_records_through_a_server(
    server_team: Team, tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    _check(server_team, tmp_path / "run", ops)


@pytest.mark.slow
@settings(max_examples=1000, **_SETTINGS)  # type: ignore[arg-type]
@given(ops=OPS)
def test_every_laptop_converges_over_many_more_examples(
    team: Team, tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    _check(team, tmp_path / "run", ops)


@pytest.mark.slow
@settings(max_examples=SERVER_EXAMPLES * 10, **_SETTINGS)  # type: ignore[arg-type]
@given(ops=OPS)
def test_every_laptop_converges_through_a_server_over_many_more_examples(
    server_team: Team, tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    _check(server_team, tmp_path / "run", ops)
