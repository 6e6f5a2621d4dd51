"""Sync killed with SIGKILL at random moments, again and again: no change lost, none applied
twice, and never a partial bundle under its final name. Through a folder and through a
PostgreSQL server (the private test cluster): 200 and 50 kills in the suite; ``pytest -m slow``
runs 2,000 and 500 (RESTART_KILL_RUNS sets any other number)."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from pathlib import Path

import pytest

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.sync import SyncService
from restart_desktop.sync.folder import Published
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.read import read_bundle
from restart_desktop.sync.roster import Roster
from tests.support.clock import local
from tests.support.sync_child import sync_laptops
from tests.support.team import Team, assert_same_as_supervisor, assert_same_changes, make_team

pytestmark = pytest.mark.e2e


def _kill_runs(team: Team, runs: int, seed: int) -> int:
    """Returns how many runs were killed before the sync finished."""
    rng = random.Random(seed)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["restart_desktop.app.sync", "tests.support.sync_child"])
    worker, supervisor = team.laptops[1], team.laptops[0]
    target = team.admin_target()
    session = supervisor.open()
    try:
        keys = device_keys(session.db)
    finally:
        session.close()
    roster = Roster.from_json((target.read_roster() or (b"", b""))[0])
    checked: set[Published] = set()
    laptops = [(str(lap.paths.root), lap.key) for lap in (worker, supervisor)]
    longest = 0.3
    killed = 0
    for run in range(runs):
        session = worker.open()
        try:
            for _ in range(rng.randint(1, 3)):
                case = (
                    CaseService(session)
                    .create_case(CaseFields(given_name="Testy", family_name=f"Killson{run}"))
                    .case_id
                )
                if rng.random() < 0.5:
                    NoteService(session).finalise(
                        DraftFields(
                            person_id=case,
                            contact_at=local(2026, 11, 20, 10, 0),
                            text=f"Fictional note {run}",
                        ),
                        confirmed=True,
                    )
        finally:
            session.close()
        child = context.Process(target=sync_laptops, args=(laptops,))
        started = time.monotonic()
        child.start()
        child.join(rng.uniform(0, longest))
        if child.is_alive():
            child.kill()  # SIGKILL
            killed += 1
        else:
            longest = max(longest, time.monotonic() - started)
        child.join()
        # Every bundle under its final name is whole: signed by its laptop and readable, and
        # of a format 3 one every part it lists (all addressed to the supervisor's laptop).
        for device in target.devices():
            member = roster.member(device)
            assert member is not None
            for bundle in target.bundle_files(device):
                if bundle in checked:
                    continue
                read_bundle(target, member, bundle, keys, supervisor.device_id)
                checked.add(bundle)
        for device in target.devices():  # (a device with no bundle yet: killed before one)
            ranges = [(p.from_seq, p.to_seq) for p in target.published(device)]
            if ranges:
                assert [r[0] for r in ranges] == [1] + [r[1] + 1 for r in ranges[:-1]], ranges

    target.close()
    # Finally an uninterrupted sync each way: both laptops hold every change, once.
    sync_laptops(laptops * 2)
    sessions = [lap.open() for lap in (worker, supervisor)]
    try:
        assert_same_changes(sessions[1], sessions[0])
        assert_same_as_supervisor(sessions[1], sessions[0])
        assert SyncService(sessions[1]).sync_now().report.problems == {}
    finally:
        for session in sessions:
            session.close()
    return killed


#: Kills in the suite and under the slow marker, per kind of central export.
RUNS = {"folder": 200, "postgresql": 50}
SLOW_RUNS = {"folder": 2000, "postgresql": 500}


def test_sync_killed_again_and_again_loses_and_repeats_nothing(
    tmp_path: Path, export_kind: str, server: str | None
) -> None:
    runs = RUNS[export_kind]
    killed = _kill_runs(make_team(tmp_path / "team", workers=1, server=server), runs, seed=7)
    assert killed >= runs * 0.3  # many runs really are cut short, at moments all through


@pytest.mark.slow
def test_sync_killed_thousands_of_times_loses_and_repeats_nothing(
    tmp_path: Path, export_kind: str, server: str | None
) -> None:
    runs = int(os.environ.get("RESTART_KILL_RUNS", str(SLOW_RUNS[export_kind])))
    killed = _kill_runs(make_team(tmp_path / "team", workers=1, server=server), runs, seed=2026)
    print(f"{killed} of {runs} syncs killed before they finished ({export_kind})")
