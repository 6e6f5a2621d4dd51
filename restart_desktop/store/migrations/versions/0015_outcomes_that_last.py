"""outcomes that last: closure reasons, earlier custodial sentences and returns to custody

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("closure_reason", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("earlier_custodial_sentences", sa.Integer(), nullable=True))
    op.create_table(
        "custody_returns",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_custody_returns_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_returns")),
    )
    op.create_index("ix_custody_returns_person_id", "custody_returns", ["person_id"])


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
