"""A bundle's changes applied as one batch, below the ORM (``sync.apply``, ``store.bulk``,
``store.case_index``): a later change to a field applied in the same batch as the record's
creation and an earlier change wins; two changes to one field that did not see each other,
in the same batch, are kept as a conflict; a case new to the index, created, allocated twice
and shared in one batch, keeps the latest allocation and its share."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from restart_desktop.domain.ids import uuid7
from restart_desktop.store.case_index import note_audiences
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database
from restart_desktop.store.models import (
    Change,
    Person,
    SyncAudienceMove,
    SyncCaseIndex,
    SyncConflict,
)
from restart_desktop.sync.apply import apply_changes
from restart_desktop.sync.publish import changes_in


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two databases: one that writes changes, one that receives them."""
    opened = []
    for name in ("source", "receiver"):
        folder = tmp_path / name
        folder.mkdir()
        actor = Actor(worker_id=uuid7(), device_id=uuid7())
        opened.append(
            Database.open(folder / "restart.db", secrets.token_bytes(32), folder / "b", actor)
        )
    yield opened[0], opened[1]
    for db in opened:
        db.close()


def _case_with_numbers(source: Database, *numbers: str) -> tuple[str, list[dict[str, Any]]]:
    """A case created and its prison number set once per number, each in its own write:
    the case and its changes as published (its records only, not the audit trail's)."""
    with source.write() as s:
        person = Person(given_name="Testy", family_name="Batchson")
        s.add(person)
    for number in numbers:
        with source.write() as s:
            found = s.get(Person, person.id)
            assert found is not None
            found.nomis_number = number
    assert source.actor is not None
    with source.read() as s:
        last = int(s.execute(select(func.max(Change.seq))).scalar_one())
        raws = changes_in(s, source.actor.device_id, 1, last)
    return person.id, [raw for raw in raws if raw["entity"] == Person.__tablename__]


def test_a_later_change_in_the_same_batch_wins(laptops: tuple[Database, Database]) -> None:
    source, receiver = laptops
    case, raws = _case_with_numbers(source, "A1111AA", "B2222BB")
    assert len(raws) == 3

    with receiver.write() as s:
        applied = apply_changes(s, raws)

    assert (applied.applied, applied.held) == (3, 0)
    with receiver.read() as s:
        person = s.get(Person, case)
        assert person is not None
        assert person.nomis_number == "B2222BB"
        assert person.last_change_id == raws[-1]["change_id"]
        assert s.scalars(select(SyncConflict)).all() == []
    with receiver.write() as s:  # the same batch again: every change already held
        again = apply_changes(s, raws)
    assert (again.applied, again.held) == (0, 3)


def test_a_conflict_within_one_batch_is_kept(laptops: tuple[Database, Database]) -> None:
    source, receiver = laptops
    case, (created, first, second) = _case_with_numbers(source, "A1111AA", "B2222BB")
    # The second edit as if made on another laptop that saw only the creation: it and the
    # first edit both set the number without seeing each other.
    other = uuid7()
    concurrent = {
        **second,
        "change_id": f"{other}:1",
        "device_id": other,
        "seq": 1,
        "base_change_id": created["change_id"],
        "bases": [created["change_id"]],
    }

    with receiver.write() as s:
        applied = apply_changes(s, [created, first, concurrent])

    assert applied.applied == 3
    with receiver.read() as s:
        (conflict,) = s.scalars(select(SyncConflict)).all()
        assert (conflict.record_id, conflict.field) == (case, "nomis_number")
        assert conflict.change_ids == [first["change_id"], concurrent["change_id"]]
        assert conflict.values == ["A1111AA", "B2222BB"]
        assert conflict.winner_change_id == concurrent["change_id"]  # the later clock
        person = s.get(Person, case)
        assert person is not None
        assert person.nomis_number == "B2222BB"


def test_a_new_case_indexed_from_one_batch_keeps_its_latest_allocation(
    laptops: tuple[Database, Database],
) -> None:
    _, receiver = laptops
    case, author, first, second, shared, older = (uuid7() for _ in range(6))

    def people(hlc: str, **fields: Any) -> dict[str, Any]:
        return {
            "entity": "people",
            "record_id": case,
            "fields": fields,
            "hlc": hlc,
            "author_id": author,
        }

    share = {
        "entity": "handovers",
        "record_id": uuid7(),
        "fields": {"person_id": case, "kind": "share", "to_worker_id": shared},
        "hlc": "0003",
        "author_id": author,
    }
    with receiver.write() as s:
        note_audiences(
            s,
            [
                people("0001", given_name="Testy", allocated_worker_id=first),
                people("0004", allocated_worker_id=second),
                share,
                people("0002", allocated_worker_id=older),  # arrived late: older
            ],
        )
    with receiver.write() as s:  # the entry held now: a still older allocation changes nothing
        note_audiences(s, [people("0000", allocated_worker_id=older)])

    with receiver.read() as s:
        entry = s.get(SyncCaseIndex, case)
        assert entry is not None
        assert (entry.created_by, entry.allocated_worker_id, entry.allocated_hlc) == (
            author,
            second,
            "0004",
        )
        assert (entry.shared_with, entry.closed) == ([shared], False)
        assert list(s.scalars(select(SyncAudienceMove.case_id))) == [case]
