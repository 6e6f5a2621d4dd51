"""Need to know in the cryptography, as a property: a supervisor and two workers, one central
export folder, random sequences of cases recorded, notes written, allocations, handovers,
shares and cases taken back, and syncs in random orders. Once everyone has synced, every
part of every bundle opens with exactly the keys of the devices entitled to its changes (by
the supervisor's records: the case's allocated and shared workers, or the worker who
recorded it while it is allocated to nobody; every supervisor; for a team record, everyone)
and of the laptop that wrote it, and with the recovery identity; and every worker's laptop
holds exactly the supervisor's records of its cases.

25 examples in the suite (``RESTART_NEED_TO_KNOW_EXAMPLES`` for more), about 15 s of CPU: a
property run, marked ``long`` so that `make test-fast` leaves it out and `make test` runs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.store.models import Handover, Person
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, open_sealed
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.parts import decode_part, manifest_of
from restart_desktop.sync.roster import Roster
from tests.support.clock import local
from tests.support.team import Team, assert_same_as_supervisor, make_team

EXAMPLES = int(os.environ.get("RESTART_NEED_TO_KNOW_EXAMPLES", "25"))
RECOVERY = DeviceKeys.generate()  # the team's recovery identity, for every example

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["new_case", "note", "allocate", "handover", "share", "take_back", "sync", "sync"]
        ),
        st.integers(0, 2),  # laptop
        st.integers(0, 50),  # which case
        st.integers(0, 1),  # which worker
    ),
    min_size=1,
    max_size=10,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Team:
    team = make_team(tmp_path_factory.mktemp("need-to-know") / "template", recovery=RECOVERY)
    sessions = [laptop.open() for laptop in team.laptops]
    try:
        for session in sessions * 2:
            SyncService(session).sync_now()
    finally:
        for session in sessions:
            session.close()
    return team


def _cases(session: AppSession) -> list[str]:
    with session.db.read() as s:
        return list(s.scalars(select(Person.id).order_by(Person.id)))


def _act(sessions: list[AppSession], op: tuple[str, int, int, int]) -> None:
    kind, which, pick, worker = op
    session, lead = sessions[which], sessions[0]
    ids = _cases(lead if kind in ("allocate", "handover", "share", "take_back") else session)
    case = ids[pick % len(ids)] if ids else None
    to = sessions[1 + worker].worker.id
    cases = CaseService(lead)
    try:
        if kind == "new_case" or case is None:
            CaseService(session).create_case(
                CaseFields(given_name="Testy", family_name=f"Known{pick}")
            )
        elif kind == "note":
            NoteService(session).finalise(
                DraftFields(
                    person_id=case,
                    contact_at=local(2026, 11, 20, 10, pick),
                    text=f"Fictional contact {pick}",
                ),
                confirmed=True,
            )
        elif kind in ("allocate", "handover"):
            cases.allocate(case, to, "Fictional allocation note")
        elif kind == "share":
            cases.allocate(case, to, "Fictional: meets him at the gate", share=True)
        elif kind == "take_back":
            cases.allocate(case, None, "Fictional: allocated in error")
        elif kind == "sync":
            SyncService(session).sync_now()
    except UserError:
        pass  # refused with a message (already allocated, already shared): nothing written


def _entitled(lead: AppSession, roster: Roster, writer: str, change: dict[str, object]) -> set[str]:
    everyone = {m.device_id for m in roster.members}
    if not change.get("case_id"):
        return everyone
    with lead.db.read() as s:
        person = s.get(Person, change["case_id"])
        shared = set(
            s.scalars(
                select(Handover.to_worker_id).where(
                    Handover.person_id == change["case_id"], Handover.kind == "share"
                )
            )
        )
    assert person is not None
    workers = shared | {person.allocated_worker_id or person.created_by}
    return {writer} | {
        m.device_id
        for m in roster.members
        if m.role == Role.SUPERVISOR.value or m.worker_id in workers
    }


def _check_export(export: Path, sessions: list[AppSession]) -> None:
    roster = Roster.from_json((export / "roster.json").read_bytes())
    keys = {session.device_id: device_keys(session.db) for session in sessions}
    for path in sorted(export.glob("devices/*/*-*.age")):
        manifest = manifest_of(open_sealed(path.read_bytes(), RECOVERY))
        assert manifest is not None
        for entry in manifest.parts:
            data = (path.parent / "parts" / entry.name).read_bytes()
            opens = set()
            for device, key in keys.items():
                try:
                    open_sealed(data, key)
                    opens.add(device)
                except EnvelopeError:
                    pass
            plain = open_sealed(data, RECOVERY)  # the recovery identity opens every part
            for change in decode_part(
                plain, manifest.device_id, entry, manifest.from_seq, manifest.to_seq
            ):
                expected = _entitled(sessions[0], roster, path.parent.name, dict(change))
                assert opens == expected, (change["entity"], change["case_id"])


@pytest.mark.long
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_every_part_opens_for_exactly_its_audience(
    template: Team, tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    team = template.copy_to(tmp_path / "run")
    sessions = [laptop.open() for laptop in team.laptops]
    try:
        for op in ops:
            _act(sessions, op)
        for _round in range(2):
            for session in sessions:
                assert SyncService(session).sync_now().report.problems == {}
        _check_export(team.export, sessions)
        for other in sessions[1:]:
            assert_same_as_supervisor(sessions[0], other)
    finally:
        for session in sessions:
            session.close()
