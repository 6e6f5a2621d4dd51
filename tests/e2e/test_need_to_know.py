"""Need to know in the cryptography, through a real central export folder and the standard
`age` tool: a supervisor, two workers and a replacement laptop (real SQLCipher databases),
and after each way a case moves (recorded by a worker, allocation, handover, share, taken
back, erasure, a member added, a replacement laptop taking a worker's cases, a member
removed, a new supervisor) every part of every bundle in the export is tried with every
device's own key and with the recovery identity: each device opens exactly the parts holding
changes it is entitled to (as the supervisor's records say) or wrote itself, and the recovery
identity opens everything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.retention import RetentionService
from restart_desktop.app.session import AppSession, enrol
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.domain.roles import INTAKE_ENTITIES
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import ContactNote, Erasure, Handover, Person, SyncCaseIndex
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.parts import decode_part, manifest_of
from restart_desktop.sync.roster import Roster
from tests.support.bundles import age_opens, keyfile_of, tool
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.support.team import FAST_KDF, make_team

RECOVERY = "recovery"


class Export:
    """The four laptops, open, with the export and a key file per device and the recovery."""

    def __init__(self, root: Path) -> None:
        tool("age")
        self.recovery = DeviceKeys.generate()
        team = make_team(root / "team", workers=2, recovery=self.recovery)
        self.export = team.export
        self.lead, self.first, self.second = (laptop.open() for laptop in team.laptops)
        self.spare = enrol(
            DataPaths(root / "replacement"),
            name="Worker 1 replacement laptop",
            organisation_code=load_reference_data().organisations[0].code,
            role=Role.WORKER,
            passphrase=PASSPHRASE,
            kdf=FAST_KDF,
        )
        self.keys = {RECOVERY: keyfile_of(self.recovery, root / "recovery.key")}
        for session in self.laptops:
            self.keys[session.device_id] = keyfile_of(
                device_keys(session.db), root / f"{session.device_id}.key"
            )
        self.removed: set[str] = set()

    @property
    def laptops(self) -> tuple[AppSession, ...]:
        return (self.lead, self.first, self.second, self.spare)

    def close(self) -> None:
        for session in self.laptops:
            session.close()

    def roster(self) -> Roster:
        return Roster.from_json((self.export / "roster.json").read_bytes())

    def sync(self) -> None:
        """Everyone in the team syncs, twice (a move seen at the first round is published
        again to its new audience in it; the second brings what that published)."""
        members = {m.device_id for m in self.roster().members}
        for _round in range(2):
            for session in self.laptops:
                if session.device_id in members:
                    result = SyncService(session).sync_now()
                    assert result.state == "synced", result
                    assert result.report.problems == {}, result

    def entitled(self, roster: Roster, change: dict[str, object]) -> set[str]:
        """The devices entitled to a change, by the supervisor's records (not the index)."""
        everyone = {m.device_id for m in roster.members}
        if not change.get("case_id"):
            return everyone
        found = {m.device_id for m in roster.members if m.role == Role.SUPERVISOR.value}
        if change["entity"] in INTAKE_ENTITIES:
            found |= {m.device_id for m in roster.members if m.role == Role.ALLOCATOR.value}
        with self.lead.db.read() as s:
            person = s.get(Person, change["case_id"])
            shared = set(
                s.scalars(
                    select(Handover.to_worker_id).where(
                        Handover.person_id == change["case_id"], Handover.kind == "share"
                    )
                )
            )
            erased = s.scalars(
                select(Erasure.rule).where(Erasure.case_id == change["case_id"])
            ).first()
            last = s.get(SyncCaseIndex, change["case_id"])
        if person is None:  # erased: what stays of it (audit entries) keeps its audience
            assert erased == "retention", change
            assert change["entity"] == "audit_entries", change
            assert last is not None
            workers = {*last.shared_with, last.allocated_worker_id or last.created_by}
            return found | {m.device_id for m in roster.members if m.worker_id in workers}
        workers = shared | {person.allocated_worker_id or person.created_by}
        return found | {m.device_id for m in roster.members if m.worker_id in workers}

    def check(self) -> int:
        """Try every key on every manifest and part of the team's devices; returns the
        parts tried."""
        roster = self.roster()
        members = {m.device_id for m in roster.members}
        tried = 0
        for path in sorted(self.export.glob("devices/*/*-*.age")):
            if path.parent.name not in members:
                continue  # a removed laptop's bundles: no reader takes them any more
            manifest_opens = {
                who for who, key in self.keys.items() if age_opens(path, key) is not None
            }
            assert manifest_opens == members | {RECOVERY}, path.name
            manifest = manifest_of(age_opens(path, self.keys[RECOVERY]) or b"")
            assert manifest is not None
            for entry in manifest.parts:
                part = path.parent / "parts" / entry.name
                opens = {who for who, key in self.keys.items() if age_opens(part, key) is not None}
                plain = age_opens(part, self.keys[RECOVERY])
                assert plain is not None, "the recovery identity opens every part"
                for change in decode_part(
                    plain, manifest.device_id, entry, manifest.from_seq, manifest.to_seq
                ):
                    # ... and the laptop that wrote it (it may need it back).
                    expected = self.entitled(roster, dict(change)) | {path.parent.name}
                    assert opens == expected | {RECOVERY}, (change["entity"], part.name)
                    assert set(entry.recipients) == expected
                tried += 1
        return tried


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Export]:
    found = Export(tmp_path)
    try:
        yield found
    finally:
        found.close()


