"""Summary tables: figures worked out as records arrive, so that a period's figures read a
few small rows instead of joining tens of thousands (issue 27). Local and derived: never
synced, never exported, holding ids, times and numbers only.

SQLite keeps each one itself, with triggers on the tables it summarises (migration 0026):
so every way a record arrives or goes (the app's writes through the change hook, the demo's
writer below the ORM, a sync import, a rebuild, a retention erasure) keeps it right, and no
write path has to remember it. ``RECOUNTS`` says what each holds as a query over the
records themselves: the tests compare the two.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from restart_desktop.store.base import Base


class ReviewWait(Base):
    """A contact note's sign-off: when, whose note, and the days from the contact to the
    sign-off (julianday arithmetic, as the figures' median reads it)."""

    __tablename__ = "review_waits"
    __table_args__ = (Index("ix_review_waits_figures", "at", "worker_id", "waited"),)

    review_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    worker_id: Mapped[str] = mapped_column(String(36))
    waited: Mapped[float] = mapped_column(Float)


#: Each summary table's rows counted again from the records (ordered by its key).
RECOUNTS = {
    ReviewWait.__tablename__: (
        "SELECT reviews.id, reviews.at, reviews.worker_id,"
        " julianday(reviews.at) - julianday(contact_notes.contact_at)"
        " FROM reviews JOIN contact_notes ON contact_notes.id = reviews.item_id"
        " WHERE reviews.item_kind = 'note' AND reviews.action = 'reviewed'"
        " ORDER BY reviews.id"
    ),
}
