"""audit trail: each device's chained, append-only log of who did what

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_CONTENT = (
    "device_id",
    "seq",
    "at",
    "worker_id",
    "action",
    "person_id",
    "detail",
    "prev_hash",
    "hash",
)


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_audit_entries_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("device_id", "seq", name="uq_audit_entries_device_seq"),
    )
    op.create_index("ix_audit_entries_person_id", "audit_entries", ["person_id"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.execute(
        f"CREATE TRIGGER audit_entries_immutable BEFORE UPDATE OF {', '.join(_CONTENT)} "
        "ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries are append-only'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
