"""contact notes, addenda, follow-up actions, note drafts, and the full-text index of notes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BOOKKEEPING = (
    ("id", sa.String(length=36)),
    ("created_at", sa.DateTime()),
    ("updated_at", sa.DateTime()),
    ("created_by", sa.String(length=36)),
    ("updated_by", sa.String(length=36)),
)

# unicode61 with symbols (So) as token characters, so that emoji are found too; diacritics
# are folded, so "czesc" finds "Cześć".
FTS_TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co Mc Mn So'"


def _bookkeeping() -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column(name, type_, nullable=False) for name, type_ in _BOOKKEEPING
    ]
    columns.append(sa.Column("last_change_id", sa.String(length=64), nullable=True))
    return columns


def upgrade() -> None:
    op.create_index("ix_changes_hlc", "changes", ["hlc"])
    op.create_table(
        "contact_notes",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("contact_at", sa.DateTime(), nullable=False),
        sa.Column("contact_type", sa.String(length=32), nullable=False),
        sa.Column("not_seen_reason", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contact_notes_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_contact_notes_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_notes")),
    )
    op.create_index(
        "ix_contact_notes_person_contact_at", "contact_notes", ["person_id", "contact_at"]
    )
    op.create_table(
        "addenda",
        sa.Column("note_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["note_id"], ["contact_notes.id"], name=op.f("fk_addenda_note_id_contact_notes")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_addenda_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addenda")),
    )
    op.create_index("ix_addenda_note_id", "addenda", ["note_id"])
    op.create_table(
        "follow_up_actions",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("note_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("owner_detail", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_follow_up_actions_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["contact_notes.id"],
            name=op.f("fk_follow_up_actions_note_id_contact_notes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_actions")),
    )
    op.create_index("ix_follow_up_actions_person_id", "follow_up_actions", ["person_id"])
    op.create_index("ix_follow_up_actions_status_due", "follow_up_actions", ["status", "due_date"])
    op.create_table(
        "note_drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("contact_at", sa.DateTime(), nullable=True),
        sa.Column("contact_type", sa.String(length=32), nullable=False),
        sa.Column("not_seen_reason", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_note_drafts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_drafts")),
    )

    # Finalised notes and addenda are append-only, also against raw SQL.
    for table in ("contact_notes", "addenda"):
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
        )

    # The full-text index of note and addendum text. Triggers keep it consistent with the
    # tables under every write (the app's, a sync import's, a retention delete's).
    op.execute(
        "CREATE VIRTUAL TABLE note_search USING fts5("
        "kind UNINDEXED, record_id UNINDEXED, person_id UNINDEXED, note_id UNINDEXED, body, "
        f'tokenize="{FTS_TOKENIZER}")'
    )
    op.execute(
        "CREATE TRIGGER contact_notes_search_insert AFTER INSERT ON contact_notes BEGIN "
        "INSERT INTO note_search (kind, record_id, person_id, note_id, body) "
        "VALUES ('note', new.id, new.person_id, new.id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER contact_notes_search_delete AFTER DELETE ON contact_notes BEGIN "
        "DELETE FROM note_search WHERE kind = 'note' AND record_id = old.id; END"
    )
    op.execute(
        "CREATE TRIGGER addenda_search_insert AFTER INSERT ON addenda BEGIN "
        "INSERT INTO note_search (kind, record_id, person_id, note_id, body) "
        "VALUES ('addendum', new.id, new.person_id, new.note_id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER addenda_search_delete AFTER DELETE ON addenda BEGIN "
        "DELETE FROM note_search WHERE kind = 'addendum' AND record_id = old.id; END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
