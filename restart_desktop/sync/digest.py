"""The safety net: each laptop publishes a digest of what it holds (how far it has read each
device, the change ids, the current state of its records) and compares it with the team's;
two laptops that have read the same bundles must agree. The running totals the digests add
up are kept in ``sync.digest_totals``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from restart_desktop.domain.allocation import CaseAudience, receives_case
from restart_desktop.domain.roles import keeps_entity
from restart_desktop.store.changes import utcnow
from restart_desktop.store.erasure import erasures_here
from restart_desktop.store.instants import read_utc
from restart_desktop.store.models import Change, SyncCaseIndex, SyncPeer
from restart_desktop.sync.digest_totals import DIGEST_FORMAT, bring_up_to_date
from restart_desktop.sync.digest_totals import sums as digest_sums
from restart_desktop.sync.envelope import EnvelopeError, open_sealed, seal, verify
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

#: The highest of this laptop's changes a supervisor's laptop has confirmed holding (from its
#: published digest); the retention rules erase a closed case only once it is confirmed.
CONFIRMED_SEQ = "retention_confirmed_seq"

DIGEST_NAME = "digest.age"
OWN_DIGEST = "sync_own_digest"  # the digest this laptop last published (JSON)
DIGEST_AT = "sync_digest_at"  # when it was worked out (ISO, UTC)
#: The digest is kept up to date as changes are written (``sync/digest_totals.py``: milliseconds
#: when nothing is new), but publishing it rewrites a file in the export: the window does that
#: this often; ``restart-desktop sync`` at every run.
DIGEST_INTERVAL = dt.timedelta(minutes=30)


def cases_of_worker(s: Session, worker_id: str) -> list[str]:
    """The cases a worker's laptop keeps, by this laptop's case index, less those erased
    from it: by the retention rule, or by one of the worker's laptops as a closed case (while
    it stays closed). The same on the worker's laptop and on a supervisor's."""
    entries = list(s.scalars(select(SyncCaseIndex).order_by(SyncCaseIndex.case_id)))
    erased = erasures_here(s, [entry.case_id for entry in entries], worker_id=worker_id)
    return [
        entry.case_id
        for entry in entries
        if entry.case_id not in erased
        and receives_case(
            worker_id,
            False,
            CaseAudience(entry.created_by, entry.allocated_worker_id, tuple(entry.shared_with)),
        )
    ]


def holdings(laptop: Laptop, today: dt.date, for_worker: str | None = None) -> dict[str, Any]:
    """What this laptop holds: how far it has read each device's bundles, a digest of the
    change ids, and a digest of the current state (every column of every synced record).
    A worker's laptop holds only its cases, so its digest covers those and the team records
    (``worker`` names whose cases); a supervisor's laptop works out the same for a worker
    (``for_worker``) to compare with theirs. Two laptops that have read the same bundles must
    have the same digests over the same cases. The digests are kept up to date from the
    changes written since the last one (``sync.digest_totals``): their cost follows those."""
    while True:  # short transactions: a save made meanwhile goes between them
        with laptop.db.write() as s:
            if not bring_up_to_date(s, today):
                break
    with laptop.db.read() as s:
        me, supervisor, role = laptop.who(s)
        # An allocator's laptop holds the intake of every case and nothing else: its digest
        # covers those kinds of record, and no other laptop compares itself with it.
        intake_only = for_worker is None and not keeps_entity(role, "contact_notes")
        scope_worker = for_worker or (None if supervisor else me)
        cases = cases_of_worker(s, scope_worker) if scope_worker and not intake_only else None
        high_water = {
            peer.device_id: peer.high_water
            for peer in s.scalars(select(SyncPeer))
            if peer.high_water
        }
        own = s.execute(
            select(func.max(Change.seq)).where(Change.device_id == laptop.device_id)
        ).scalar()
        if own:
            high_water[laptop.device_id] = int(own)
        changes, state = digest_sums(s, cases)
    found = {
        "device": laptop.device_id,
        "high_water": high_water,
        "worker": scope_worker,
        "format": DIGEST_FORMAT,
        "changes": changes,
        "state": state,
    }
    if intake_only:
        found["scope"] = "intake"  # an allocator's: what it holds, compared by nobody
    return found


def publish_and_compare_digests(
    laptop: Laptop, target: Target, roster: Roster, today: dt.date, force: bool = False
) -> tuple[str, ...]:
    """Publish this laptop's digest when due (or ``force``) and return the names of the
    team's laptops that hold the same changes but disagree about the current state."""
    now = utcnow()
    last = laptop.setting(DIGEST_AT, "")
    due = not last or now - read_utc(last) >= DIGEST_INTERVAL
    if not (force or due):
        return ()
    own = holdings(laptop, today)
    own_text = json.dumps(own, sort_keys=True)
    keys = laptop.keys
    if own_text != laptop.setting(OWN_DIGEST, ""):
        ciphertext, signature = seal(
            own_text.encode(), roster.recipients, keys, laptop.device_id, DIGEST_NAME
        )
        target.publish_file(laptop.device_id, DIGEST_NAME, ciphertext, signature)
        laptop.set_setting(OWN_DIGEST, own_text)
    laptop.set_setting(DIGEST_AT, now.isoformat())
    differs = []
    for_workers: dict[str, dict[str, Any]] = {}
    for member in roster.members:
        if member.device_id == laptop.device_id:
            continue
        found = target.read_file(member.device_id, DIGEST_NAME)
        if found is None:
            continue
        try:
            verify(found[0], found[1], member.verify_key, member.device_id, DIGEST_NAME)
            theirs = json.loads(open_sealed(found[0], keys))
        except (EnvelopeError, ValueError):
            continue  # an old or damaged digest proves nothing either way
        if "scope" in theirs or "scope" in own:
            continue  # an allocator's laptop holds other kinds of record: nothing to compare
        if theirs.get("worker") is None:  # a supervisor's laptop: it holds every case
            confirmed = theirs.get("high_water", {}).get(laptop.device_id, 0)
            if isinstance(confirmed, int) and confirmed > int(
                laptop.setting(CONFIRMED_SEQ, "0") or 0
            ):
                laptop.set_setting(CONFIRMED_SEQ, str(confirmed))
        mine = own
        if theirs.get("worker") != own["worker"]:
            if own["worker"] is not None or not theirs.get("worker"):
                continue  # a worker's laptop cannot check a supervisor's or another worker's
            worker = str(theirs["worker"])
            if worker not in for_workers:
                for_workers[worker] = holdings(laptop, today, worker)
            mine = for_workers[worker]
        if theirs.get("format", 1) != DIGEST_FORMAT:
            continue  # worked out another way (an earlier version): not comparable
        if theirs.get("high_water") == mine["high_water"] and (
            theirs.get("changes"),
            theirs.get("state"),
        ) != (mine["changes"], mine["state"]):
            differs.append(member.name)
    return tuple(differs)
