"""the figures (issue 27): a summary table of the notes' sign-offs; the status moves, the
intake and its decisions of a period each read from an index alone.

The days each note waited for its sign-off were a join of a quarter's sign-offs (45,000 at
10,000 cases) to their notes, one lookup each in an index of every note: ``review_waits``
holds each note's sign-off with its days already worked out. SQLite keeps it with triggers
on ``reviews`` and ``contact_notes`` (a row when both are here, in either order; gone when
either goes), so every write path keeps it right, the sync import's and the retention
erasure's too (``store.summaries``). Filled here from the records already held; the notes'
(id, contact time) index made for that join (0024) goes: every note written paid for it.
A period's notes are counted worker by worker, each a range of a (worker, contact time)
index: grouped by worker, SQLite sorted a quarter's notes (67,000 at 10,000 cases).

The status moves of a quarter came from the rows of the change log (each holding a record's
fields as JSON, read to find the status): ``ix_changes_figures`` now holds the kind, the
record and the status moved to (an index on an expression, raw SQL like 0013's), still
partial, so that the changes of the other kinds never pay for it. A new or imported change
updates it like any index: no write path has to remember it.

The intake of a period was a scan of every intake record with a lookup of each person's
release date; ``ix_intake_records_figures`` holds every column the figures read (the
release date now comes from the figures' own read of the people), and
``ix_intake_decisions_at`` the decisions of a period.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FIGURES_WHERE = "entity = 'people' OR entity = 'barriers'"  # as 0022 has it
#: The status a change moved its record to (``store.models.STATUS_MOVED_TO``: SQLite uses an
#: index on an expression only for a query saying the very same expression).
STATUS = "json_extract(fields, '$.status')"


#: A sign-off of a note: the trigger's condition on a review row (``new`` or ``old``).
SIGN_OFF = "{row}.item_kind = 'note' AND {row}.action = 'reviewed'"
#: The same of the sign-offs of one note, looked up by the note: the unary + keeps SQLite
#: from walking every sign-off of a note by ``ix_reviews_figures`` (kind, action) instead of
#: the note's own by ``ix_reviews_item_id_action_at``, which it otherwise chose at each note
#: written (the demo's 10,000 cases took minutes).
SIGN_OFF_OF_NOTE = "+reviews.item_kind = 'note' AND +reviews.action = 'reviewed'"
#: The summary row of the sign-offs ``reviews`` names of the notes ``contact_notes`` names.
WAIT = (
    "INSERT OR REPLACE INTO review_waits (review_id, at, worker_id, waited)"
    " SELECT {review}.id, {review}.at, {review}.worker_id,"
    " julianday({review}.at) - julianday({note}.contact_at)"
)
TRIGGERS = {
    "review_waits_review_insert": (
        f"AFTER INSERT ON reviews WHEN {SIGN_OFF.format(row='new')} BEGIN "
        f"{WAIT.format(review='new', note='contact_notes')} FROM contact_notes"
        " WHERE contact_notes.id = new.item_id; END"
    ),
    "review_waits_review_delete": (
        "AFTER DELETE ON reviews BEGIN DELETE FROM review_waits WHERE review_id = old.id; END"
    ),
    "review_waits_review_update": (
        "AFTER UPDATE OF id, item_kind, item_id, action, at, worker_id ON reviews BEGIN "
        "DELETE FROM review_waits WHERE review_id = old.id; "
        f"{WAIT.format(review='new', note='contact_notes')} FROM contact_notes"
        f" WHERE contact_notes.id = new.item_id AND {SIGN_OFF.format(row='new')}; END"
    ),
    "review_waits_note_insert": (
        "AFTER INSERT ON contact_notes BEGIN "
        f"{WAIT.format(review='reviews', note='new')} FROM reviews"
        f" WHERE reviews.item_id = new.id AND {SIGN_OFF_OF_NOTE}; END"
    ),
    "review_waits_note_delete": (
        "AFTER DELETE ON contact_notes BEGIN DELETE FROM review_waits WHERE review_id IN"
        " (SELECT id FROM reviews WHERE reviews.item_id = old.id); END"
    ),
    "review_waits_note_update": (
        "AFTER UPDATE OF id, contact_at ON contact_notes BEGIN "
        "DELETE FROM review_waits WHERE review_id IN"
        " (SELECT id FROM reviews WHERE reviews.item_id = old.id); "
        f"{WAIT.format(review='reviews', note='new')} FROM reviews"
        f" WHERE reviews.item_id = new.id AND {SIGN_OFF_OF_NOTE}; END"
    ),
}


def upgrade() -> None:
    op.create_table(
        "review_waits",
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("worker_id", sa.String(36), nullable=False),
        sa.Column("waited", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_review_waits")),
    )
    op.execute(
        f"{WAIT.format(review='reviews', note='contact_notes')}"
        " FROM reviews JOIN contact_notes INDEXED BY ix_contact_notes_id_contact_at"
        f" ON contact_notes.id = reviews.item_id WHERE {SIGN_OFF.format(row='reviews')}"
    )
    op.create_index(op.f("ix_review_waits_figures"), "review_waits", ["at", "worker_id", "waited"])
    # Made for that join alone (0024): every note written paid for it.
    op.drop_index("ix_contact_notes_id_contact_at", table_name="contact_notes")
    op.create_index(
        op.f("ix_contact_notes_worker_id_contact_at"),
        "contact_notes",
        ["worker_id", "contact_at"],
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.drop_index("ix_changes_figures", table_name="changes")
    op.execute(
        "CREATE INDEX ix_changes_figures ON changes"
        f" (recorded_at, entity, record_id, {STATUS}) WHERE {FIGURES_WHERE}"
    )
    op.create_index(
        op.f("ix_intake_records_figures"),
        "intake_records",
        [
            "recommended_on",
            "person_id",
            "source",
            "decided_at",
            "in_thames_valley",
            "iom",
            "mappa_level",
            "earlier_custodial_sentences",
        ],
    )
    op.create_index(
        op.f("ix_intake_decisions_at"), "intake_decisions", ["at", "decision", "reason_code"]
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
