"""The audit trail: recording who looked at what (writes are recorded by the change hook,
``store.changes``), checking the chain of every device, and reading the trail for a
supervisor: one case's, or the whole log filtered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from restart_desktop.app.audit_heads import heads_by_device
from restart_desktop.app.errors import UserError
from restart_desktop.app.permissions import allowed
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import (
    AuditAction,
    BrokenLink,
    ChainLink,
    first_break,
    head_breaks,
)
from restart_desktop.domain.case import display_name
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.roles import Permission
from restart_desktop.store.audit import next_entry
from restart_desktop.store.changes import write_created
from restart_desktop.store.models import AuditEntry, Device, Person, Worker
from restart_desktop.store.queries import worker_names


def record(
    session: AppSession,
    action: AuditAction,
    person_id: str | None = None,
    detail: str = "",
    light: bool = False,
) -> None:
    """Add an entry for something done that changed nothing (a case opened, notes searched,
    a file exported). ``detail`` says how much, never what: no note text, no names.

    ``light`` for the entries of looking (a search, a case or notes opened), made while the
    worker waits for what they asked to see: the commit does not wait for the disk. The
    entry survives a crash or a killed app at once, and a power cut from the next ordinary
    save on (store.engine.LIGHT_WRITE_OPTION); exports, syncs and passphrases stay durable."""
    with session.db.write(light=light) as s:
        if person_id is not None and s.get(Person, person_id) is None:
            person_id = None  # a record no longer here: the entry still says what was done
        # Below the ORM (store.changes.write_created): this entry is written while the worker
        # waits for what they asked to see, and the unit of work cost more than the rest.
        entry = next_entry(
            s, session.device_id, session.worker.id, action, person_id, detail, session.clock.now()
        )
        write_created(s, [entry])


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime  # UTC
    worker: str
    device: str
    #: As recorded: an ``AuditAction`` value, or one of a newer version on another laptop
    #: of the team
    stored_action: str
    person: str  # the person's name, for the supervisor reading it here (not stored)
    detail: str
    device_id: str
    seq: int
    person_id: str | None = None  # to narrow the trail to this person

    @property
    def action(self) -> AuditAction | None:
        """None for an action this version does not know (``label`` says what it can)."""
        try:
            return AuditAction(self.stored_action)
        except ValueError:
            return None

    @property
    def label(self) -> str:
        """The action in words; one this version does not know, as recorded, said to come
        from a newer version (the entry is still listed: the trail is never cut short)."""
        action = self.action
        if action is not None:
            return action.label
        return f"{self.stored_action.replace('_', ' ').capitalize()} (recorded by a newer version)"


@dataclass(frozen=True)
class ChainCheck:
    """What a check of the chains covered, and its first broken link per device."""

    entries: int
    devices: int
    broken: list[BrokenLink]
    device_labels: dict[str, str]  # device id -> its label, to name a broken chain's laptop


@dataclass(frozen=True)
class AuditFilter:
    person_id: str | None = None
    worker_id: str | None = None
    action: AuditAction | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class AuditService:
    def __init__(self, session: AppSession) -> None:
        self._app = session

    @property
    def clock(self) -> Clock:
        """The session's clock: the window shows this service's times in its zone."""
        return self._app.clock

    def verify(self) -> list[BrokenLink]:
        """What does not hold in each device's chain (empty: every chain is intact): its
        first broken link, and what disagrees with the signed heads the device published
        (entries deleted from the end, rewritten with their hashes recomputed, reordered, or
        an older copy of its database put back)."""
        broken = []
        with self._app.db.read() as s:
            heads = heads_by_device(s)
            devices = set(s.scalars(select(AuditEntry.device_id).distinct())) | set(heads)
            for device in sorted(devices):
                rows = list(
                    s.scalars(
                        select(AuditEntry)
                        .where(AuditEntry.device_id == device)
                        .order_by(AuditEntry.seq)
                    )
                )
                found = first_break(
                    (
                        ChainLink(
                            e.device_id,
                            e.seq,
                            e.at,
                            e.worker_id,
                            e.action,
                            e.person_id,
                            e.detail,
                            e.prev_hash,
                        ),
                        e.hash,
                    )
                    for e in rows
                )
                if found is not None:
                    broken.append(found)
                broken += head_breaks(
                    device,
                    heads.get(device, []),
                    {e.seq: e.hash for e in rows},
                    whole=device == self._app.device_id,
                )
        return broken

    def entries(self, wanted: AuditFilter, limit: int = 1000) -> list[AuditView]:
        """Newest first. The whole log is a supervisor's; anyone sees a case's trail for a
        case on their laptop."""
        if wanted.person_id is None and not allowed(self._app, Permission.SUPERVISE):
            raise UserError("The whole audit log is for supervisors.")
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.seq.desc())
        if wanted.person_id:
            query = query.where(AuditEntry.person_id == wanted.person_id)
        if wanted.worker_id:
            query = query.where(AuditEntry.worker_id == wanted.worker_id)
        if wanted.action:
            query = query.where(AuditEntry.action == wanted.action.value)
        if wanted.date_from:
            query = query.where(AuditEntry.at >= self.clock.at_local(wanted.date_from, dt.time.min))
        if wanted.date_to:
            query = query.where(
                AuditEntry.at
                < self.clock.at_local(wanted.date_to + dt.timedelta(days=1), dt.time.min)
            )
        with self._app.db.read() as s:
            names = worker_names(s)
            devices = {d.id: d.label for d in s.scalars(select(Device))}
            found = list(s.scalars(query.limit(limit)))
            people = {
                p.id: display_name(p.given_name, p.family_name, p.preferred_name)
                for p in s.scalars(
                    select(Person).where(Person.id.in_({e.person_id for e in found if e.person_id}))
                )
            }
            return [
                AuditView(
                    e.at,
                    names.get(e.worker_id, "Unknown worker"),
                    devices.get(e.device_id, e.device_id[:8]),
                    e.action,
                    people.get(e.person_id or "", ""),
                    e.detail,
                    e.device_id,
                    e.seq,
                    e.person_id,
                )
                for e in found
            ]

    def check(self) -> ChainCheck:
        """``verify``, with how many entries on how many devices it covered (the supervisor's
        "Check the chain" says so, so that "intact" is not taken on trust)."""
        broken = self.verify()
        with self._app.db.read() as s:
            entries, devices = s.execute(
                select(func.count(), func.count(AuditEntry.device_id.distinct()))
            ).one()
            labels = {d.id: d.label for d in s.scalars(select(Device))}
        return ChainCheck(int(entries), int(devices), broken, labels)

    def workers(self, person_id: str | None = None) -> list[tuple[str, str]]:
        """(id, name) of everyone with entries in the trail (of ``person_id``'s case), by name:
        a worker who has left still answers for what they did."""
        who = select(AuditEntry.worker_id).distinct()
        if person_id is not None:
            who = who.where(AuditEntry.person_id == person_id)
        elif not allowed(self._app, Permission.SUPERVISE):
            raise UserError("The whole audit log is for supervisors.")
        with self._app.db.read() as s:
            return [
                (w.id, w.name)
                for w in s.scalars(select(Worker).where(Worker.id.in_(who)).order_by(Worker.name))
            ]
