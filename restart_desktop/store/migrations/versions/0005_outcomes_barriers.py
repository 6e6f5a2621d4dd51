"""outcome assessments and the barriers and escalations register

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BOOKKEEPING = (
    ("id", sa.String(length=36)),
    ("created_at", sa.DateTime()),
    ("updated_at", sa.DateTime()),
    ("created_by", sa.String(length=36)),
    ("updated_by", sa.String(length=36)),
)


def _bookkeeping() -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column(name, type_, nullable=False) for name, type_ in _BOOKKEEPING
    ]
    columns.append(sa.Column("last_change_id", sa.String(length=64), nullable=True))
    return columns


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("present", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("disagreement", sa.Text(), nullable=False),
        sa.Column("finalised_at", sa.DateTime(), nullable=True),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_assessments_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index("ix_assessments_person_id", "assessments", ["person_id"])
    # A finalised assessment is a record, like a note: no change, also against raw SQL.
    op.execute(
        "CREATE TRIGGER assessments_final BEFORE UPDATE ON assessments "
        "WHEN old.finalised_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'finalised assessments are never changed'); END"
    )
    op.create_table(
        "barriers",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barriers")),
    )
    op.create_index("ix_barriers_raised_on", "barriers", ["raised_on"])


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
