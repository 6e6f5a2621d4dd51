"""Sync killed with SIGKILL at random moments, again and again: no change lost, none applied
twice, and never a partial bundle under its final name. 200 kills in the suite; ``pytest -m
slow`` runs 2,000 (RESTART_KILL_RUNS sets any other number)."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from pathlib import Path

import pytest

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.sync import SyncService, device_keys
from restart_desktop.app.sync_read import read_bundle
from restart_desktop.sync.folder import FolderTarget
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
    target = FolderTarget(team.export)
    session = supervisor.open()
    try:
        keys = device_keys(session)
    finally:
        session.close()
    roster = Roster.from_json((team.export / "roster.json").read_bytes())
    checked: set[Path] = set()
    laptops = [(str(lap.paths.root), lap.key) for lap in (worker, supervisor)]
    longest = 0.3
    killed = 0
    for run in range(runs):
        session = worker.open()
        try:
            for _ in range(rng.randint(1, 3)):
                case = CaseService(session).create_case(
                    CaseFields(given_name="Testy", family_name=f"Killson{run}")
                ).case_id
                if rng.random() < 0.5:
                    NoteService(session).finalise(DraftFields(
                        person_id=case, contact_at=local(2026, 11, 20, 10, 0),
                        text=f"Fictional note {run}",
                    ), confirmed=True)  # fmt: skip
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
            for item in target.published(device):
                bundle = team.export / "devices" / device / item.name
                if bundle in checked:
                    continue
                read_bundle(target, member, item, keys, supervisor.device_id)
                checked.add(bundle)
        for device in target.devices():  # (a folder with no bundle yet: killed before one)
            ranges = [(p.from_seq, p.to_seq) for p in target.published(device)]
            if ranges:
                assert [r[0] for r in ranges] == [1] + [r[1] + 1 for r in ranges[:-1]], ranges

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


def test_sync_killed_200_times_loses_and_repeats_nothing(tmp_path: Path) -> None:
    killed = _kill_runs(make_team(tmp_path / "team", workers=1), 200, seed=7)
    assert killed >= 60  # many runs really are cut short, at moments all through the sync


@pytest.mark.slow
def test_sync_killed_2000_times_loses_and_repeats_nothing(tmp_path: Path) -> None:
    runs = int(os.environ.get("RESTART_KILL_RUNS", "2000"))
    killed = _kill_runs(make_team(tmp_path / "team", workers=1), runs, seed=2026)
    print(f"{killed} of {runs} syncs killed before they finished")
