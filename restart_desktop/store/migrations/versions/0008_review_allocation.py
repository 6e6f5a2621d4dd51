"""supervisor review and allocation: reviews, handovers, the case each change belongs to, and
what a worker's laptop did not keep

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
    ]


# Records of one case: their changes are stamped with the case (the person) they belong to.
_CASE_TABLES = (
    "contact_notes",
    "addenda",
    "follow_up_actions",
    "release_plans",
    "release_plan_items",
    "referrals",
    "referral_events",
    "assessments",
)


def _append_only(table: str, content: list[str]) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {', '.join(content)} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
    )


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("case_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_changes_case_id", ["case_id"])
    op.execute("UPDATE changes SET case_id = record_id WHERE entity = 'people'")
    for table in _CASE_TABLES:
        op.execute(
            f"UPDATE changes SET case_id = (SELECT person_id FROM {table} "
            f"WHERE {table}.id = changes.record_id) WHERE entity = '{table}'"
        )

    op.create_table(
        "handovers",
        *_bookkeeping(),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_worker_id", sa.String(length=36), nullable=True),
        sa.Column("to_worker_id", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_handovers_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["from_worker_id"], ["workers.id"], name=op.f("fk_handovers_from_worker_id_workers")
        ),
        sa.ForeignKeyConstraint(
            ["to_worker_id"], ["workers.id"], name=op.f("fk_handovers_to_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index("ix_handovers_person_id", "handovers", ["person_id"])
    _append_only("handovers", ["person_id", "kind", "from_worker_id", "to_worker_id", "note", "at"])

    op.create_table(
        "reviews",
        *_bookkeeping(),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_reviews_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_reviews_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index("ix_reviews_item_id_action_at", "reviews", ["item_id", "action", "at"])
    op.create_index("ix_contact_notes_contact_at", "contact_notes", ["contact_at"])
    op.create_index("ix_reviews_worker_id", "reviews", ["worker_id"])
    _append_only(
        "reviews", ["item_kind", "item_id", "person_id", "worker_id", "action", "comment", "at"]
    )

    op.create_table(
        "sync_case_index",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("allocated_worker_id", sa.String(length=36), nullable=True),
        sa.Column("allocated_hlc", sa.String(length=32), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_sync_case_index")),
    )
    op.execute(
        "INSERT INTO sync_case_index (case_id, created_by, allocated_worker_id, allocated_hlc, "
        "shared_with) SELECT id, created_by, allocated_worker_id, '', '[]' FROM people"
    )
    op.create_table(
        "sync_skipped",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("to_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "device_id", "from_seq", name=op.f("pk_sync_skipped")),
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
