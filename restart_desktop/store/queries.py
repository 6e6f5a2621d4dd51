"""Small reads many services share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.store.models import Worker


def worker_names(s: Session) -> dict[str, str]:
    """Every worker's name by id (the team is small: one query, read whole)."""
    return {worker_id: name for worker_id, name in s.execute(select(Worker.id, Worker.name))}
