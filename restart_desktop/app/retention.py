"""Retention: what this laptop will erase next and when, and erasing what is due.

A worker's laptop erases a closed case ``laptop_days`` after closing, and a case that is no
longer the worker's, once every change it made to the case is confirmed held in the central
export (a supervisor's laptop published a digest saying it has read that far); a supervisor's
laptop erases a case ``export_years`` after closing and sends the tombstone, so every laptop
erases it and removes it from the bundles it published. A legal hold stops both. Runs after
every sync and when the data is opened, so nobody has to remember it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.session import AppSession
from restart_desktop.domain.allocation import receives_case
from restart_desktop.domain.case import CaseStatus, Role, display_name
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.retention import (
    EXPORT_YEARS,
    LAPTOP_DAYS,
    CaseRetention,
    ErasureRule,
    RetentionPolicy,
    Scheduled,
    policy_problems,
    schedule,
)
from restart_desktop.domain.roles import keeps_entity
from restart_desktop.store.batches import batches
from restart_desktop.store.case_index import audiences
from restart_desktop.store.erasure import erase_cases, optimize_search_index
from restart_desktop.store.models import Change, Erasure, NoteDraft, Person
from restart_desktop.sync.digest import CONFIRMED_SEQ  # kept by the digests

log = logging.getLogger(__name__)

LAPTOP_DAYS_SETTING = "retention_laptop_days"
EXPORT_YEARS_SETTING = "retention_export_years"
#: Cases erased in one transaction: a save made during a retention run waits for one batch
#: (up to about 0.5 s on a 10,000-case laptop; tests/benchmarks/bench_busy.py), never the
#: whole run (410 cases in one transaction, then VACUUM, held the database for about 25 s).
ERASE_BATCH = 50


@dataclass(frozen=True)
class ScheduledErasure:
    case_id: str
    name: str  # for the worker reading the list here; never logged or stored
    rule: ErasureRule
    due: dt.date
    waiting_for: str  # "" when it goes on the due date


@dataclass(frozen=True)
class RetentionOverview:
    policy: RetentionPolicy
    can_change: bool  # a supervisor sets the periods
    listed: list[ScheduledErasure]


@dataclass(frozen=True)
class RetentionRun:
    erased: int = 0  # cases erased from this laptop
    by_rule: tuple[tuple[ErasureRule, int], ...] = ()


def _int_setting(session: AppSession, key: str, default: int) -> int:
    try:
        return int(session.setting(key, str(default)))
    except ValueError:
        return default


class RetentionService:
    def __init__(self, session: AppSession, today: Callable[[], dt.date] | None = None) -> None:
        self._app = session
        self._today = today or session.clock.today
        self._role_now: str | None = None

    def today(self) -> dt.date:
        return self._today()

    @property
    def supervisor(self) -> bool:
        return self._role() == Role.SUPERVISOR

    def _role(self) -> str:
        """The worker's role as the database says (read once for this service: a run asks
        several times and a promotion arrives only with a sync)."""
        if self._role_now is None:
            with self._app.db.read() as s:
                self._role_now = self._app.role_now(s)
        return self._role_now

    def policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            _int_setting(self._app, LAPTOP_DAYS_SETTING, LAPTOP_DAYS),
            _int_setting(self._app, EXPORT_YEARS_SETTING, EXPORT_YEARS),
        )

    def set_policy(self, policy: RetentionPolicy) -> None:
        if not self.supervisor:
            raise UserError("Only a supervisor changes the retention periods.")
        problems = policy_problems(policy.laptop_days, policy.export_years)
        if problems:
            raise ValidationFailed(problems)
        self._app.set_setting(LAPTOP_DAYS_SETTING, str(policy.laptop_days))
        self._app.set_setting(EXPORT_YEARS_SETTING, str(policy.export_years))

    def overview(self) -> RetentionOverview:
        """What the retention window shows: the periods, who may change them, the list."""
        return RetentionOverview(self.policy(), self.supervisor, self.schedule())

    def schedule(self) -> list[ScheduledErasure]:
        """Every case a rule applies to, soonest first, with what holds it back."""
        supervisor, policy, today = self.supervisor, self.policy(), self._today()
        with self._app.db.read() as s:
            planned, names = self._planned(s, supervisor, policy, today)
        return sorted(
            (
                ScheduledErasure(
                    item.case_id, names.get(item.case_id, ""), item.rule, item.due, item.waiting_for
                )
                for item in planned
            ),
            key=lambda item: (item.due, item.name),
        )

    def run(self) -> RetentionRun:
        """Erase every case that is due, ERASE_BATCH cases a transaction (each case whole
        with its erasure record), then compact the file. It is background work: a save made
        meanwhile goes between two batches, and each batch checks the rules again, so a case
        held or reopened by that save is not erased."""
        supervisor, policy, today = self.supervisor, self.policy(), self._today()
        device = self._app.device_id
        with self._app.db.read() as s:
            due = [
                item.case_id
                for item in self._planned(s, supervisor, policy, today)[0]
                if item.is_due(today)
            ]
        by_rule: dict[ErasureRule, list[str]] = {}
        with self._app.db.background():
            for chunk in batches(due, ERASE_BATCH):
                with self._app.db.write() as s:
                    found: dict[ErasureRule, list[str]] = {}
                    for item in self._planned(s, supervisor, policy, today, chunk)[0]:
                        if item.is_due(today):
                            found.setdefault(item.rule, []).append(item.case_id)
                    at = self._app.clock.now()
                    for rule, case_ids in sorted(found.items()):
                        erase_cases(
                            s, case_ids, device, scrub=rule == ErasureRule.RETENTION, optimize=False
                        )
                        for case_id in case_ids:
                            s.add(
                                Erasure(case_id=case_id, rule=rule.value, device_id=device, at=at)
                            )
                for rule, case_ids in found.items():
                    by_rule.setdefault(rule, []).extend(case_ids)
            erased = sum(len(ids) for ids in by_rule.values())
            if erased:
                with self._app.db.write() as s:
                    optimize_search_index(s)
                self._app.db.compact()
        if erased:
            _remove_backups(self._app)
            log.info("retention erased %d case(s)", erased)  # counts only: never who
        return RetentionRun(
            erased, tuple((rule, len(ids)) for rule, ids in sorted(by_rule.items()))
        )

    def _planned(
        self,
        s: Session,
        supervisor: bool,
        policy: RetentionPolicy,
        today: dt.date,
        only: Sequence[str] | None = None,
    ) -> tuple[list[Scheduled], dict[str, str]]:
        """What the rules say of each case (or of the cases ``only``), and the names of the
        cases listed."""
        me = self._app.worker.id
        query = select(
            Person.id,
            Person.status,
            Person.legal_hold,
            Person.updated_at,
            Person.given_name,
            Person.family_name,
            Person.preferred_name,
        )
        keeps_all = supervisor or not keeps_entity(self._role(), "contact_notes")
        if keeps_all:  # every case is theirs to keep: only the closed ones can fall due
            query = query.where(Person.status == CaseStatus.CLOSED.value)
        rows = (
            s.execute(query).all()
            if only is None
            else [
                row
                for chunk in batches(only)
                for row in s.execute(query.where(Person.id.in_(chunk)))
            ]
        )
        # The allocator's laptop keeps the intake of every case, as a supervisor's every case.
        if keeps_all:
            mine = {row.id for row in rows}
        else:
            known = audiences(s, [row.id for row in rows])
            mine = {row.id for row in rows if receives_case(me, False, known.get(row.id))}
        candidates = [
            row for row in rows if row.status == CaseStatus.CLOSED.value or row.id not in mine
        ]
        ids = [row.id for row in candidates]
        clock = self._app.clock  # the days are the session's, on any laptop
        closed = _closed_on(
            s, [row.id for row in candidates if row.status == CaseStatus.CLOSED.value], clock
        )
        newest = _newest_own_change(s, ids, self._app.device_id)
        confirmed = _int_setting(self._app, CONFIRMED_SEQ, 0) if not supervisor else 0
        drafts = _with_drafts(s, ids)
        planned: list[Scheduled] = []
        names: dict[str, str] = {}
        for row in candidates:
            closed_on = None
            if row.status == CaseStatus.CLOSED.value:
                closed_on = closed.get(row.id, clock.day_of(row.updated_at))
            found = schedule(
                CaseRetention(
                    row.id,
                    closed_on,
                    bool(row.legal_hold),
                    row.id in mine,
                    newest.get(row.id, 0) <= confirmed,
                    row.id in drafts,
                ),
                policy,
                supervisor,
                today,
            )
            if found is not None:
                planned.append(found)
                names[row.id] = display_name(row.given_name, row.family_name, row.preferred_name)
        return planned, names


def _closed_on(s: Session, ids: Sequence[str], clock: Clock) -> dict[str, dt.date]:
    """The day each case was last closed (by its change log: the same on every laptop)."""
    found: dict[str, dt.date] = {}
    closing = func.json_extract(Change.fields, "$.status") == CaseStatus.CLOSED.value
    for chunk in batches(ids):
        for record_id, at in s.execute(
            select(Change.record_id, func.max(Change.recorded_at))
            .where(Change.entity == Person.__tablename__, Change.record_id.in_(chunk), closing)
            .group_by(Change.record_id)
        ):
            found[record_id] = clock.day_of(at)
    return found


def _newest_own_change(s: Session, ids: Sequence[str], device_id: str) -> dict[str, int]:
    """The highest sequence of this laptop's changes (audit entries too) to each case."""
    found: dict[str, int] = {}
    for chunk in batches(ids):
        # Grouped by device and filtered here: with the device in the WHERE clause SQLite
        # walks the device's whole (device, seq) index instead of the case index.
        for case_id, device, seq in s.execute(
            select(Change.case_id, Change.device_id, func.max(Change.seq))
            .where(Change.case_id.in_(chunk))
            .group_by(Change.case_id, Change.device_id)
        ):
            if device == device_id:
                found[str(case_id)] = int(seq)
    return found


def _with_drafts(s: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in batches(ids):
        found.update(s.scalars(select(NoteDraft.person_id).where(NoteDraft.person_id.in_(chunk))))
    return found


def _remove_backups(session: AppSession) -> None:
    """The copies taken before schema migrations hold erased cases: once the migrated
    database has opened and been written since, they are removed with them."""
    folder = session.paths.backups
    if not folder.is_dir():
        return
    for copy in folder.iterdir():
        if copy.is_file():
            copy.unlink()
