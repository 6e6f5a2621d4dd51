"""Reading one record that a screen or command asked for by id, with the sentence to show
when it is no longer on this laptop (erased, handed over, or never synced here)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from restart_desktop.app.errors import NotFound
from restart_desktop.store.models import Base, Person

R = TypeVar("R", bound=Base)


def record_or_gone(s: Session, model: type[R], record_id: str, what: str) -> R:
    """The record, or ``NotFound`` saying "That <what> is no longer on this laptop."."""
    record = s.get(model, record_id)
    if record is None:
        raise NotFound(f"That {what} is no longer on this laptop.")
    return record


def case_or_gone(s: Session, case_id: str) -> Person:
    """The case's person record, or ``NotFound`` saying the case is no longer here."""
    return record_or_gone(s, Person, case_id, "case")
