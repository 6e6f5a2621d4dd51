"""The digest follows the changes written since the last one (issue 24): a new note costs
its own changes, not the database; and it always equals the digest worked out from scratch,
and the supervisor's laptop, working it out for the worker, agrees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.sync import SyncService, holdings
from restart_desktop.app.sync_digest import bring_up_to_date, reset
from restart_desktop.store.models import Change
from tests.support.team import make_team


def test_a_new_note_costs_its_own_changes_and_the_digest_is_the_same_as_from_scratch(
    tmp_path: Path,
) -> None:
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        cases = CaseService(worker)
        made = [cases.create_case(CaseFields(given_name="Testy", family_name=f"Digest{n}"))
                .case_id for n in range(5)]  # fmt: skip
        for session in (worker, supervisor, worker):
            SyncService(session).sync_now(check_digests=True)
        before = holdings(worker)
        with worker.db.read() as s:
            held = int(s.execute(select(func.count()).select_from(Change)).scalar_one())
            changes_before = int(s.execute(select(func.max(Change.seq))).scalar_one())
        NoteService(worker).finalise(DraftFields(
            person_id=made[0], contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
            text="Fictional contact for the digest"), confirmed=True)  # fmt: skip
        with worker.db.read() as s:
            new = int(s.execute(select(func.count()).select_from(Change)).scalar_one()) - held
        with worker.db.write() as s:
            taken_in = bring_up_to_date(s, worker.clock.today())
        assert 0 < taken_in == new < held  # the note's changes, not the database's
        after = holdings(worker)
        assert after["changes"] != before["changes"] and after["state"] != before["state"]
        assert changes_before > 0

        with worker.db.write() as s:
            reset(s)
        assert holdings(worker) == after  # worked out from scratch: the same
        for session in (worker, supervisor, worker, supervisor):  # both digests compared
            result = SyncService(session).sync_now(check_digests=True)
        assert result.differs_from == ()
    finally:
        supervisor.close()
        worker.close()
