"""Publishing this laptop's bundles again as their next generation: encrypted to the
audiences of now (a case moved, the team changed), or without the changes of cases erased
here under the retention rule. The older generation goes once the new one is complete.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable

from sqlalchemy import delete, select

from restart_desktop.store.models import (
    Change,
    LocalSetting,
    SyncAudienceMove,
    SyncErasedSeq,
    SyncPublished,
)
from restart_desktop.sync.errors import Cancelled, stop_if
from restart_desktop.sync.folder import Published
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.publish import lines_in, publish_lines
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

#: The team's audiences (devices, workers, roles, keys) this laptop's bundles are encrypted
#: for (before format 3: the list of recipients)
ENCRYPTED_FOR = "sync_encrypted_for"
#: A re-encryption for a changed team stopped by the user: [the team's fingerprint, the last
#: sequence of the bundles done], so that the next sync goes on from there ("" when none).
ENCRYPTING_FOR = "sync_encrypting_for"


def _republish(laptop: Laptop, target: Target, item: Published, roster: Roster) -> bool:
    """Publish a bundle of this laptop again as the next generation (from the changes held
    now: a change of a case erased since, as a stub), and retire the older one once the new
    one is complete. False (and nothing done) when this laptop does not hold the whole range
    (a restored copy?): not its to redo."""
    with laptop.db.read() as s:
        ours = s.get(SyncPublished, (item.from_seq, item.to_seq)) is not None
        lines = lines_in(
            s, item.device_id, item.from_seq, item.to_seq, stubs_upto=item.to_seq if ours else 0
        )
    if len(lines) != item.to_seq - item.from_seq + 1:
        return False
    publish_lines(laptop, target, roster, lines, item.generation + 1)
    target.retire(item)
    return True


def scrub_published(
    laptop: Laptop, target: Target, roster: Roster, cancelled: Callable[[], bool] | None = None
) -> int:
    """Publish again, without them, the bundles holding this laptop's changes of cases
    erased under the retention rule (the older generation is removed once the new one is
    complete), so that the central export no longer holds the case. The user can stop it
    between two bundles (``cancelled``: Cancelled); the rest is done at the next sync.
    Returns the bundles re-published."""
    with laptop.db.read() as s:
        pending = sorted(s.scalars(select(SyncErasedSeq.seq)))
    if not pending:
        return 0
    device = laptop.device_id
    count = 0
    for item in target.published(device):
        if any(item.from_seq <= seq <= item.to_seq for seq in pending):
            stop_if(cancelled)
            count += _republish(laptop, target, item, roster)
    # Done with every one published by now (in a bundle published again, as a stub, or in a
    # bundle that is not this laptop's to redo); the later ones go out as stubs.
    last = target.last_published_seq(device)
    with laptop.db.write() as s:
        s.execute(delete(SyncErasedSeq).where(SyncErasedSeq.seq <= last))
    return count


def _team_fingerprint(roster: Roster) -> str:
    """What the audiences of this laptop's bundles depend on in the roster."""
    return json.dumps(
        {
            "format": 3,
            "recovery": roster.recovery_recipient,
            "members": sorted(
                [m.device_id, m.worker_id, m.role, m.age_recipient] for m in roster.members
            ),
        },
        sort_keys=True,
    )


def rekey_published(
    laptop: Laptop, target: Target, roster: Roster, cancelled: Callable[[], bool] | None = None
) -> int:
    """Publish again, as the next generation encrypted to the audiences of now, this
    laptop's bundles whose audiences have changed: every one when the team changed (a member
    added or removed, a new supervisor, a replacement laptop: and once, as format 3, after
    the upgrade from format 2), otherwise those holding changes of a case allocated, handed
    over or shared since (``sync_audience_moves``). The older generation is removed once the
    new one is complete. The user can stop it between two bundles (``cancelled``:
    Cancelled); the next sync starts it again. Returns the bundles published again."""
    wanted = _team_fingerprint(roster)
    with laptop.db.read() as s:  # one read: this runs at every sync
        moved = sorted(s.scalars(select(SyncAudienceMove.case_id)))
        encrypted_for = s.get(LocalSetting, ENCRYPTED_FOR)
    device = laptop.device_id
    count = 0
    if wanted != (encrypted_for.value if encrypted_for else ""):
        count = _rekey_every_bundle(laptop, target, roster, wanted, cancelled)
    elif moved:
        seqs: set[int] = set()
        with laptop.db.read() as s:
            for start in range(0, len(moved), 500):
                seqs.update(
                    s.scalars(
                        select(Change.seq).where(
                            Change.device_id == device,
                            Change.case_id.in_(moved[start : start + 500]),
                        )
                    )
                )
        if seqs:
            ordered = sorted(seqs)
            for item in target.published(device):
                at = bisect.bisect_left(ordered, item.from_seq)
                if at < len(ordered) and ordered[at] <= item.to_seq:
                    stop_if(cancelled)
                    count += _republish(laptop, target, item, roster)
    if moved:
        with laptop.db.write() as s:
            for start in range(0, len(moved), 500):
                s.execute(
                    delete(SyncAudienceMove).where(
                        SyncAudienceMove.case_id.in_(moved[start : start + 500])
                    )
                )
    return count


def _rekey_every_bundle(
    laptop: Laptop,
    target: Target,
    roster: Roster,
    wanted: str,
    cancelled: Callable[[], bool] | None,
) -> int:
    """Every bundle of this laptop published again for the team ``wanted`` (its
    fingerprint), going on from where a stop for the same team left off."""
    done_upto = 0
    stopped = laptop.setting(ENCRYPTING_FOR)
    if stopped:
        fingerprint, upto = json.loads(stopped)
        done_upto = int(upto) if fingerprint == wanted else 0
    count = 0
    for item in target.published(laptop.device_id):  # in sequence order
        if item.to_seq <= done_upto:
            continue
        try:
            stop_if(cancelled)
        except Cancelled:
            laptop.set_setting(ENCRYPTING_FOR, json.dumps([wanted, done_upto]))
            raise
        count += _republish(laptop, target, item, roster)
        done_upto = item.to_seq
    laptop.set_setting(ENCRYPTED_FOR, wanted)
    if stopped:
        laptop.set_setting(ENCRYPTING_FOR, "")
    return count
