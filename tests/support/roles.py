"""The signed-in worker as a supervisor: the same person and laptop, with the supervisor's
role (as a promotion arriving by sync gives them at their next unlock)."""

from __future__ import annotations

from dataclasses import replace

from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import Role
from restart_desktop.store.models import Worker


def as_supervisor(session: AppSession) -> AppSession:
    with session.db.write() as s:
        worker = s.get(Worker, session.worker.id)
        assert worker is not None
        worker.role = Role.SUPERVISOR.value
    return replace(session, worker=replace(session.worker, role=Role.SUPERVISOR))


def as_role(session: AppSession, role: Role) -> AppSession:
    """The signed-in worker with ``role`` (as ``team promote --role`` gives it)."""
    with session.db.write() as s:
        worker = s.get(Worker, session.worker.id)
        assert worker is not None
        worker.role = role.value
    return replace(session, worker=replace(session.worker, role=role))


def as_colleague(session: AppSession, name: str = "Fictional Colleague") -> AppSession:
    """Another worker, on their own laptop, writing into the same database: their records
    are reviewed by the signed-in worker once a supervisor (``as_supervisor``)."""
    from restart_desktop.domain.ids import uuid7
    from restart_desktop.store.changes import Actor

    worker_id = uuid7()
    with session.db.write() as s:
        s.add(Worker(id=worker_id, name=name, organisation_code="pact"))
    return replace(
        session,
        db=session.db.with_actor(Actor(worker_id, "their-laptop")),
        worker=replace(session.worker, id=worker_id),
    )