def _note(session: AppSession, case: str, words: str) -> None:
    NoteService(session).finalise(
        DraftFields(
            person_id=case,
            contact_at=local(2026, 11, 20, 10, 30),
            text=f"Fictional: {words}",
        ),
        confirmed=True,
    )


def _notes(session: AppSession, case: str) -> list[str]:
    with session.db.read() as s:
        return sorted(s.scalars(select(ContactNote.text).where(ContactNote.person_id == case)))


def _new(session: AppSession, name: str) -> str:
    return (
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name=name)).case_id
    )


def test_each_device_opens_exactly_what_it_is_entitled_to_as_cases_move(team: Export) -> None:
    lead, first, second, spare = team.laptops
    cases = CaseService(lead)
    team.sync()

    # Recorded by a worker, allocated to nobody: that worker and the supervisors.
    own = _new(first, "Ownrecord")
    _note(first, own, "first visit on the wing")
    kept, moved, shared, erased = (
        _new(lead, name) for name in ("Keptcase", "Movedcase", "Sharedcase", "Erasedcase")
    )
    team.sync()
    assert team.check() > 0

    # Allocation.
    cases.allocate(kept, first.worker.id, "Fictional allocation")
    cases.allocate(moved, first.worker.id, "Fictional allocation")
    cases.allocate(shared, second.worker.id, "Fictional allocation")
    team.sync()
    _note(first, moved, "in-custody visit before the handover")
    _note(second, shared, "gate plan with the second worker")
    team.sync()
    team.check()

    # Handover: the second worker receives the case with the first worker's notes.
    cases.allocate(moved, second.worker.id, "Fictional handover: the first worker is away")
    team.sync()
    team.check()
    assert _notes(second, moved) == ["Fictional: in-custody visit before the handover"]

    # Share: the first worker joins the second's case and reads its history.
    cases.allocate(shared, first.worker.id, "Fictional: meets him at the gate", share=True)
    team.sync()
    team.check()
    assert _notes(first, shared) == ["Fictional: gate plan with the second worker"]

    # Taken back to the unallocated list (the product has no "unshare"): the worker loses it.
    cases.allocate(kept, None, "Fictional: allocated in error")
    team.sync()
    team.check()

    # Erasure under the retention rule: the case's changes leave every part.
    cases.change_status(erased, CaseStatus.ACCEPTED, "Fictional panel")
    cases.change_status(erased, CaseStatus.CLOSED, "Fictional: moved away", "moved_out_of_area")
    later = dt.date.today() + dt.timedelta(days=6 * 366)
    team.sync()
    assert RetentionService(lead, today=lambda: later).run().erased == 1
    team.sync()
    team.check()

    # A member added: the replacement laptop, which opens the team records only...
    SyncService(spare).request_to_join(team.export)
    SyncService(lead).approve(spare.device_id)
    team.sync()
    team.check()
    # ... until it takes over the first worker's case, with its whole history.
    cases.allocate(own, spare.worker.id, "Fictional: the first worker's laptop is replaced")
    team.sync()
    team.check()
    assert _notes(spare, own) == ["Fictional: first visit on the wing"]

    # A member removed: the old laptop opens nothing any more.
    SyncService(lead).remove(first.device_id)
    team.sync()
    team.check()
    roster = team.roster()
    assert first.device_id not in {m.device_id for m in roster.members}

    # A new supervisor: every part is now for the second worker's laptop too.
    SyncService(lead).promote(second.device_id)
    team.sync()
    assert team.check() > 0
