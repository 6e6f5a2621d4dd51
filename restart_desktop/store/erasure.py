"""Erasing cases for real: every row of the case (the person, notes and addenda with their
search index entries, release plans, referrals, assessments, reviews, handovers, field history,
drafts), its changes and the sync bookkeeping about its records, in the caller's transaction;
then ``compact`` gives the freed (overwritten) pages back, so that no page keeps them.

What stays: the tombstone (``Erasure``: the case id, when, which rule), the audit trail's
entries about the case (ids and actions only, never content: the chains must still verify),
and the case index row (ids only), so that a change arriving later for the case is not kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from restart_desktop.domain.retention import ErasureRule
from restart_desktop.store.batches import batches
from restart_desktop.store.changes import ERASED_SEQ_FLOOR, note_touched
from restart_desktop.store.models import (
    AuditEntry,
    Base,
    Change,
    Erasure,
    LocalSetting,
    Person,
    SyncCaseIndex,
    SyncConflict,
    SyncErasedSeq,
    SyncPending,
    SyncSkipped,
)

#: A change of an erased case in a bundle published again: it keeps the sequence unbroken
#: and says nothing else (``sync.apply`` skips it).
ERASED_ENTITY = "erased"
#: The cases erased since the sync digest last looked, and the highest change row left then
#: (JSON): the digest takes their changes and records out of its running totals
#: (``sync.digest_totals``), and reads again the change rows written after it.
DIGEST_ERASED = "sync_digest_erased"


def erasures_here(
    s: Session,
    case_ids: Iterable[str],
    *,
    device_id: str | None = None,
    worker_id: str | None = None,
) -> dict[str, ErasureRule]:
    """Which of ``case_ids`` a laptop does not keep, and why: erased under the retention rule
    (everywhere, for good), or erased from the laptop (this ``device_id``, or any laptop of
    ``worker_id``: how a supervisor's laptop sees a worker's) as a closed case and still
    closed (reopened, it comes back with its history)."""
    by = Erasure.device_id == device_id if worker_id is None else Erasure.created_by == worker_id
    found: dict[str, ErasureRule] = {}
    for batch in batches(sorted(set(case_ids))):
        rows = s.execute(
            select(Erasure.case_id, Erasure.rule).where(
                Erasure.case_id.in_(batch),
                or_(
                    Erasure.rule == ErasureRule.RETENTION.value,
                    (Erasure.rule == ErasureRule.LAPTOP.value) & by,
                ),
            )
        ).all()
        laptop = [case for case, rule in rows if rule == ErasureRule.LAPTOP.value]
        closed = (
            set(
                s.scalars(
                    select(SyncCaseIndex.case_id).where(
                        SyncCaseIndex.case_id.in_(laptop), SyncCaseIndex.closed
                    )
                )
            )
            if laptop
            else set()
        )
        for case, rule in rows:
            if rule == ErasureRule.RETENTION.value:
                found[case] = ErasureRule.RETENTION
            elif case in closed and case not in found:
                found[case] = ErasureRule.LAPTOP
    return found


def erase_cases(  # noqa: C901 - one transaction over every table, in foreign-key order
    s: Session, case_ids: Sequence[str], own_device: str, scrub: bool, optimize: bool = True
) -> None:
    """Delete every row of the cases (see the module's docstring). ``scrub``: remember this
    device's changes of the cases so that the bundles it published are published again
    without them (the retention rule: erased from the central export too). ``optimize``:
    rewrite the search index now (a caller erasing in batches does it once at the end)."""
    person_tables = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if "person_id" in t.columns and t.name != AuditEntry.__tablename__
    ]
    # The search index's delete triggers look a row up by an unindexed column: a scan of the
    # whole index per deleted note (minutes for a batch). They are set aside for this
    # transaction (their own SQL, kept and put back before it commits) and the case's entries
    # deleted in one statement per batch instead.
    triggers = s.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
            "('contact_notes_search_delete', 'addenda_search_delete')"
        )
    ).all()
    for name, _sql in triggers:
        s.connection().exec_driver_sql(f'DROP TRIGGER "{name}"')
    for chunk in batches(list(case_ids)):
        of_cases = Change.case_id.in_(chunk) & (Change.entity != AuditEntry.__tablename__)
        # Read once. The device is compared here, not in SQL: there SQLite would walk the
        # device's whole (device, seq) index rather than the case index.
        held = s.execute(
            select(
                Change.case_id, Change.record_id, Change.device_id, Change.seq, Change.hlc
            ).where(of_cases)
        ).all()
        records = set(chunk) | {row.record_id for row in held}
        own = [(row.seq, row.hlc) for row in held if row.device_id == own_device]
        if own:
            floor = s.get(LocalSetting, ERASED_SEQ_FLOOR)
            highest = max(seq for seq, _ in own)
            if floor is None or int(floor.value) < highest:
                s.merge(LocalSetting(key=ERASED_SEQ_FLOOR, value=str(highest)))
        if scrub:
            for seq, hlc in own:
                s.merge(SyncErasedSeq(seq=seq, hlc=hlc))
        else:
            # Erased from this laptop only: should the case come back (reopened, handed
            # back), the bundles holding its history are read again (``fetch_skipped``).
            spans: dict[tuple[str, str], list[int]] = {}
            for row in held:
                spans.setdefault((row.case_id, row.device_id), []).append(row.seq)
            for (case, device), seqs in spans.items():
                s.merge(
                    SyncSkipped(
                        case_id=case, device_id=device, from_seq=min(seqs), to_seq=max(seqs)
                    )
                )
        ids = sorted(records)
        for part in batches(ids):
            s.execute(delete(SyncConflict).where(SyncConflict.record_id.in_(part)))
            s.execute(delete(SyncPending).where(SyncPending.record_id.in_(part)))
        if scrub:
            s.execute(delete(SyncSkipped).where(SyncSkipped.case_id.in_(chunk)))
        s.execute(
            text("DELETE FROM note_search WHERE person_id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(list(chunk))},
        )
        for table in person_tables:  # children first: foreign keys hold at every step
            s.execute(delete(table).where(table.c.person_id.in_(chunk)))
        s.execute(delete(Person).where(Person.id.in_(chunk)))
        for case in chunk:  # every open view of the case hears it is gone
            for name in (*(t.name for t in person_tables), Person.__tablename__):
                note_touched(s, case, name)
        s.execute(delete(Change).where(of_cases))
    _tell_digest(s, case_ids)
    for _name, sql in triggers:
        s.connection().exec_driver_sql(sql)  # as written by the migration, not re-typed
    if optimize:
        optimize_search_index(s)


def _tell_digest(s: Session, case_ids: Sequence[str]) -> None:
    """Leave the erased cases for the sync digest, with the highest change row left: SQLite
    may give a row written next a number the digest has already read past."""
    found = s.get(LocalSetting, DIGEST_ERASED)
    before = json.loads(found.value) if found is not None else {"cases": [], "rowid": None}
    highest = int(s.execute(text("SELECT coalesce(max(rowid), 0) FROM changes")).scalar_one())
    if before["rowid"] is not None:
        highest = min(highest, int(before["rowid"]))
    cases = sorted({*before["cases"], *case_ids})
    s.merge(LocalSetting(key=DIGEST_ERASED, value=json.dumps({"cases": cases, "rowid": highest})))


def optimize_search_index(s: Session) -> None:
    """The full-text index keeps deleted entries in its segments until they are merged:
    merge them now, so the erased words are gone from the index's own pages too."""
    s.execute(text("INSERT INTO note_search(note_search) VALUES ('optimize')"))
